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
  /**
   * Records an upgrade took out of their store because they broke a rule of the new version (two
   * trials of one study with the same index): kept as they were, with the reason, never dropped.
   */
  setAside: { key: number; value: SetAsideRecord };
  /** What an upgrade repaired or set aside, in words, for the page to show until the user dismisses it. */
  repairs: { key: number; value: RepairNote };
}

export interface StoredDatasetBytes {
  readonly id: string;
  readonly spds: Uint8Array;
}

/** A record an upgrade set aside (StudyDatabaseSchema.setAside); `id` is given by the store. */
export interface SetAsideRecord {
  readonly id?: number;
  /** The store it was taken out of. */
  readonly from: 'trials';
  /** The record as it was stored. */
  readonly record: unknown;
  /** Why, in words. */
  readonly reason: string;
  /** The version the upgrade brought the database to. */
  readonly version: number;
  /** ISO 8601. */
  readonly at: string;
}

/** A note of what an upgrade did to the user's data (StudyDatabaseSchema.repairs); `id` is given by the store. */
export interface RepairNote {
  readonly id?: number;
  /** In words, e.g. `Trial "s.5" of the study "mnist search" had index 0, as trial "s.0" did; …`. */
  readonly text: string;
  /** The key of the record it set aside, if it set one aside. */
  readonly setAside?: number;
  readonly at: string;
}

export type StudyDatabase = IDBPDatabase<StudyDatabaseSchema>;
export type StudyStoreName = StoreNames<StudyDatabaseSchema>;
type UpgradeTransaction = IDBPTransaction<StudyDatabaseSchema, StudyStoreName[], 'versionchange'>;

/**
 * Version history:
 * 1. `studies` (key id) and `trials` (key id, index byStudy).
 * 2. `weights` (key trialId, index byStudy) and the trials' unique [studyId, index] order. Trials
 *    that share a study and an index (which version 1 let through) are set aside first, all but one.
 * 3. `datasets` and `datasetBytes` (both key id): imported datasets.
 * 4. `setAside` and `repairs` (both keys generated): what an upgrade took out, and its notes in words.
 *
 * An upgrade never aborts on the user's data: whatever breaks a new rule is set aside with a note
 * (repairs.ts lists them), so that no data is dropped and every study stays reachable.
 */
export const studyDatabaseVersion = 4;
export const defaultStudyDatabaseName = 'sparse-search-playground';

/** A record set aside by a step before the stores exist: written by step 4, in the same transaction. */
interface PendingSetAside {
  readonly record: unknown;
  readonly reason: string;
}

/** IndexedDB's order of keys (the DOM types are not in the Node build, whose global is fake-indexeddb's). */
const compareKeys = (a: unknown, b: unknown): number => (globalThis as unknown as { indexedDB: { cmp(a: unknown, b: unknown): number } }).indexedDB.cmp(a, b);

/** An IndexedDB key (cmp accepts it), as an index would see the value. */
function validKey(value: unknown): boolean {
  try {
    compareKeys(value, value);
    return true;
  } catch {
    return false;
  }
}

/** Which of the trials sharing a study and an index stays: one that ended, then one with its own id, then the first stored. */
function rank(trial: Partial<StudyTrial>): number {
  const order = ['completed', 'stopped', 'failed', 'skipped', 'running', 'queued'];
  const at = order.indexOf(String(trial.status));
  return at < 0 ? order.length : at;
}

/**
 * Version 2's unique [studyId, index], made safe: reads the trials in the upgrade's transaction, keeps
 * one trial of each study and index, deletes the others from `trials` and returns them (with the
 * reason) to be set aside. Then the index can be created on data that satisfies it.
 */
async function takeRepeatedIndexes(transaction: UpgradeTransaction): Promise<PendingSetAside[]> {
  const trials = (await transaction.objectStore('trials').getAll()) as Partial<StudyTrial>[];
  const names = new Map<unknown, string>();
  for (const study of (await transaction.objectStore('studies').getAll()) as Partial<Study>[]) {
    const name = study.config?.name;
    names.set(study.id, typeof name === 'string' ? `"${name}"` : `"${String(study.id)}"`);
  }
  const groups: Partial<StudyTrial>[][] = [];
  const indexed = trials.filter((t) => validKey([t.studyId, t.index]));
  indexed.sort((a, b) => compareKeys([a.studyId, a.index], [b.studyId, b.index]));
  for (const trial of indexed) {
    const last = groups.at(-1)?.[0];
    if (last !== undefined && compareKeys([last.studyId, last.index], [trial.studyId, trial.index]) === 0) groups.at(-1)!.push(trial);
    else groups.push([trial]);
  }
  const pending: PendingSetAside[] = [];
  for (const group of groups) {
    if (group.length < 2) continue;
    const own = (t: Partial<StudyTrial>): number => (t.id === `${String(t.studyId)}.${String(t.index)}` ? 0 : 1);
    // Stable: among equals, the first in key order (getAll's) stays.
    const [kept, ...others] = [...group].sort((a, b) => rank(a) - rank(b) || own(a) - own(b));
    for (const other of others) {
      const study = names.get(other.studyId) ?? `"${String(other.studyId)}" (no longer stored)`;
      pending.push({
        record: other,
        reason:
          `Trial "${String(other.id)}" (${String(other.status)}) of the study ${study} had index ${String(other.index)} of proposal, as trial "${String(kept!.id)}" ` +
          `(${String(kept!.status)}) did; a study has one trial per index, so it was taken out of the study and set aside, as it was, when the database was upgraded.`,
      });
      await transaction.objectStore('trials').delete(other.id as string);
    }
  }
  return pending;
}

/**
 * Brings the database from `oldVersion` to the latest, step by step, in the versionchange
 * `transaction`. It reads and writes inside it, so it resolves once every step is done; the caller
 * aborts the transaction if it rejects (and then nothing of the upgrade is kept).
 */
export async function upgradeStudyDatabase(db: StudyDatabase, oldVersion: number, transaction: UpgradeTransaction, now: Date = new Date()): Promise<void> {
  const pending: PendingSetAside[] = [];
  if (oldVersion < 1) {
    db.createObjectStore('studies', { keyPath: 'id' });
    db.createObjectStore('trials', { keyPath: 'id' }).createIndex('byStudy', 'studyId');
  }
  if (oldVersion < 2) {
    if (oldVersion >= 1) pending.push(...(await takeRepeatedIndexes(transaction)));
    transaction.objectStore('trials').createIndex('byStudyIndex', ['studyId', 'index'], { unique: true });
    db.createObjectStore('weights', { keyPath: 'trialId' }).createIndex('byStudy', 'studyId');
  }
  if (oldVersion < 3) {
    db.createObjectStore('datasets', { keyPath: 'id' });
    db.createObjectStore('datasetBytes', { keyPath: 'id' });
  }
  if (oldVersion < 4) {
    db.createObjectStore('setAside', { keyPath: 'id', autoIncrement: true });
    db.createObjectStore('repairs', { keyPath: 'id', autoIncrement: true });
  }
  const at = now.toISOString();
  for (const { record, reason } of pending) {
    const key = await transaction.objectStore('setAside').add({ from: 'trials', record, reason, version: studyDatabaseVersion, at });
    await transaction.objectStore('repairs').add({ text: reason, setAside: key, at });
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
  let upgradeError: unknown;
  try {
    const db: StudyDatabase = await openDB<StudyDatabaseSchema>(name, studyDatabaseVersion, {
      upgrade: (database, oldVersion, _newVersion, transaction) => {
        // An aborted upgrade fails the open, which says why; its transaction's own rejection is not another error.
        transaction.done.catch(() => undefined);
        upgradeStudyDatabase(database, oldVersion, transaction).catch((error: unknown) => {
          upgradeError = error;
          try {
            transaction.abort();
          } catch {
            // Already aborted: the open fails with that reason.
          }
        });
      },
      blocking: () => {
        db.close();
        options.onClosed?.('version');
      },
      terminated: () => options.onClosed?.('terminated'),
    });
    return db;
  } catch (error) {
    throw storageErrorFrom(upgradeError ?? error, `open the study database "${name}"`);
  }
}
