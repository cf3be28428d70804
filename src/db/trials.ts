/**
 * Trials in the database. A trial is written in one transaction together with its study's updatedAt
 * and, for a trial on the Pareto front, its weights: after a crash either all of it is there or none.
 */
import { type StudyTrial, trialReplacementProblem } from '../contracts/study.ts';
import { checkStudyTrial } from '../contracts/study-records.ts';
import type { StoredOpWeights, TrialWeights } from '../contracts/weights.ts';
import { StorageError, inTransaction, reading, writeAll } from './errors.ts';
import { missingStudy } from './studies.ts';
import { checkWeights } from './weights.ts';
import type { StudyDatabase } from './schema.ts';

export interface SaveTrialOptions {
  /** The trained weights, for a trial worth keeping (on the Pareto front). */
  readonly weights?: readonly StoredOpWeights[];
  readonly now?: Date;
}

/**
 * Writes a trial (any status: queued, running, or finished), stamps its study's updatedAt and stores
 * its weights if given, in one transaction. The trial is checked as an export would check it; a
 * trial id of another study, an index of proposal taken by another trial, or a trial that ended
 * written back as queued or running (trialReplacementProblem) is refused, and the stored one kept.
 */
export async function saveTrial(db: StudyDatabase, trial: StudyTrial, options: SaveTrialOptions = {}): Promise<StudyTrial> {
  const action = `save trial ${trial.index} ("${trial.id}") of the study "${trial.studyId}"`;
  const weights: TrialWeights | undefined = options.weights && { trialId: trial.id, studyId: trial.studyId, ops: options.weights };
  if (weights !== undefined) checkWeights(weights);
  const now = (options.now ?? new Date()).toISOString();
  const tx = db.transaction(['studies', 'trials', 'weights'], 'readwrite');
  return inTransaction(tx, action, async () => {
    const study = await tx.objectStore('studies').get(trial.studyId);
    if (study === undefined) throw missingStudy(trial.studyId);
    const stored = await tx.objectStore('trials').get(trial.id);
    if (stored !== undefined && stored.studyId !== trial.studyId) {
      throw new StorageError('conflict', `could not ${action}: the id belongs to a trial of the study "${stored.studyId}"`);
    }
    // Read and refused in this transaction: no other write can slip between the check and the put.
    const backwards = trialReplacementProblem(stored, trial);
    if (backwards !== undefined) throw new StorageError('conflict', `could not ${action}: ${backwards}`);
    const checked = checkStudyTrial(trial, study.config);
    await writeAll([
      () => tx.objectStore('trials').put(checked),
      () => tx.objectStore('studies').put({ ...study, updatedAt: now }),
      ...(weights !== undefined ? [() => tx.objectStore('weights').put(weights)] : []),
    ]);
    return checked;
  });
}

/** A study's trials in order of proposal. */
export function listTrials(db: StudyDatabase, studyId: string): Promise<StudyTrial[]> {
  return reading(`list the trials of the study "${studyId}"`, async () => {
    const trials = await db.getAllFromIndex('trials', 'byStudy', studyId);
    return trials.sort((a, b) => a.index - b.index);
  });
}

export function getTrial(db: StudyDatabase, trialId: string): Promise<StudyTrial | undefined> {
  return reading(`read the trial "${trialId}"`, () => db.get('trials', trialId));
}
