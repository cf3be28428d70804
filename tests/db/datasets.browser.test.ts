/** Imported datasets in Chromium's real IndexedDB: after a reload the dataset decodes to what was saved. */
import { deleteDB } from 'idb';
import { afterAll, describe, expect, it } from 'vitest';
import type { DatasetInfo } from '../../src/contracts/datasets.ts';
import { decodeDataset, encodeDataset } from '../../src/data/binary-format.ts';
import { deleteDataset, getDataset, listDatasets, saveDataset } from '../../src/db/datasets.ts';
import { openStudyDatabase } from '../../src/db/schema.ts';
import { imageSet } from '../data/fixtures.ts';

const name = `browser-datasets-${Date.now()}`;
afterAll(() => deleteDB(name));

describe('imported datasets in Chromium', () => {
  it('finds a saved dataset again after a reload, byte for byte, and deletes it', async () => {
    // 300 RGB images of 16×16: big enough to be more than a toy record (230 KB).
    const pixels = (n: number, i: number) => (7 * n + i) % 256;
    const dataset = {
      id: 'user-0123456789abcdef0123',
      name: 'Colours',
      classNames: ['a', 'b', 'c'],
      train: imageSet(16, 16, 3, Array.from({ length: 200 }, (_, n) => n % 3), pixels),
      validation: imageSet(16, 16, 3, Array.from({ length: 50 }, (_, n) => n % 3), pixels),
      test: imageSet(16, 16, 3, Array.from({ length: 50 }, (_, n) => n % 3), pixels),
    };
    const info: DatasetInfo = {
      id: dataset.id,
      name: dataset.name,
      builtin: false,
      shape: { height: 16, width: 16, channels: 3 },
      classes: 3,
      classNames: dataset.classNames,
      splits: { train: 200, validation: 50, test: 50 },
      source: 'made in the test',
      createdAt: '2026-05-06T07:08:09.000Z',
    };
    const db = await openStudyDatabase(name);
    await saveDataset(db, encodeDataset(dataset), info);
    db.close();

    const reopened = await openStudyDatabase(name);
    expect(await listDatasets(reopened)).toEqual([info]);
    const stored = await getDataset(reopened, info.id);
    expect(stored?.spds).toBeInstanceOf(Uint8Array);
    expect(decodeDataset({ file: 'stored', bytes: stored!.spds })).toEqual(dataset);
    expect(await deleteDataset(reopened, info.id)).toBe(true);
    expect(await listDatasets(reopened)).toEqual([]);
    reopened.close();
  });
});
