/** CIFAR-10 binary: channel-planar records turned into exact NHWC pixels, and damaged batches named with their offset. */
import { describe, expect, it } from 'vitest';
import { CIFAR10_CLASS_NAMES, parseCifar10 } from '../../src/data/cifar10.ts';
import { cifarRecords, gzip } from './fixtures.ts';

// Pixel p of a record: red p % 256, green 255 − p % 256, blue the label · 10.
const batch = cifarRecords([
  { label: 3, rgb: (p) => [p % 256, 255 - (p % 256), 30] },
  { label: 9, rgb: (p) => [p % 256, 255 - (p % 256), 90] },
]);

describe('parseCifar10', () => {
  it('turns each record into a 32×32×3 NHWC image with its label', async () => {
    const set = await parseCifar10([{ file: 'data_batch_1.bin', bytes: batch }]);
    expect([set.height, set.width, set.channels, set.count]).toEqual([32, 32, 3, 2]);
    expect([...set.labels]).toEqual([3, 9]);
    // Image 0, pixel 0 (row 0, column 0), then pixel 33 (row 1, column 1); image 1, last pixel (1,023).
    expect([...set.images.subarray(0, 3)]).toEqual([0, 255, 30]);
    expect([...set.images.subarray(33 * 3, 33 * 3 + 3)]).toEqual([33, 222, 30]);
    expect([...set.images.subarray(3072 + 1023 * 3, 3072 + 1024 * 3)]).toEqual([255, 0, 90]);
    expect(CIFAR10_CLASS_NAMES[set.labels[0]!]).toBe('cat');
  });

  it('joins several batches, raw or .gz, in the order given', async () => {
    const one = cifarRecords([{ label: 1, rgb: () => [1, 2, 3] }]);
    const set = await parseCifar10([
      { file: 'data_batch_1.bin', bytes: batch },
      { file: 'data_batch_2.bin.gz', bytes: await gzip(one) },
    ]);
    expect(set.count).toBe(3);
    expect([...set.labels]).toEqual([3, 9, 1]);
    expect([...set.images.subarray(2 * 3072, 2 * 3072 + 6)]).toEqual([1, 2, 3, 1, 2, 3]);
  });

  it('rejects a batch cut inside a record', async () => {
    await expect(parseCifar10([{ file: 'data_batch_3.bin', bytes: batch.subarray(0, 4000) }])).rejects.toThrow(
      'data_batch_3.bin, byte 4000: the file ends here, inside record 2 (records are 3,073 bytes: a label and 32×32×3 pixels); the file is truncated or is not a CIFAR-10 binary batch',
    );
  });

  it('rejects a label above 9', async () => {
    const bad = batch.slice();
    bad[3073] = 10;
    await expect(parseCifar10([{ file: 'test_batch.bin', bytes: bad }])).rejects.toThrow(
      'test_batch.bin, byte 3073: record 2 has label 10, but CIFAR-10 labels are 0 to 9; the file is corrupt or is not a CIFAR-10 batch (CIFAR-100 records have 2 label bytes)',
    );
  });

  it('rejects an empty file', async () => {
    await expect(parseCifar10([{ file: 'empty.bin', bytes: new Uint8Array() }])).rejects.toThrow(
      'empty.bin, byte 0: the file is empty; choose a CIFAR-10 binary batch such as data_batch_1.bin',
    );
  });
});
