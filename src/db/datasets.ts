/**
 * Imported datasets in the database, so that a study on one resumes after a reload. A dataset is two
 * records written in one transaction: its description (the `datasets` store, what a list shows) and
 * its images as SPDS bytes (the `datasetBytes` store), so listing never reads images and a failed
 * save leaves neither. src/db may not import src/data, so the caller encodes and decodes the bytes.
 */
import { type DatasetInfo, isImportedDatasetId } from '../contracts/datasets.ts';
import { formatMiB } from '../core/units.ts';
import { StorageError, inTransaction, reading, writeAll } from './errors.ts';
import type { StudyDatabase } from './schema.ts';

/** The pattern a study config's dataset id is checked against (study-config-json.ts), so a study can name it. */
const DATASET_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export interface StoredDataset {
  readonly info: DatasetInfo;
  /** The dataset encoded by src/data/binary-format.ts encodeDataset. */
  readonly spds: Uint8Array;
}

/**
 * Stores an imported dataset; never overwrites one (an id already stored is a conflict). A full
 * quota gets a message that says what to delete, and nothing is kept.
 */
export async function saveDataset(db: StudyDatabase, spds: Uint8Array, info: DatasetInfo): Promise<DatasetInfo> {
  const action = `save the dataset "${info.name}"`;
  if (!isImportedDatasetId(info.id) || !DATASET_ID.test(info.id) || info.builtin) {
    throw new StorageError('invalid', `could not ${action}: "${info.id}" is not an imported dataset's id (user-…)`);
  }
  if (spds.length === 0) throw new StorageError('invalid', `could not ${action}: it has no data`);
  const tx = db.transaction(['datasets', 'datasetBytes'], 'readwrite');
  try {
    await inTransaction(tx, action, () => writeAll([() => tx.objectStore('datasets').add(info), () => tx.objectStore('datasetBytes').add({ id: info.id, spds })]));
  } catch (error) {
    if (error instanceof StorageError && error.problem === 'quota') {
      throw new StorageError(
        'quota',
        `the browser's storage for this page is full: could not ${action} (${formatMiB(spds.length)}); delete imported datasets or studies you no longer need, or import fewer or smaller images`,
        { cause: error },
      );
    }
    throw error;
  }
  return info;
}

/** Every imported dataset's description, the most recently imported first. */
export function listDatasets(db: StudyDatabase): Promise<DatasetInfo[]> {
  return reading('list the imported datasets', async () => {
    const infos = await db.getAll('datasets');
    return infos.sort((a, b) => Date.parse(b.createdAt ?? '') - Date.parse(a.createdAt ?? '') || a.id.localeCompare(b.id));
  });
}

/** An imported dataset's description and bytes, read in one transaction; undefined when it is not stored. */
export function getDataset(db: StudyDatabase, id: string): Promise<StoredDataset | undefined> {
  return reading(`read the dataset "${id}"`, async () => {
    const tx = db.transaction(['datasets', 'datasetBytes']);
    const [info, bytes] = await Promise.all([tx.objectStore('datasets').get(id), tx.objectStore('datasetBytes').get(id)]);
    await tx.done;
    if (info === undefined) return undefined;
    if (bytes === undefined) throw new StorageError('missing', `the images of the dataset "${info.name}" are missing from the browser's storage; delete the dataset and import it again`);
    return { info, spds: bytes.spds };
  });
}

/** Deletes an imported dataset's description and images in one transaction; false when there was none. */
export async function deleteDataset(db: StudyDatabase, id: string): Promise<boolean> {
  const tx = db.transaction(['datasets', 'datasetBytes'], 'readwrite');
  return inTransaction(tx, `delete the dataset "${id}"`, async () => {
    const existed = (await tx.objectStore('datasets').getKey(id)) !== undefined;
    await writeAll([() => tx.objectStore('datasets').delete(id), () => tx.objectStore('datasetBytes').delete(id)]);
    return existed;
  });
}
