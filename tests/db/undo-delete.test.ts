/** Deleting a study so that "Undo" can put it back exactly: takeStudy and restoreStudy (issue 13). */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import type { StudyTrial } from '../../src/contracts/study.ts';
import { StorageError } from '../../src/db/errors.ts';
import { createStudy, getStudy, restoreStudy, takeStudy } from '../../src/db/studies.ts';
import { listTrials, saveTrial } from '../../src/db/trials.ts';
import { getWeights } from '../../src/db/weights.ts';
import { config, trials } from '../contracts/study-fixture.ts';
import { freshDatabase, snapshot } from './helpers.ts';
import { opWeights } from './weights-fixture.ts';

const forStudy = (studyId: string, trial: StudyTrial): StudyTrial => ({ ...trial, id: `${studyId}.${trial.index}`, studyId });

describe('takeStudy and restoreStudy', () => {
  it('delete a study with its trials and weights, and put every record back as it was, same ids', async () => {
    const db = await freshDatabase();
    const doomed = await createStudy(db, config, { id: 'study-d', status: 'completed' });
    await createStudy(db, config, { id: 'study-k' });
    for (const id of ['study-d', 'study-k']) {
      await saveTrial(db, forStudy(id, trials[0]!), { weights: opWeights() });
      await saveTrial(db, forStudy(id, trials[1]!));
    }
    const before = await snapshot(db);
    const stored = await getStudy(db, doomed.id);

    const deleted = (await takeStudy(db, doomed.id))!;
    expect(deleted.study).toEqual(stored);
    expect(deleted.trials.map((t) => t.id)).toEqual(['study-d.0', 'study-d.1']);
    expect(deleted.weights.map((w) => w.trialId)).toEqual(['study-d.0']);
    expect(await getStudy(db, doomed.id)).toBeUndefined();
    expect(await listTrials(db, doomed.id)).toEqual([]);
    expect(await getWeights(db, 'study-d.0')).toBeUndefined();
    expect((await snapshot(db)).trials).toHaveLength(2);
    expect(await takeStudy(db, doomed.id)).toBeUndefined();

    expect(await restoreStudy(db, deleted)).toEqual(stored);
    const after = await snapshot(db);
    const byKey = (a: unknown, b: unknown): number => JSON.stringify(a).localeCompare(JSON.stringify(b));
    expect([...after.studies].sort(byKey)).toEqual([...before.studies].sort(byKey));
    expect([...after.trials].sort(byKey)).toEqual([...before.trials].sort(byKey));
    expect(after.weights).toHaveLength(2);
    expect(await getWeights(db, 'study-d.0')).toEqual(deleted.weights[0]);
    db.close();
  });

  it('refuses, in words and writing nothing, to restore over a study stored again with the same id', async () => {
    const db = await freshDatabase();
    await createStudy(db, config, { id: 'study-d' });
    await saveTrial(db, forStudy('study-d', trials[0]!));
    const deleted = (await takeStudy(db, 'study-d'))!;
    await createStudy(db, { ...config, name: 'imported again' }, { id: 'study-d' });
    const before = await snapshot(db);
    const error = await restoreStudy(db, deleted).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as Error).message).toBe(
      `could not restore the study "${config.name}": a study with its id was stored again since it was deleted (an import of the same file?)`,
    );
    expect(await snapshot(db)).toEqual(before);
    db.close();
  });
});
