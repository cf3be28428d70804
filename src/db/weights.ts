/**
 * The weights of trials worth keeping. A trial joins the Pareto front when it completes (saveTrial
 * stores its weights then) and may leave it later, when a better trial dominates it: deleteWeights.
 */
import { type StoredOpWeights, type TrialWeights, whyInconsistentWeights } from '../contracts/weights.ts';
import { StorageError, inTransaction, reading, writeAll } from './errors.ts';
import type { StudyDatabase } from './schema.ts';

/** Throws before any transaction starts when the weights could not be those of a network. */
export function checkWeights(weights: TrialWeights): void {
  const why = whyInconsistentWeights(weights);
  if (why !== undefined) throw new StorageError('invalid', `could not save the weights of trial "${weights.trialId}": ${why}`);
}

/** Stores (or replaces) a stored trial's weights. */
export async function putWeights(db: StudyDatabase, trialId: string, ops: readonly StoredOpWeights[]): Promise<void> {
  const action = `save the weights of trial "${trialId}"`;
  const tx = db.transaction(['trials', 'weights'], 'readwrite');
  await inTransaction(tx, action, async () => {
    const trial = await tx.objectStore('trials').get(trialId);
    if (trial === undefined) throw new StorageError('missing', `could not ${action}: no such trial is stored; it may have been deleted in another tab`);
    const weights: TrialWeights = { trialId, studyId: trial.studyId, ops };
    checkWeights(weights);
    await tx.objectStore('weights').put(weights);
  });
}

export function getWeights(db: StudyDatabase, trialId: string): Promise<TrialWeights | undefined> {
  return reading(`read the weights of trial "${trialId}"`, () => db.get('weights', trialId));
}

/** Deletes the weights of trials that left the Pareto front, in one transaction; ids without weights are skipped. */
export async function deleteWeights(db: StudyDatabase, trialIds: readonly string[]): Promise<void> {
  const tx = db.transaction('weights', 'readwrite');
  const what = trialIds.length === 1 ? `trial "${trialIds[0]}"` : `${trialIds.length} trials`;
  await inTransaction(tx, `delete the weights of ${what}`, () => writeAll(trialIds.map((id) => () => tx.store.delete(id))));
}
