/**
 * Importing user files in the worker, run here in Node on real IDX, CSV and CIFAR-10 bytes (the image
 * path needs a browser's decoder: tests/client/dataset-import.browser.test.ts): which file is which,
 * the test set from the files or drawn by share, resizing, archives, and errors naming the file.
 */
import { describe, expect, it } from 'vitest';
import type { DatasetImportOptions, DatasetImportRequest } from '../../src/contracts/datasets.ts';
import { CIFAR10_CLASS_NAMES } from '../../src/data/cifar10.ts';
import type { ImageDecoder } from '../../src/data/image-folder.ts';
import { importUserDataset } from '../../src/workers/dataset-import.ts';
import { cifarRecords, gzip, idxFile, text } from '../data/fixtures.ts';
import { writeZip } from '../data/zip-writer.ts';

const noImages: ImageDecoder = () => Promise.reject(new Error('no image files in these tests'));
const now = new Date('2026-03-04T05:06:07.000Z');
const buffer = (bytes: Uint8Array): ArrayBuffer => bytes.slice().buffer;
const request = (format: DatasetImportRequest['format'], files: Record<string, Uint8Array>, options: Partial<DatasetImportOptions> = {}, name = 'My data'): DatasetImportRequest => ({
  format,
  name,
  files: Object.entries(files).map(([fileName, bytes]) => ({ name: fileName, bytes: buffer(bytes) })),
  options: { validation: 0.2, test: 0.2, seed: 1, ...options },
});
const run = (r: DatasetImportRequest) => importUserDataset(r, noImages, 'user-test', now);

/** `count` 2×2 gray images; image n is filled with 10·n, labels alternate 0, 1. */
const idxPair = (count: number): [Uint8Array, Uint8Array] => [
  idxFile([count, 2, 2], Array.from({ length: count * 4 }, (_, i) => 10 * Math.floor(i / 4))),
  idxFile([count], Array.from({ length: count }, (_, n) => n % 2)),
];

/** A CSV of `rows` 2×2 images with the label last and values 0–16, as scikit-learn's digits.csv. */
const digitsCsv = (rows: number): Uint8Array => text(Array.from({ length: rows }, (_, n) => `${n},${n},16,0,${n % 2}`).join('\n'));

describe('importUserDataset', () => {
  it('tells IDX images from labels by rank and the test pair by name, and keeps the files\' test set', async () => {
    const [images, labels] = idxPair(6);
    const [testImages, testLabels] = idxPair(2);
    const { dataset, info } = await run(
      request('idx', {
        'train-labels-idx1-ubyte': labels,
        't10k-images-idx3-ubyte': testImages,
        'train-images-idx3-ubyte.gz': await gzip(images),
        't10k-labels-idx1-ubyte': testLabels,
      }, { validation: 0.34, seed: 3 }),
    );
    expect(info).toEqual({
      id: 'user-test',
      name: 'My data',
      builtin: false,
      shape: { height: 2, width: 2, channels: 1 },
      classes: 2,
      classNames: ['0', '1'],
      splits: { train: 4, validation: 2, test: 2 },
      source:
        'IDX files train-images-idx3-ubyte.gz, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte; the test set from the files; validation 34 % of the training images, drawn with seed 3.',
      createdAt: '2026-03-04T05:06:07.000Z',
    });
    expect([...dataset.test.images]).toEqual([0, 0, 0, 0, 10, 10, 10, 10]);
    expect([...dataset.test.labels]).toEqual([0, 1]);
  });

  it('says which IDX file is missing its partner, or chosen twice', async () => {
    const [images, labels] = idxPair(2);
    await expect(run(request('idx', { 'train-images-idx3-ubyte': images }))).rejects.toThrow(
      'train-images-idx3-ubyte has no matching labels file; choose the training images and labels files together.',
    );
    await expect(run(request('idx', { 'a-images': images, 'b-images': images, labels }))).rejects.toThrow(
      'a-images and b-images are both train images files; choose one of each (a name with the word "t10k" or "test" in it, as in t10k-images-idx3-ubyte or mnist_test, marks the test set).',
    );
    await expect(run(request('idx', { 'notes.txt': text('hello') }))).rejects.toThrow(
      'notes.txt, byte 0: this is not an IDX file (IDX files start with two zero bytes); choose MNIST-style files such as train-images-idx3-ubyte.gz',
    );
  });

  it('reads a CSV with the given options, draws validation and test by share, and names the row at fault', async () => {
    const { dataset, info } = await run(request('csv', { 'digits.csv': digitsCsv(10) }, { csv: { labelColumn: 'last', maxValue: 16 } }, '  '));
    expect(info.name).toBe('digits');
    expect(info.splits).toEqual({ train: 6, validation: 2, test: 2 });
    expect(info.source).toBe('CSV file digits.csv; validation 20 % and test 20 % drawn with seed 1.');
    expect(dataset.train.count + dataset.validation.count + dataset.test.count).toBe(10);
    // The third pixel, 16 of 16, is 255 wherever its image lands.
    for (const split of [dataset.train, dataset.validation, dataset.test]) {
      for (let n = 0; n < split.count; n++) expect(split.images[4 * n + 2]).toBe(255);
    }
    const bad = text('1,2,3,4,0\n1,2,x,4,1');
    await expect(run(request('csv', { 'bad.csv': bad }, { csv: { labelColumn: 'last' } }))).rejects.toThrow(
      'bad.csv, row 2, column 3: the pixel value "x" is not a number from 0 to 255; set the maximum pixel value to match the file',
    );
  });

  it('opens .zip archives, skipping macOS\'s extra files, and names the files inside by the archive', async () => {
    const zip = await writeZip([
      { path: 'digits/digits.csv', bytes: digitsCsv(10) },
      { path: '__MACOSX/digits/._digits.csv', bytes: text('resource fork') },
      { path: 'digits/.DS_Store', bytes: text('finder') },
    ]);
    const { info } = await run(request('csv', { 'digits.zip': zip.bytes }, { csv: { labelColumn: 'last', maxValue: 16 } }));
    expect(info.source).toBe('CSV file digits.zip/digits/digits.csv; validation 20 % and test 20 % drawn with seed 1.');
    const broken = await writeZip([{ path: 'digits.csv', bytes: text('1,2,3,4,0\n1,2,x,4,1') }]);
    await expect(run(request('csv', { 'broken.zip': broken.bytes }))).rejects.toThrow('broken.zip/digits.csv, row 2, column 3: the pixel value "x"');
    await expect(run(request('csv', { 'empty.zip': (await writeZip([])).bytes }))).rejects.toThrow('empty.zip: the ZIP archive is empty; choose an archive that holds the files');
  });

  it('reads CIFAR-10 batches with test_batch.bin as the test set, turned gray and resized when asked', async () => {
    const red = (): [number, number, number] => [255, 0, 0];
    const { dataset, info } = await run(
      request(
        'cifar10',
        {
          'test_batch.bin': cifarRecords([{ label: 9, rgb: red }]),
          'data_batch_1.bin': cifarRecords([{ label: 3, rgb: red }, { label: 3, rgb: red }]),
          'data_batch_2.bin': await gzip(cifarRecords([{ label: 5, rgb: red }, { label: 5, rgb: red }])),
        },
        { validation: 0.5, image: { height: 16, width: 16, channels: 1 } },
      ),
    );
    expect(info.classNames).toEqual(CIFAR10_CLASS_NAMES);
    expect(info.shape).toEqual({ height: 16, width: 16, channels: 1 });
    expect(info.splits).toEqual({ train: 2, validation: 2, test: 1 });
    expect(info.source).toBe(
      'CIFAR-10 binary batches data_batch_1.bin, data_batch_2.bin, test_batch.bin; resized to 16×16×1; the test set from the files; validation 50 % of the training images, drawn with seed 1.',
    );
    // Red in BT.601 luma: (299 · 255 + 500) / 1000 → 76.
    expect(new Set(dataset.train.images)).toEqual(new Set([76]));
    expect([...dataset.test.labels]).toEqual([9]);
    await expect(run(request('cifar10', { 'data_batch_1.bin': cifarRecords([{ label: 3, rgb: red }]) }, { image: { height: 32, width: 32, channels: 2 } }))).rejects.toThrow(
      'The images have 3 channels; they can be kept at 3 or turned gray (1 channel), not 2.',
    );
  });

  it('recognises the CIFAR-10 download itself (a tar archive) and says to extract it', async () => {
    const tar = new Uint8Array(3073 * 2);
    tar.set(text('ustar'), 257);
    await expect(run(request('cifar10', { 'cifar-10-binary.tar.gz': await gzip(tar) }))).rejects.toThrow(
      'cifar-10-binary.tar.gz: is a tar archive (the CIFAR-10 download itself); extract it and choose the data_batch_N.bin and test_batch.bin files inside',
    );
  });

  it('checks the request: files, image size for images, seed, name length', async () => {
    await expect(run(request('csv', {}))).rejects.toThrow('Choose at least one file.');
    await expect(run(request('images', { 'a.zip': new Uint8Array(1) }))).rejects.toThrow('Give the image size (height, width and channels) to store the images at.');
    await expect(run(request('csv', { 'a.csv': digitsCsv(4) }, { seed: 1.5 }))).rejects.toThrow('The seed must be a whole number, got 1.5.');
    await expect(run(request('csv', { 'a.csv': digitsCsv(4) }, {}, 'x'.repeat(101)))).rejects.toThrow('The name is 101 characters long; keep it to 100.');
    await expect(run(request('csv', { 'a.csv': digitsCsv(4) }, { validation: 0.6, test: 0.5 }))).rejects.toThrow(
      'a.csv: holds 4 images, and a validation share of 0.6 and a test share of 0.5 leave none to train on; lower the shares, or add images',
    );
  });

  // Issue 14: the page's budget travels in the request; a .gz that inflates past it is stopped while it inflates.
  it('decodes within the budget the request carries', async () => {
    const [images, labels] = idxPair(400_000);
    const request_ = request('idx', { 'train-images-idx3-ubyte.gz': await gzip(images), 'train-labels-idx1-ubyte': labels }, { budget: 2 ** 20 });
    await expect(run(request_)).rejects.toThrow(
      'train-images-idx3-ubyte.gz: inflates to more than the 1 MB (1,048,576 bytes) this import may decode on this device, so it was stopped there; import fewer or smaller files, or a smaller image size',
    );
  });

  it('refuses an unknown format and a file that did not arrive as bytes', async () => {
    await expect(run({ ...request('csv', { 'a.csv': digitsCsv(4) }), format: 'tar' as DatasetImportRequest['format'] })).rejects.toThrow(
      'Unknown file format "tar"; choose one of idx, cifar10, csv, images.',
    );
    const unread = { ...request('csv', {}), files: [{ name: 'a.csv', bytes: null as unknown as ArrayBuffer }] };
    await expect(run(unread)).rejects.toThrow('The file a.csv was not read; choose it again.');
  });
});
