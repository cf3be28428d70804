/** Imported datasets in the database (fake-indexeddb): save, list, read, delete, and a full quota keeps nothing. */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { type DatasetInfo, newDatasetId } from '../../src/contracts/datasets.ts';
import { decodeDataset, encodeDataset } from '../../src/data/binary-format.ts';
import { BUILTIN_DATASET_IDS } from '../../src/data/manifest.ts';
import { deleteDataset, getDataset, listDatasets, saveDataset } from '../../src/db/datasets.ts';
import { StorageError } from '../../src/db/errors.ts';
import { tinyDataset } from '../data/fixtures.ts';
import { freshDatabase, quotaAtOnce, replaceWrite } from './helpers.ts';

const infoFor = (id: string, createdAt: string, name = 'Tiny'): DatasetInfo => ({
  id,
  name,
  builtin: false,
  shape: { height: 2, width: 3, channels: 1 },
  classes: 2,
  classNames: ['cat', 'dog'],
  splits: { train: 3, validation: 1, test: 2 },
  source: 'Imported from tiny.csv',
  createdAt,
});

describe('imported datasets in the database', () => {
  it('gives ids that no built-in dataset has and that a study config accepts', () => {
    const ids = new Set(Array.from({ length: 50 }, newDatasetId));
    expect(ids.size).toBe(50);
    for (const id of ids) expect(id).toMatch(/^user-[0-9a-f]{20}$/);
    expect(BUILTIN_DATASET_IDS.some((id) => id.startsWith('user-'))).toBe(false);
  });

  it('saves, lists (newest first, without images), reads back and deletes', async () => {
    const db = await freshDatabase();
    const older = infoFor('user-older', '2026-01-01T00:00:00.000Z', 'Older');
    const newer = infoFor('user-newer', '2026-02-01T00:00:00.000Z', 'Newer');
    const spds = encodeDataset({ ...tinyDataset(), id: newer.id });
    await saveDataset(db, encodeDataset({ ...tinyDataset(), id: older.id }), older);
    expect(await saveDataset(db, spds, newer)).toEqual(newer);
    expect(await listDatasets(db)).toEqual([newer, older]);

    const stored = await getDataset(db, newer.id);
    expect(stored?.info).toEqual(newer);
    expect(decodeDataset({ file: 'stored', bytes: stored!.spds })).toEqual({ ...tinyDataset(), id: newer.id });
    expect(await getDataset(db, 'user-none')).toBeUndefined();

    expect(await deleteDataset(db, newer.id)).toBe(true);
    expect(await deleteDataset(db, newer.id)).toBe(false);
    expect(await listDatasets(db)).toEqual([older]);
    expect(await db.getAllKeys('datasetBytes')).toEqual([older.id]);
    db.close();
  });

  it('never overwrites a stored dataset, and refuses ids that are not an import\'s', async () => {
    const db = await freshDatabase();
    const info = infoFor('user-one', '2026-01-01T00:00:00.000Z');
    await saveDataset(db, encodeDataset(tinyDataset()), info);
    const clash = await saveDataset(db, new Uint8Array([1]), { ...info, name: 'Other' }).catch((e: unknown) => e);
    expect(clash).toBeInstanceOf(StorageError);
    expect((clash as StorageError).problem).toBe('conflict');
    expect((await getDataset(db, info.id))?.info.name).toBe('Tiny');
    await expect(saveDataset(db, new Uint8Array([1]), infoFor('mnist', '2026-01-01T00:00:00.000Z'))).rejects.toThrow(
      'could not save the dataset "Tiny": "mnist" is not an imported dataset\'s id (user-…)',
    );
    await expect(saveDataset(db, new Uint8Array(), infoFor('user-empty', '2026-01-01T00:00:00.000Z'))).rejects.toThrow('could not save the dataset "Tiny": it has no data');
    db.close();
  });

  it('keeps nothing when the storage is full, and says what to delete', async () => {
    const db = await freshDatabase();
    const info = infoFor('user-full', '2026-01-01T00:00:00.000Z');
    const restore = replaceWrite('add', 'datasetBytes', quotaAtOnce);
    try {
      await expect(saveDataset(db, new Uint8Array(3 * 2 ** 20), info)).rejects.toThrow(
        'the browser\'s storage for this page is full: could not save the dataset "Tiny" (3.0 MB); delete imported datasets or studies you no longer need, or import fewer or smaller images',
      );
    } finally {
      restore();
    }
    expect(await db.getAll('datasets')).toEqual([]);
    expect(await db.getAll('datasetBytes')).toEqual([]);
    db.close();
  });
});
