/**
 * Issue 14, item 1: one budget for the bytes an import decodes, enforced while gzip and zip entries
 * inflate (a .gz inside a .zip counts against the same budget) and before images are decoded or
 * resized; the default follows the device's memory.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { bytesInWords, defaultImportBudget, fileTooLarge } from '../../src/core/import-limits.ts';
import { deviceImportBudget, ImportBudget } from '../../src/data/budget.ts';
import { gunzip } from '../../src/data/gzip.ts';
import type { DecodedImage, ImageDecoder } from '../../src/data/image-folder.ts';
import { importFiles, type FileImport } from '../../src/data/import-files.ts';
import { readZip } from '../../src/data/zip.ts';
import { gzip, idxFile } from './fixtures.ts';
import { writeZip } from './zip-writer.ts';

const MiB = 2 ** 20;
const GiB = 2 ** 30;
const advice = '; import fewer or smaller files, or a smaller image size';

afterEach(() => vi.unstubAllGlobals());

describe('the default budget', () => {
  it('is a quarter of the device memory, at most 1 GiB, and 512 MiB where the browser does not say', () => {
    expect(defaultImportBudget(undefined)).toBe(512 * MiB);
    expect(defaultImportBudget(0.25)).toBe(64 * MiB);
    expect(defaultImportBudget(2)).toBe(512 * MiB);
    expect(defaultImportBudget(4)).toBe(GiB);
    expect(defaultImportBudget(8)).toBe(GiB);
    expect(defaultImportBudget(Number.NaN)).toBe(512 * MiB);
  });

  it('reads navigator.deviceMemory where there is one (Chromium), and Node has none', () => {
    expect(deviceImportBudget()).toBe(512 * MiB);
    vi.stubGlobal('navigator', { deviceMemory: 1 });
    expect(deviceImportBudget()).toBe(256 * MiB);
    vi.stubGlobal('navigator', { deviceMemory: 8 });
    expect(deviceImportBudget()).toBe(GiB);
  });

  it('checks a file\'s size before it is read', () => {
    expect(fileTooLarge({ name: 'a.png', size: 32 * MiB }, 32 * MiB, 'a picture may be')).toBeUndefined();
    expect(fileTooLarge({ name: 'huge.png', size: 40 * MiB }, 32 * MiB, 'a picture may be')).toBe(
      'huge.png is 40 MB (41,943,040 bytes), more than the 32 MB (33,554,432 bytes) a picture may be; choose a smaller file.',
    );
  });
});

describe('gzip and zip inflate within the budget', () => {
  it('stops a gzip stream as soon as it passes the budget (1 MiB here, the file inflating to 2 MiB)', async () => {
    const bomb = await gzip(new Uint8Array(2 * MiB));
    expect(bomb.length).toBeLessThan(4096);
    await expect(gunzip('bomb.gz', bomb, new ImportBudget(MiB))).rejects.toThrow(
      `bomb.gz: inflates to more than the 1 MB (1,048,576 bytes) this import may decode on this device, so it was stopped there${advice}`,
    );
    // Exactly at the budget is fine, and the bytes are counted.
    const budget = new ImportBudget(2 * MiB);
    expect((await gunzip('ok.gz', bomb, budget)).length).toBe(2 * MiB);
    expect(budget.left).toBe(0);
  });

  it('counts zip entries by their declared size before inflating them', async () => {
    const zip = await writeZip([{ path: 'a.bin', bytes: new Uint8Array(600_000) }, { path: 'b.bin', bytes: new Uint8Array(600_000) }]);
    await expect(readZip({ file: 'two.zip', bytes: zip.bytes }, {}, new ImportBudget(MiB))).rejects.toThrow(
      `two.zip/b.bin: inflates to 586 KB (600,000 bytes), more than the 1 MB (1,048,576 bytes) this import may decode on this device (586 KB (600,000 bytes) of it taken by the files before)${advice}`,
    );
  });

  // Issue 14: a 1 MiB zip of IDX .gz files inflated to 1 GiB and was accepted: the zip limits never saw inside the .gz.
  it('counts a .gz inside a .zip against the same budget as the zip (an IDX import, budget 1 MiB)', async () => {
    const count = 2_000;
    const images = await gzip(idxFile([count, 28, 28], new Uint8Array(count * 784)));
    const labels = await gzip(idxFile([count], Uint8Array.from({ length: count }, (_, n) => n % 10)));
    const zip = await writeZip([
      { path: 'train-images-idx3-ubyte.gz', bytes: images, method: 'stored' },
      { path: 'train-labels-idx1-ubyte.gz', bytes: labels, method: 'stored' },
    ]);
    expect(zip.bytes.length).toBeLessThan(MiB / 8);
    const request: FileImport = { format: 'idx', name: '', files: [{ file: 'mnist.zip', bytes: zip.bytes }], options: { validation: 0.1, test: 0.1, seed: 1, budget: MiB } };
    const before = images.length + labels.length;
    await expect(importFiles(request, noDecoder, 'user-1')).rejects.toThrow(
      `mnist.zip/train-images-idx3-ubyte.gz: inflates to more than the 1 MB (1,048,576 bytes) this import may decode on this device (${bytesInWords(before)} of it taken by the files before), so it was stopped there${advice}`,
    );
  });

  it('refuses the same at a real default budget (a 256 MiB device: 64 MiB), where the old zip limits let it through', async () => {
    const count = 90_000;
    const images = await gzip(idxFile([count, 28, 28], new Uint8Array(count * 784)));
    const labels = await gzip(idxFile([count], Uint8Array.from({ length: count }, (_, n) => n % 10)));
    const zip = await writeZip([
      { path: 'train-images-idx3-ubyte.gz', bytes: images },
      { path: 'train-labels-idx1-ubyte.gz', bytes: labels },
    ]);
    expect(zip.bytes.length).toBeLessThan(MiB);
    const request: FileImport = {
      format: 'idx',
      name: '',
      files: [{ file: 'mnist.zip', bytes: zip.bytes }],
      options: { validation: 0.1, test: 0.1, seed: 1, budget: defaultImportBudget(0.25) },
    };
    await expect(importFiles(request, noDecoder, 'user-1')).rejects.toThrow(/^mnist\.zip\/train-images-idx3-ubyte\.gz: inflates to more than the 64 MB \(67,108,864 bytes\) this import may decode on this device \(/);
  }, 30_000);
});

const noDecoder: ImageDecoder = () => Promise.reject(new Error('no images in this test'));

/** A decoder that never decodes: it counts its calls and returns `image`. */
function countingDecoder(image: DecodedImage): { decode: ImageDecoder; calls: () => number } {
  let calls = 0;
  return {
    decode: () => {
      calls++;
      return Promise.resolve(image);
    },
    calls: () => calls,
  };
}

/** `count` "images" in two class folders; the bytes are never read by the test decoders. */
const pictures = (count: number): FileImport['files'] =>
  Array.from({ length: count }, (_, n) => ({ file: `pets/${n % 2 === 0 ? 'cat' : 'dog'}/${n}.png`, bytes: new Uint8Array(8) }));

describe('images are counted before they are decoded or resized', () => {
  // Issue 14: 200 images at 4096×4096×4 failed with "RangeError: Invalid typed array length".
  it('refuses 200 images stored at 4096×4096×4 under the default budget, before decoding any', async () => {
    const decoder = countingDecoder({ width: 1, height: 1, rgba: new Uint8ClampedArray(4) });
    const request: FileImport = { format: 'images', name: '', files: pictures(200), options: { image: { height: 4096, width: 4096, channels: 4 }, validation: 0.1, test: 0.1, seed: 1 } };
    await expect(importFiles(request, decoder.decode, 'user-1')).rejects.toThrow(
      `pets: holds 200 images, which at 4096×4096×4 take 12.5 GB (13,421,772,800 bytes), more than the 512 MB (536,870,912 bytes) this import may decode on this device${advice}`,
    );
    expect(decoder.calls()).toBe(0);
  });

  // Issue 14: 2,000 images resized to 1024² were accepted (2 GB).
  it('refuses 2,000 images resized to 1024×1024 (2 GB) under a 1 GiB budget', async () => {
    const decoder = countingDecoder({ width: 1, height: 1, rgba: new Uint8ClampedArray(4) });
    const request: FileImport = {
      format: 'images',
      name: '',
      files: pictures(2_000),
      options: { image: { height: 1024, width: 1024, channels: 1 }, validation: 0.1, test: 0.1, seed: 1, budget: GiB },
    };
    await expect(importFiles(request, decoder.decode, 'user-1')).rejects.toThrow(
      `pets: holds 2,000 images, which at 1024×1024×1 take 1.95 GB (2,097,152,000 bytes), more than the 1 GB (1,073,741,824 bytes) this import may decode on this device${advice}`,
    );
    expect(decoder.calls()).toBe(0);
  });

  it('refuses one picture whose pixels and resizing buffer would not fit in what is left, before resizing it', async () => {
    const decoder = countingDecoder({ width: 1000, height: 1000, rgba: new Uint8ClampedArray(4_000_000) });
    const request: FileImport = { format: 'images', name: '', files: pictures(4), options: { image: { height: 8, width: 8, channels: 1 }, validation: 0.25, test: 0.25, seed: 1, budget: MiB } };
    // 1000 × 1000 × 4 RGBA bytes + 1000 input rows × 8 output columns × 8 bytes of float64.
    await expect(importFiles(request, decoder.decode, 'user-1')).rejects.toThrow(
      `pets/cat/0.png: is 1000×1000 pixels; decoding and resizing it takes 3.88 MB (4,064,000 bytes), more than the 1 MB (1,048,576 bytes) this import may decode on this device (256 B (256 bytes) of it taken by the files before)${advice}`,
    );
    expect(decoder.calls()).toBe(1);
  });

  it('refuses resizing IDX images to a size whose bytes pass the budget', async () => {
    const images = idxFile([40, 2, 2], new Uint8Array(160));
    const labels = idxFile([40], Uint8Array.from({ length: 40 }, (_, n) => n % 2));
    const request: FileImport = {
      format: 'idx',
      name: '',
      files: [{ file: 'train-images-idx3-ubyte', bytes: images }, { file: 'train-labels-idx1-ubyte', bytes: labels }],
      options: { image: { height: 256, width: 256, channels: 1 }, validation: 0.1, test: 0.1, seed: 1, budget: 2 * MiB },
    };
    await expect(importFiles(request, noDecoder, 'user-1')).rejects.toThrow(
      `train-images-idx3-ubyte: holds 40 images, which at 256×256×1 take 2.5 MB (2,621,440 bytes), more than the 2 MB (2,097,152 bytes) this import may decode on this device (200 B (200 bytes) of it taken by the files before)${advice}`,
    );
  });

  it('refuses a budget outside 1 MiB … 1 GiB', async () => {
    const request: FileImport = { format: 'csv', name: '', files: [{ file: 'a.csv', bytes: new Uint8Array(1) }], options: { validation: 0.1, test: 0.1, seed: 1, budget: 2 * GiB } };
    await expect(importFiles(request, noDecoder, 'user-1')).rejects.toThrow(
      'The memory budget of an import must be a whole number of bytes from 1 MB (1,048,576 bytes) to 1 GB (1,073,741,824 bytes), got 2147483648.',
    );
  });
});
