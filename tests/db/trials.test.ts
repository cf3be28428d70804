import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import type { StudyTrial } from '../../src/contracts/study.ts';
import { StorageError } from '../../src/db/errors.ts';
import type { StudyDatabase } from '../../src/db/schema.ts';
import { createStudy, getStudy } from '../../src/db/studies.ts';
import { getTrial, listTrials, saveTrial } from '../../src/db/trials.ts';
import { deleteWeights, getWeights, putWeights } from '../../src/db/weights.ts';
import { config, trials } from '../contracts/study-fixture.ts';
import { domException, freshDatabase, quotaAtOnce, replaceWrite, snapshot } from './helpers.ts';
import { opWeights } from './weights-fixture.ts';

const studyId = 'study-t';
const trial = (i: number): StudyTrial => ({ ...trials[i]!, id: `${studyId}.${i}`, studyId });
const created = '2026-11-05T09:00:00.000Z';

async function studyDatabase(): Promise<StudyDatabase> {
  const db = await freshDatabase();
  await createStudy(db, config, { id: studyId, now: new Date(created) });
  return db;
}

let restore: (() => void) | undefined;
afterEach(() => {
  restore?.();
  restore = undefined;
});

const quotaMessage = `the browser's storage for this page is full: could not save trial 0 ("${studyId}.0") of the study "${studyId}"; free space on this computer or delete old studies (export them first to keep them)`;

describe('trials in the database', () => {
  it('writes a completed trial, its study’s updatedAt and its weights together, and lists trials in order', async () => {
    const db = await studyDatabase();
    for (const i of [3, 0, 5, 1]) await saveTrial(db, trial(i), { now: new Date(`2026-11-05T10:0${i}:00.000Z`) });
    await saveTrial(db, trial(2), { weights: undefined, now: new Date('2026-11-05T11:00:00.000Z') });
    const weights = opWeights();
    await saveTrial(db, trial(0), { weights, now: new Date('2026-11-05T12:00:00.000Z') });

    expect((await listTrials(db, studyId)).map((t) => t.index)).toEqual([0, 1, 2, 3, 5]);
    expect(await getTrial(db, `${studyId}.3`)).toEqual(trial(3));
    expect((await getStudy(db, studyId))!.updatedAt).toBe('2026-11-05T12:00:00.000Z');
    const stored = await getWeights(db, `${studyId}.0`);
    expect(stored).toEqual({ trialId: `${studyId}.0`, studyId, ops: weights });
    expect(stored!.ops[0]!.kernel).toBeInstanceOf(Float32Array);
    db.close();
  });

  it('puts and deletes the weights of a trial that joins or leaves the Pareto front', async () => {
    const db = await studyDatabase();
    await saveTrial(db, trial(3));
    await putWeights(db, `${studyId}.3`, opWeights());
    expect((await getWeights(db, `${studyId}.3`))!.studyId).toBe(studyId);
    await deleteWeights(db, [`${studyId}.3`, `${studyId}.0`]);
    expect(await getWeights(db, `${studyId}.3`)).toBeUndefined();
    await expect(putWeights(db, `${studyId}.9`, opWeights())).rejects.toThrow(
      `could not save the weights of trial "${studyId}.9": no such trial is stored; it may have been deleted in another tab`,
    );
    const [first, ...rest] = opWeights();
    const broken = [{ ...first!, bias: new Float32Array(3) }, ...rest];
    await expect(saveTrial(db, trial(0), { weights: broken })).rejects.toThrow(
      `could not save the weights of trial "${studyId}.0": ops[0] (conv_0): the bias has 3 values, the kernel's outputs are 4`,
    );
    expect(await getTrial(db, `${studyId}.0`)).toBeUndefined();
    db.close();
  });

  it('refuses a trial that would not export, for a missing study, or on an index taken by another trial, keeping nothing of it', async () => {
    const db = await studyDatabase();
    await saveTrial(db, trial(0));
    const before = await snapshot(db);
    const bad: StudyTrial = { ...trial(5), status: 'completed' };
    await expect(saveTrial(db, bad)).rejects.toThrow(`could not save trial 5 ("${studyId}.5") of the study "${studyId}": trial.metrics: is missing; a "completed" trial must have metrics`);
    await expect(saveTrial(db, { ...trial(1), studyId: 'study-gone', id: 'study-gone.1' })).rejects.toThrow('no study with id "study-gone" is stored');
    const clash = await saveTrial(db, { ...trial(1), index: 0 }).catch((e: unknown) => e);
    expect(clash).toBeInstanceOf(StorageError);
    expect((clash as StorageError).problem).toBe('conflict');
    expect((clash as StorageError).message).toMatch(/^could not save trial 0 \("study-t\.1"\) of the study "study-t": it clashes with a record already stored/);
    expect(await snapshot(db)).toEqual(before);
    db.close();
  });

  it('never writes a trial that ended back as running or queued: refused in words, the stored record kept (issue 14)', async () => {
    const db = await studyDatabase();
    // Completed, failed, skipped and stopped (the fixture's trials 0, 1, 2 and 6).
    for (const i of [0, 1, 2, 6]) await saveTrial(db, trial(i));
    const before = await snapshot(db);
    const statuses = { 0: 'completed', 1: 'failed', 2: 'skipped', 6: 'stopped' } as const;
    for (const [i, status] of Object.entries(statuses)) {
      const { id, studyId: sid, index, architecture, hyperparameters } = trial(Number(i));
      for (const next of ['running', 'queued'] as const) {
        const error = await saveTrial(db, { id, studyId: sid, index, status: next, architecture, hyperparameters }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(StorageError);
        expect((error as StorageError).problem).toBe('conflict');
        expect((error as StorageError).message).toBe(
          `could not save trial ${i} ("${id}") of the study "${studyId}": trial ${i} ("${id}") is stored as ${status}; a trial that ended is never written back as ${next}`,
        );
      }
    }
    expect(await snapshot(db)).toEqual(before);
    expect(await getTrial(db, `${studyId}.0`)).toEqual(trial(0));
    // Forwards is fine: queued → running → completed, and a finished trial may be written again as finished.
    await saveTrial(db, trial(5));
    await saveTrial(db, { ...trial(5), status: 'running' });
    await saveTrial(db, { ...trial(0), id: `${studyId}.5`, index: 5 });
    await saveTrial(db, trial(0));
    expect((await listTrials(db, studyId)).map((t) => [t.index, t.status])).toEqual([
      [0, 'completed'],
      [1, 'failed'],
      [2, 'skipped'],
      [5, 'completed'],
      [6, 'stopped'],
    ]);
    db.close();
  });

  describe('a full storage', () => {
    it('thrown by put: a StorageError that says so, and nothing of the trial stored', async () => {
      const db = await studyDatabase();
      const before = await snapshot(db);
      restore = replaceWrite('put', 'weights', quotaAtOnce);
      const error = await saveTrial(db, trial(0), { weights: opWeights() }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StorageError);
      expect((error as StorageError).problem).toBe('quota');
      expect((error as StorageError).message).toBe(quotaMessage);
      expect(await snapshot(db)).toEqual(before);
      db.close();
    });

    it('failing the request and aborting the transaction with QuotaExceededError: the same', async () => {
      const db = await studyDatabase();
      const before = await snapshot(db);
      restore = replaceWrite('put', 'weights', (_original, store) => {
        // fake-indexeddb's request runner: the operation throws, the request fails, the transaction aborts with its error.
        const transaction = store.transaction as unknown as { _execRequestAsync(r: { operation: () => never; source: unknown }): { addEventListener(type: 'success', l: () => void): void } };
        return transaction._execRequestAsync({
          operation: () => {
            throw domException('', 'QuotaExceededError');
          },
          source: store,
        });
      });
      await expect(saveTrial(db, trial(0), { weights: opWeights() })).rejects.toThrow(quotaMessage);
      expect(await snapshot(db)).toEqual(before);
      db.close();
    });

    it('arriving only as the transaction’s error after the writes succeeded: the same', async () => {
      const db = await studyDatabase();
      const before = await snapshot(db);
      restore = replaceWrite('put', 'weights', (original, store, value) => {
        const request = original.call(store, value);
        // As a commit that fails: the write went through, then the transaction aborts with QuotaExceededError.
        request.addEventListener('success', () => (store.transaction as unknown as { _abort(name: string): void })._abort('QuotaExceededError'));
        return request;
      });
      await expect(saveTrial(db, trial(0), { weights: opWeights() })).rejects.toThrow(quotaMessage);
      expect(await snapshot(db)).toEqual(before);
      expect((await getStudy(db, studyId))!.updatedAt).toBe(created);
      db.close();
    });
  });
});
