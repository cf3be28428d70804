/**
 * The IndexedDB schema of the playground (DESIGN.md §6): studies, their trials, the weights of the
 * trials worth keeping (those on a Pareto front), and imported datasets. Each version's changes are one `if (oldVersion < N)`
 * step, so a database of any older version is brought up to date step by step, its data kept.
 */
import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb';
import type { DatasetInfo } from '../contracts/datasets.ts';
import type { Study, StudyTrial } from '../contracts/study.ts';
import type { TrialWeights } from '../contracts/weights.ts';
import { storageErrorFrom } from './errors.ts';

export interface StudyDatabaseSchema extends DBSchema {
  studies: { key: string; value: Study };
  trials: {
    key: string;
    value: StudyTrial;
    /** byStudyIndex is unique: a study has one trial per index of proposal. */
    indexes: { byStudy: string; byStudyIndex: [string, number] };
  };
  /** Keyed by trialId. */
  weights: { key: string; value: TrialWeights; indexes: { byStudy: string } };
  /** Imported datasets' descriptions, keyed by id: listing them never reads their images. */
  datasets: { key: string; value: DatasetInfo };
  /** Imported datasets' images, keyed by id, as SPDS bytes (src/data/binary-format.ts, CRC-checked on load). */
  datasetBytes: { key: string; value: StoredDatasetBytes };
}

export interface StoredDatasetBytes {
  readonly id: string;
  readonly spds: Uint8Array;
}

export type StudyDatabase = IDBPDatabase<StudyDatabaseSchema>;
export type StudyStoreName = StoreNames<StudyDatabaseSchema>;

/**
 * Version history:
 * 1. `studies` (key id) and `trials` (key id, index byStudy).
 * 2. `weights` (key trialId, index byStudy) and the trials' unique [studyId, index] order.
 * 3. `datasets` and `datasetBytes` (both key id): imported datasets.
 */
export const studyDatabaseVersion = 3;
export const defaultStudyDatabaseName = 'sparse-search-playground';

export function upgradeStudyDatabase(
  db: StudyDatabase,
  oldVersion: number,
  transaction: IDBPTransaction<StudyDatabaseSchema, StudyStoreName[], 'versionchange'>,
): void {
  if (oldVersion < 1) {
    db.createObjectStore('studies', { keyPath: 'id' });
    db.createObjectStore('trials', { keyPath: 'id' }).createIndex('byStudy', 'studyId');
  }
  if (oldVersion < 2) {
    transaction.objectStore('trials').createIndex('byStudyIndex', ['studyId', 'index'], { unique: true });
    db.createObjectStore('weights', { keyPath: 'trialId' }).createIndex('byStudy', 'studyId');
  }
  if (oldVersion < 3) {
    db.createObjectStore('datasets', { keyPath: 'id' });
    db.createObjectStore('datasetBytes', { keyPath: 'id' });
  }
}

export interface OpenOptions {
  /**
   * Called when this connection is closed under the page: `version` when another tab opens a newer
   * schema (this connection steps aside so that tab can upgrade), `terminated` when the browser
   * dropped it (storage cleared, disk error). Either way, the page should ask the user to reload.
   */
  readonly onClosed?: (why: 'version' | 'terminated') => void;
}

/**
 * Opens (creating or upgrading) the study database `name`; tests pass fresh names. It uses the
 * global `indexedDB`: the browser's, or fake-indexeddb's in Node (`import 'fake-indexeddb/auto'`).
 */
export async function openStudyDatabase(name: string = defaultStudyDatabaseName, options: OpenOptions = {}): Promise<StudyDatabase> {
  try {
    const db: StudyDatabase = await openDB<StudyDatabaseSchema>(name, studyDatabaseVersion, {
      upgrade: (database, oldVersion, _newVersion, transaction) => upgradeStudyDatabase(database, oldVersion, transaction),
      blocking: () => {
        db.close();
        options.onClosed?.('version');
      },
      terminated: () => options.onClosed?.('terminated'),
    });
    return db;
  } catch (error) {
    throw storageErrorFrom(error, `open the study database "${name}"`);
  }
}
