/**
 * Importing datasets through the real search worker in Chromium, with real IndexedDB: a CSV and a
 * .zip of PNG class folders, listed after the built-ins, still there after a "reload" (a new worker),
 * a study trained on one, deletion, and a broken image named without anything stored.
 */
import { describe, expect, it } from 'vitest';
import { searchClients } from '../fixtures/search-clients.ts';
import type { DatasetImportRequest } from '../../src/contracts/datasets.ts';
import type { StudyConfig } from '../../src/contracts/study.ts';
import { oneConvSpace } from '../fixtures/tiny-study.ts';
import { png } from '../data/image-files.ts';
import { writeZip } from '../data/zip-writer.ts';

const client = searchClients('dataset-import-test');

/** 40 gray 4×4 images: class 0 dark with a light top row, class 1 light with a dark top row. */
function stripesCsv(): ArrayBuffer {
  const rows = Array.from({ length: 40 }, (_, n) => {
    const label = n % 2;
    const pixels = Array.from({ length: 16 }, (_, i) => ((i < 4) !== (label === 0) ? 20 + n : 230 - n));
    return [label, ...pixels].join(',');
  });
  return new TextEncoder().encode(`label,${Array.from({ length: 16 }, (_, i) => `p${i}`).join(',')}\n${rows.join('\n')}\n`).buffer;
}

async function shapesZip(broken = false): Promise<ArrayBuffer> {
  const entries = [];
  for (let n = 0; n < 6; n++) {
    entries.push({ path: `shapes/dark/${n}.png`, bytes: await png(10 + n, 12, () => [n, n, n]) });
    entries.push({ path: `shapes/light/${n}.png`, bytes: await png(12, 10 + n, () => [250 - n, 250, 250]) });
  }
  entries.push({ path: 'shapes/readme.txt', bytes: new TextEncoder().encode('two classes') });
  entries.push({ path: '__MACOSX/shapes/dark/._0.png', bytes: new Uint8Array(10) });
  entries.push({ path: 'shapes/cover.png', bytes: await png(2, 2, () => [0, 0, 0]) });
  if (broken) entries.push({ path: 'shapes/light/broken.png', bytes: new TextEncoder().encode('not a png') });
  return (await writeZip(entries)).bytes.buffer as ArrayBuffer;
}

const shapesRequest = async (broken = false): Promise<DatasetImportRequest> => ({
  format: 'images',
  name: 'Shapes',
  files: [{ name: 'shapes.zip', bytes: await shapesZip(broken) }],
  options: { image: { height: 8, width: 8, channels: 1 }, validation: 0.25, test: 0.25, seed: 1 },
});

const config = (dataset: string): StudyConfig => ({
  name: 'on imported stripes',
  dataset,
  targets: ['stm32f446re'],
  accounting: 'paper',
  searchSpace: oneConvSpace({ input: { height: 4, width: 4, channels: 1 }, classes: 2, filters: [4] }),
  pruning: { methods: ['none'], sparsity: { min: 0.3, max: 0.6 } },
  strategy: 'random',
  budget: { trials: 1 },
  epochs: 1,
  batchSize: 8,
  learningRate: 3e-3,
  seed: 5,
});

describe('importing datasets through the search worker', { timeout: 180_000 }, () => {
  it('imports a CSV and a zip of PNG class folders, lists them after the built-ins, keeps them over a reload, and trains on one', async () => {
    const first = client();
    const csv = stripesCsv();
    const stripes = await first.importDataset({ format: 'csv', name: 'Stripes', files: [{ name: 'stripes.csv', bytes: csv }], options: { validation: 0.25, test: 0.25, seed: 7, csv: { header: true } } });
    expect(csv.byteLength).toBe(0); // transferred to the worker, not copied
    expect(stripes.id).toMatch(/^user-[0-9a-f]{20}$/);
    expect(stripes).toMatchObject({
      name: 'Stripes',
      builtin: false,
      shape: { height: 4, width: 4, channels: 1 },
      classes: 2,
      classNames: ['0', '1'],
      splits: { train: 20, validation: 10, test: 10 },
      source: 'CSV file stripes.csv; validation 25 % and test 25 % drawn with seed 7.',
    });

    const shapes = await first.importDataset(await shapesRequest());
    expect(shapes).toMatchObject({
      name: 'Shapes',
      shape: { height: 8, width: 8, channels: 1 },
      classNames: ['dark', 'light'],
      splits: { train: 6, validation: 3, test: 3 },
      source: '12 images in 2 class folders of shapes.zip (ignored: 1 image outside a class folder, 1 hidden file, 1 file that is not an image); validation 25 % and test 25 % drawn with seed 1.',
    });
    expect((await first.api.listDatasets()).map((d) => [d.id, d.builtin])).toEqual([
      ['digits', true],
      ['mnist', true],
      ['fashion-mnist', true],
      [shapes.id, false],
      [stripes.id, false],
    ]);
    first.terminate();

    const second = client();
    const listed = await second.api.listDatasets();
    expect(listed.find((d) => d.id === stripes.id)).toEqual(stripes);
    expect(listed[0]).toMatchObject({ id: 'digits', shape: { height: 8, width: 8, channels: 1 }, splits: { train: 1077, validation: 360, test: 360 } });
    // A new worker loads the imported dataset from IndexedDB to train on it.
    const study = await second.startStudy(config(stripes.id));
    expect(study.status).toBe('completed');
    const view = await second.api.getStudy(study.id);
    expect(view?.trials.map((t) => t.status)).toEqual(['completed']);

    await expect(second.api.deleteDataset(stripes.id)).rejects.toThrow(
      'the dataset is used by the study "on imported stripes", which could not be resumed without it; delete that study first (export it to keep the results)',
    );
    await expect(second.api.deleteDataset('mnist')).rejects.toThrow('"mnist" is a built-in dataset; only imported datasets can be deleted');
    expect(await second.api.deleteDataset(shapes.id)).toBe(true);
    expect((await second.api.listDatasets()).map((d) => d.id)).toEqual(['digits', 'mnist', 'fashion-mnist', stripes.id]);
  });

  it('names a broken image inside the zip and stores nothing', async () => {
    const search = client();
    const before = await search.api.listDatasets();
    await expect(search.importDataset(await shapesRequest(true))).rejects.toThrow(
      'shapes/light/broken.png: is not an image this browser can decode (PNG, JPEG, GIF, BMP or WebP), or it is damaged; remove it or save it again as PNG',
    );
    expect(await search.api.listDatasets()).toEqual(before);
  });
});
