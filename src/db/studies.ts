/**
 * Studies in the database: create, list, read, update, delete with everything of it, and resume
 * after a reload.
 */
import { type DeletedStudy, type Study, type StudyConfig, type StudyStatus, type StudyTrial, statusReasonText } from '../contracts/study.ts';
import { newStudyId } from '../contracts/study-ids.ts';
import { checkStudyConfig, checkStudyId, checkStudyTrial } from '../contracts/study-records.ts';
import { StorageError, inTransaction, reading, storageErrorFrom, writeAll } from './errors.ts';
import type { StudyDatabase } from './schema.ts';
import { checkWeights } from './weights.ts';

const byIndex = (a: StudyTrial, b: StudyTrial): number => a.index - b.index;

export const missingStudy = (studyId: string): StorageError =>
  new StorageError('missing', `no study with id "${studyId}" is stored; it may have been deleted in another tab`);

export interface CreateStudyOptions {
  /** Defaults to a fresh random id. */
  readonly id?: string;
  readonly status?: StudyStatus;
  readonly now?: Date;
}

/** Stores a new study; its config is checked as an export would check it. Never overwrites one. */
export async function createStudy(db: StudyDatabase, config: StudyConfig, options: CreateStudyOptions = {}): Promise<Study> {
  const id = options.id ?? newStudyId();
  const action = `create the study "${config.name}"`;
  let checkedConfig: StudyConfig;
  try {
    checkStudyId(id);
    checkedConfig = checkStudyConfig(config);
  } catch (error) {
    throw storageErrorFrom(error, action);
  }
  const time = (options.now ?? new Date()).toISOString();
  const study: Study = { id, config: checkedConfig, status: options.status ?? 'running', createdAt: time, updatedAt: time };
  const tx = db.transaction('studies', 'readwrite');
  // add, not put: an id already taken is a ConstraintError rather than a lost study.
  await inTransaction(tx, action, () => tx.store.add(study));
  return study;
}

/** Every stored study, the most recently created first. */
export function listStudies(db: StudyDatabase): Promise<Study[]> {
  return reading('list the stored studies', async () => {
    const studies = await db.getAll('studies');
    return studies.sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || a.id.localeCompare(b.id));
  });
}

export function getStudy(db: StudyDatabase, studyId: string): Promise<Study | undefined> {
  return reading(`read the study "${studyId}"`, () => db.get('studies', studyId));
}

export interface StudyChanges {
  /** A new status drops the stored statusReason unless one comes with it. */
  readonly status?: StudyStatus;
  /** Why the study ended, in words (Study.statusReason); cut to what a study document holds. */
  readonly statusReason?: string;
  readonly config?: StudyConfig;
}

/**
 * Changes a study's status (with its reason) and/or config and stamps its updatedAt; throws a
 * StorageError when it is gone.
 */
export async function updateStudy(db: StudyDatabase, studyId: string, changes: StudyChanges, now: Date = new Date()): Promise<Study> {
  const action = `update the study "${studyId}"`;
  let config: StudyConfig | undefined;
  try {
    config = changes.config === undefined ? undefined : checkStudyConfig(changes.config);
  } catch (error) {
    throw storageErrorFrom(error, action);
  }
  const tx = db.transaction('studies', 'readwrite');
  return inTransaction(tx, action, async () => {
    const study = await tx.store.get(studyId);
    if (study === undefined) throw missingStudy(studyId);
    const { statusReason: _old, ...rest } = study;
    const reason = changes.statusReason ?? (changes.status === undefined ? study.statusReason : undefined);
    const updated: Study = {
      ...rest,
      ...(changes.status !== undefined ? { status: changes.status } : {}),
      ...(reason !== undefined ? { statusReason: statusReasonText(reason) } : {}),
      ...(config !== undefined ? { config } : {}),
      updatedAt: now.toISOString(),
    };
    await tx.store.put(updated);
    return updated;
  });
}

/** Deletes a study, its trials and their weights in one transaction; false when there was no such study. */
export async function deleteStudy(db: StudyDatabase, studyId: string): Promise<boolean> {
  const tx = db.transaction(['studies', 'trials', 'weights'], 'readwrite');
  return inTransaction(tx, `delete the study "${studyId}"`, async () => {
    const existed = (await tx.objectStore('studies').getKey(studyId)) !== undefined;
    const trialIds = await tx.objectStore('trials').index('byStudy').getAllKeys(studyId);
    const weightIds = await tx.objectStore('weights').index('byStudy').getAllKeys(studyId);
    await writeAll([
      () => tx.objectStore('studies').delete(studyId),
      ...trialIds.map((id) => () => tx.objectStore('trials').delete(id)),
      ...weightIds.map((id) => () => tx.objectStore('weights').delete(id)),
    ]);
    return existed;
  });
}

/**
 * Deletes a study like deleteStudy, and hands back everything it stored (the study, its trials, the
 * weights kept for its Pareto front), read in the same transaction, so that restoreStudy can put it
 * back exactly ("Undo"). Undefined when there was no such study.
 */
export async function takeStudy(db: StudyDatabase, studyId: string): Promise<DeletedStudy | undefined> {
  const tx = db.transaction(['studies', 'trials', 'weights'], 'readwrite');
  return inTransaction(tx, `delete the study "${studyId}"`, async () => {
    const study = await tx.objectStore('studies').get(studyId);
    if (study === undefined) return undefined;
    const trials = (await tx.objectStore('trials').index('byStudy').getAll(studyId)).sort(byIndex);
    const weights = await tx.objectStore('weights').index('byStudy').getAll(studyId);
    await writeAll([
      () => tx.objectStore('studies').delete(studyId),
      ...trials.map((trial) => () => tx.objectStore('trials').delete(trial.id)),
      ...weights.map((w) => () => tx.objectStore('weights').delete(w.trialId)),
    ]);
    return { study, trials, weights };
  });
}

/**
 * Puts a study that takeStudy deleted back, with the same ids, status and times, in one
 * transaction; records are checked as saveTrial checks them, and only added, so a study or trial id
 * taken since (an import of the same file) is refused in words and nothing is written.
 */
export async function restoreStudy(db: StudyDatabase, deleted: DeletedStudy): Promise<Study> {
  const { study } = deleted;
  const action = `restore the study "${study.config.name}"`;
  let trials: StudyTrial[];
  try {
    checkStudyId(study.id);
    const config = checkStudyConfig(study.config);
    trials = deleted.trials.map((trial) => {
      if (trial.studyId !== study.id) throw new StorageError('invalid', `could not ${action}: trial "${trial.id}" belongs to the study "${trial.studyId}"`);
      return checkStudyTrial(trial, config);
    });
    for (const weights of deleted.weights) {
      if (weights.studyId !== study.id || !trials.some((t) => t.id === weights.trialId)) {
        throw new StorageError('invalid', `could not ${action}: the weights of "${weights.trialId}" belong to none of its trials`);
      }
      checkWeights(weights);
    }
  } catch (error) {
    throw storageErrorFrom(error, action);
  }
  const tx = db.transaction(['studies', 'trials', 'weights'], 'readwrite');
  await inTransaction(tx, action, async () => {
    const taken = await Promise.all([tx.objectStore('studies').getKey(study.id), ...trials.map((t) => tx.objectStore('trials').getKey(t.id))]);
    if (taken.some((key) => key !== undefined)) {
      throw new StorageError('conflict', `could not ${action}: a study with its id was stored again since it was deleted (an import of the same file?)`);
    }
    await writeAll([
      () => tx.objectStore('studies').add(study),
      ...trials.map((trial) => () => tx.objectStore('trials').add(trial)),
      ...deleted.weights.map((w) => () => tx.objectStore('weights').add(w)),
    ]);
  });
  return study;
}

export interface ResumedStudy {
  readonly study: Study;
  /** All its trials in order of proposal, after the requeue. */
  readonly trials: StudyTrial[];
  /** Ids of the trials that were `running` and are `queued` again. */
  readonly requeued: string[];
}

/**
 * Prepares a study to go on after a reload or a crash. Each trial is written once, when it
 * completes, so a reload loses at most the trial that was running: it goes back to `queued` (with
 * the architecture it was sampled with, and without anything it had measured so far) and is trained
 * again from the start. Finished trials are kept as they are.
 */
export async function resumeStudy(db: StudyDatabase, studyId: string, now: Date = new Date()): Promise<ResumedStudy> {
  const tx = db.transaction(['studies', 'trials'], 'readwrite');
  return inTransaction(tx, `resume the study "${studyId}"`, async () => {
    const study = await tx.objectStore('studies').get(studyId);
    if (study === undefined) throw missingStudy(studyId);
    const stored = (await tx.objectStore('trials').index('byStudy').getAll(studyId)).sort(byIndex);
    const requeued: string[] = [];
    const trials = stored.map((trial): StudyTrial => {
      if (trial.status !== 'running') return trial;
      requeued.push(trial.id);
      const { id, index, hyperparameters } = trial;
      return { id, studyId, index, status: 'queued', architecture: trial.sampledArchitecture ?? trial.architecture, hyperparameters };
    });
    if (requeued.length === 0) return { study, trials, requeued };
    const updated: Study = { ...study, updatedAt: now.toISOString() };
    await writeAll([
      () => tx.objectStore('studies').put(updated),
      ...trials.filter((t) => requeued.includes(t.id)).map((t) => () => tx.objectStore('trials').put(t)),
    ]);
    return { study: updated, trials, requeued };
  });
}
