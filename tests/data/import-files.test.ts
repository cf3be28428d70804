/**
 * importFiles on its own, as src/data gives it (no worker, no page request around it); the formats
 * one by one are tested through the worker's glue in tests/workers/dataset-import.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { ImageDecoder } from '../../src/data/image-folder.ts';
import { importFiles, type FileImport } from '../../src/data/import-files.ts';
import { gzip, idxFile, text } from './fixtures.ts';
import { writeZip } from './zip-writer.ts';

const noImages: ImageDecoder = () => Promise.reject(new Error('no image files in this test'));

describe('importFiles', () => {
  it('reads an IDX pair of .gz files inside a .zip, names them by the archive and skips macOS\'s extra files', async () => {
    const zip = await writeZip([
      { path: 'mnist/train-images-idx3-ubyte.gz', bytes: await gzip(idxFile([4, 2, 2], Array.from({ length: 16 }, (_, i) => i))) },
      { path: 'mnist/train-labels-idx1-ubyte.gz', bytes: await gzip(idxFile([4], [0, 1, 0, 1])) },
      { path: '__MACOSX/mnist/._train-images-idx3-ubyte.gz', bytes: text('resource fork') },
    ]);
    const { dataset, source } = await importFiles(
      { format: 'idx', name: '', files: [{ file: 'mnist.zip', bytes: zip.bytes }], options: { validation: 0.25, test: 0.25, seed: 2 } },
      noImages,
      'user-1',
    );
    expect([dataset.id, dataset.name, dataset.train.count, dataset.validation.count, dataset.test.count]).toEqual(['user-1', 'mnist', 2, 1, 1]);
    expect(source).toBe('IDX files mnist.zip/mnist/train-images-idx3-ubyte.gz, mnist.zip/mnist/train-labels-idx1-ubyte.gz; validation 25 % and test 25 % drawn with seed 2.');
  });
});

/** A CSV of `labels.length` 2×2 gray images with the label first. */
const csv = (labels: readonly number[]): Uint8Array => text(labels.map((label, n) => `${label},${n},${n},${n},${n}`).join('\n'));
const csvImport = (files: Record<string, Uint8Array>, options: Partial<FileImport['options']> = {}): Promise<unknown> =>
  importFiles({ format: 'csv', name: '', files: Object.entries(files).map(([file, bytes]) => ({ file, bytes })), options: { validation: 0.2, test: 0.2, seed: 1, ...options } }, noImages, 'user-1');
const idxImport = (files: Record<string, Uint8Array>): Promise<unknown> =>
  importFiles({ format: 'idx', name: '', files: Object.entries(files).map(([file, bytes]) => ({ file, bytes })), options: { validation: 0.25, test: 0.25, seed: 1 } }, noImages, 'user-1');
const idxPair = (labels: readonly number[]) => ({
  'train-images-idx3-ubyte': idxFile([labels.length, 2, 2], new Uint8Array(labels.length * 4)),
  'train-labels-idx1-ubyte': idxFile([labels.length], Uint8Array.from(labels)),
});

// Issue 14, item 2: such data was accepted and the search failed later ("searchSpace.classes: must be … got 1").
describe('importFiles refuses data that cannot be trained on, naming the file', () => {
  it('one class only (CSV and IDX)', async () => {
    await expect(csvImport({ 'one.csv': csv([0, 0, 0, 0, 0]) })).rejects.toThrow(
      'one.csv: holds images of one class only (label 0); a classifier needs at least two classes with at least one image each, so add the images of another class',
    );
    await expect(idxImport(idxPair([3, 3, 3, 3]))).rejects.toThrow(
      'train-labels-idx1-ubyte: holds images of one class only (label 3); a classifier needs at least two classes with at least one image each, so add the images of another class',
    );
  });

  it('a single-row CSV, and a share that leaves a split empty', async () => {
    await expect(csvImport({ 'row.csv': csv([1]) })).rejects.toThrow(
      'row.csv: holds images of one class only (label 1); a classifier needs at least two classes with at least one image each, so add the images of another class',
    );
    await expect(csvImport({ 'rows.csv': csv([0, 1]) })).rejects.toThrow('rows.csv: holds 2 images, but at least 3 are needed (one each for training, validation and test); add images');
    await expect(csvImport({ 'digits.csv': csv([0, 1, 0, 1, 0, 1, 0, 1, 0, 1]) }, { validation: 0 })).rejects.toThrow(
      'digits.csv: holds 10 images, and a validation share of 0 of them is no image, so the validation set would be empty; set the validation share to at least 0.05, or add images',
    );
    await expect(csvImport({ 'digits.csv': csv([0, 1, 0, 1, 0, 1, 0, 1, 0, 1]) }, { test: 0.01 })).rejects.toThrow(
      'digits.csv: holds 10 images, and a test share of 0.01 of them is no image, so the test set would be empty; set the test share to at least 0.05, or add images',
    );
    // With the files' own test set, validation comes out of the training file alone.
    await expect(csvImport({ 'train.csv': csv([0, 1, 0, 1]), 'test.csv': csv([0, 1]) }, { validation: 0.1 })).rejects.toThrow(
      'train.csv: holds 4 images for training, and a validation share of 0.1 of them is no image, so the validation set would be empty; set the validation share to at least 0.13, or add images',
    );
  });

  it('labels with a gap (an IDX label of 255 among 0–9 made 256 classes), and test labels the training data lacks', async () => {
    await expect(idxImport(idxPair([0, 1, 2, 0, 1, 2, 255, 0]))).rejects.toThrow(
      'train-labels-idx1-ubyte: has labels up to 255, but no images of labels 3 to 254; labels must be the class numbers 0, 1, 2… without gaps (is label 255 a mistake, or are the labels numbered from 1?), so correct the labels',
    );
    await expect(csvImport({ 'from-one.csv': csv([1, 2, 1, 2, 1, 2]) })).rejects.toThrow(
      'from-one.csv: has labels up to 2, but no images of label 0; labels must be the class numbers 0, 1, 2… without gaps (is label 2 a mistake, or are the labels numbered from 1?), so correct the labels',
    );
    await expect(csvImport({ 'train.csv': csv([0, 1, 0, 1, 0, 1]), 'test.csv': csv([0, 7]) }, { validation: 0.2 })).rejects.toThrow(
      'test.csv: has label 7, but the training data has labels 0 to 1 only; the test set cannot have classes the training set lacks, so choose the matching files',
    );
  });
});

// Issue 14, item 3: /t10k|test/i took "latest" and "contest" for test files.
describe('importFiles tells test files by whole words in their names', () => {
  it('takes mnist_test.csv, testing.csv and test-2.csv as the test set', async () => {
    for (const name of ['mnist_test.csv', 'testing.csv', 'test-2.csv', 'TEST.csv']) {
      await expect(csvImport({ 'mnist_train.csv': csv([0, 1, 0, 1, 0, 1]), [name]: csv([0, 1]) }, { validation: 0.2 })).resolves.toMatchObject({
        dataset: { test: { count: 2 } },
      });
    }
  });

  it('does not take latest.csv, contest.csv or attestation.csv for test files', async () => {
    for (const name of ['latest.csv', 'contest.csv', 'attestation.csv', 'testdata.csv']) {
      await expect(csvImport({ [name]: csv([0, 1, 0, 1, 0, 1, 0, 1, 0, 1]) })).resolves.toMatchObject({ dataset: { train: { count: 6 }, test: { count: 2 } } });
    }
    await expect(csvImport({ 'latest.csv': csv([0, 1, 0, 1]), 'contest.csv': csv([0, 1]) })).rejects.toThrow(
      'Choose one CSV file, and optionally a second whose name has the word "test" in it (e.g. mnist_test.csv) for the test set; got contest.csv, latest.csv.',
    );
  });

  it('takes the t10k IDX pair as the test set', async () => {
    const pair = idxPair([0, 1, 0, 1, 0, 1]);
    await expect(
      idxImport({ ...pair, 't10k-images-idx3-ubyte': idxFile([2, 2, 2], new Uint8Array(8)), 't10k-labels-idx1-ubyte': idxFile([2], [1, 0]) }),
    ).resolves.toMatchObject({ dataset: { test: { count: 2 } } });
  });
});

// Issue 14, item 3: a zip of only __MACOSX entries said "…; got ."
describe('importFiles on a zip of macOS metadata only', () => {
  it('says the archive holds only __MACOSX/…, for every format', async () => {
    const zip = await writeZip([{ path: '__MACOSX/._digits.csv', bytes: text('resource fork') }, { path: '__MACOSX/data/._x.png', bytes: text('resource fork') }]);
    await expect(csvImport({ 'digits.zip': zip.bytes })).rejects.toThrow(
      'digits.zip: holds only macOS metadata (__MACOSX/…), no data files; zip the folder that holds the files again, or choose the files themselves',
    );
    await expect(
      importFiles({ format: 'images', name: '', files: [{ file: 'pets.zip', bytes: zip.bytes }], options: { image: { height: 8, width: 8, channels: 1 }, validation: 0.2, test: 0.2, seed: 1 } }, noImages, 'user-1'),
    ).rejects.toThrow('pets.zip: holds only macOS metadata (__MACOSX/…), no images; zip the folder that holds the files again, or choose the files themselves');
  });
});
