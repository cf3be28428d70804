import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { StorageError } from '../../src/db/errors.ts';
import { createStudy, deleteStudy, getStudy, listStudies, resumeStudy, updateStudy } from '../../src/db/studies.ts';
import { listTrials, saveTrial } from '../../src/db/trials.ts';
import { getWeights } from '../../src/db/weights.ts';
import { config, trials } from '../contracts/study-fixture.ts';
import type { StudyTrial } from '../../src/contracts/study.ts';
import { freshDatabase, quotaAtOnce, replaceWrite, snapshot } from './helpers.ts';
import { opWeights } from './weights-fixture.ts';

const at = (iso: string): Date => new Date(iso);
const forStudy = (studyId: string, trial: StudyTrial): StudyTrial => ({ ...trial, id: `${studyId}.${trial.index}`, studyId });

describe('studies in the database', () => {
  it('creates, lists (newest first), reads and updates studies', async () => {
    const db = await freshDatabase();
    const first = await createStudy(db, config, { id: 'study-a', now: at('2026-11-05T09:00:00.000Z') });
    const second = await createStudy(db, { ...config, name: 'Second' }, { now: at('2026-11-05T10:00:00.000Z') });
    expect(first).toEqual({ id: 'study-a', config, status: 'running', createdAt: '2026-11-05T09:00:00.000Z', updatedAt: '2026-11-05T09:00:00.000Z' });
    expect(second.id).toMatch(/^study-[0-9a-f]{20}$/);
    expect((await listStudies(db)).map((s) => s.id)).toEqual([second.id, 'study-a']);
    expect(await getStudy(db, 'study-a')).toEqual(first);
    expect(await getStudy(db, 'nope')).toBeUndefined();

    const paused = await updateStudy(db, 'study-a', { status: 'paused' }, at('2026-11-05T11:00:00.000Z'));
    expect(paused).toEqual({ ...first, status: 'paused', updatedAt: '2026-11-05T11:00:00.000Z' });
    expect(await getStudy(db, 'study-a')).toEqual(paused);
    db.close();
  });

  it('stores a status with its reason, drops the reason with a new status, and cuts one too long for an export (issue 14)', async () => {
    const db = await freshDatabase();
    await createStudy(db, config, { id: 'study-r', now: at('2026-11-05T09:00:00.000Z') });
    const failed = await updateStudy(db, 'study-r', { status: 'failed', statusReason: 'every trial failed: evaluate: the validation set has no images' }, at('2026-11-05T09:10:00.000Z'));
    expect(failed).toMatchObject({ status: 'failed', statusReason: 'every trial failed: evaluate: the validation set has no images', updatedAt: '2026-11-05T09:10:00.000Z' });
    expect(await getStudy(db, 'study-r')).toEqual(failed);
    // A config change keeps the reason; a new status without one drops it.
    expect((await updateStudy(db, 'study-r', { config: { ...config, name: 'Renamed' } })).statusReason).toBe(failed.statusReason);
    const running = await updateStudy(db, 'study-r', { status: 'running' });
    expect(running).not.toHaveProperty('statusReason');
    const long = await updateStudy(db, 'study-r', { status: 'failed', statusReason: 'x'.repeat(5000) });
    expect(long.statusReason).toBe(`${'x'.repeat(3999)}…`);
    db.close();
  });

  it('says in words that the storage is full when a study cannot be updated, and keeps it as it was (issue 14)', async () => {
    const db = await freshDatabase();
    await createStudy(db, config, { id: 'study-q' });
    const before = await snapshot(db);
    const restore = replaceWrite('put', 'studies', quotaAtOnce);
    try {
      const error = await updateStudy(db, 'study-q', { status: 'failed', statusReason: 'why' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StorageError);
      expect((error as StorageError).problem).toBe('quota');
      expect((error as StorageError).message).toBe(
        `the browser's storage for this page is full: could not update the study "study-q"; free space on this computer or delete old studies (export them first to keep them)`,
      );
    } finally {
      restore();
    }
    expect(await snapshot(db)).toEqual(before);
    db.close();
  });

  it('never overwrites a study whose id is taken, and says what is missing or invalid', async () => {
    const db = await freshDatabase();
    const original = await createStudy(db, config, { id: 'study-a' });
    await expect(createStudy(db, { ...config, name: 'Impostor' }, { id: 'study-a' })).rejects.toMatchObject({ problem: 'conflict' });
    expect(await getStudy(db, 'study-a')).toEqual(original);
    await expect(updateStudy(db, 'study-gone', { status: 'stopped' })).rejects.toThrow(
      'no study with id "study-gone" is stored; it may have been deleted in another tab',
    );
    await expect(createStudy(db, { ...config, epochs: 0 })).rejects.toThrow(
      `could not create the study "${config.name}": config.epochs: must be an integer from 1 to 10000, got 0`,
    );
    await expect(createStudy(db, config, { id: 'my study' })).rejects.toThrow(
      'could not create the study "Digits on an Uno": id: must be an id of 1 to 200 letters, digits, ".", "_", ":" or "-" (starting with a letter or digit), got "my study"',
    );
    await expect(updateStudy(db, 'study-a', { config: { ...config, targets: ['arduino-mega'] } })).rejects.toMatchObject({ problem: 'invalid' });
    expect(await listStudies(db)).toEqual([original]);
    db.close();
  });

  it('resumes after a reload: the running trial is queued again with its sampled architecture, the rest is kept', async () => {
    const db = await freshDatabase();
    const study = await createStudy(db, config, { id: 'study-r', now: at('2026-11-05T09:00:00.000Z') });
    const stored = trials.map((t) => forStudy(study.id, t));
    const running: StudyTrial = { ...stored[4]!, sampledArchitecture: stored[3]!.sampledArchitecture!, backend: { name: 'webgpu', reason: 'adapter found' } };
    for (const trial of [...stored.slice(0, 4), running, stored[5]!]) await saveTrial(db, trial, { now: at('2026-11-05T09:10:00.000Z') });

    const resumed = await resumeStudy(db, study.id, at('2026-11-05T12:00:00.000Z'));
    expect(resumed.requeued).toEqual(['study-r.4']);
    expect(resumed.study.updatedAt).toBe('2026-11-05T12:00:00.000Z');
    const requeued: StudyTrial = {
      id: 'study-r.4',
      studyId: 'study-r',
      index: 4,
      status: 'queued',
      architecture: running.sampledArchitecture!,
      hyperparameters: running.hyperparameters,
    };
    expect(resumed.trials).toEqual([...stored.slice(0, 4), requeued, stored[5]]);
    expect(await listTrials(db, study.id)).toEqual(resumed.trials);

    const again = await resumeStudy(db, study.id, at('2026-11-05T13:00:00.000Z'));
    expect(again.requeued).toEqual([]);
    expect(again.study.updatedAt).toBe('2026-11-05T12:00:00.000Z');
    await expect(resumeStudy(db, 'study-gone')).rejects.toBeInstanceOf(StorageError);
    db.close();
  });

  it('deletes a study with its trials and weights, and nothing of another study', async () => {
    const db = await freshDatabase();
    const doomed = await createStudy(db, config, { id: 'study-d' });
    const kept = await createStudy(db, config, { id: 'study-k' });
    for (const id of [doomed.id, kept.id]) {
      await saveTrial(db, forStudy(id, trials[0]!), { weights: opWeights() });
      await saveTrial(db, forStudy(id, trials[1]!));
    }
    const before = await snapshot(db);
    expect(await deleteStudy(db, doomed.id)).toBe(true);
    expect(await getStudy(db, doomed.id)).toBeUndefined();
    expect(await listTrials(db, doomed.id)).toEqual([]);
    expect(await getWeights(db, 'study-d.0')).toBeUndefined();
    const after = await snapshot(db);
    expect(after.studies).toEqual(before.studies.filter((s) => (s as { id: string }).id === kept.id));
    expect(after.trials).toHaveLength(2);
    expect(after.weights).toHaveLength(1);
    expect(await deleteStudy(db, doomed.id)).toBe(false);
    db.close();
  });
});
