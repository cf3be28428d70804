/**
 * importFiles on its own, as src/data gives it (no worker, no page request around it); the formats
 * one by one are tested through the worker's glue in tests/workers/dataset-import.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { ImageDecoder } from '../../src/data/image-folder.ts';
import { importFiles } from '../../src/data/import-files.ts';
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
