/** The study database on Chromium's real IndexedDB: a reload keeps everything, and an abort keeps nothing. */
import { deleteDB } from 'idb';
import { afterAll, describe, expect, it } from 'vitest';
import type { StudyTrial } from '../../src/contracts/study.ts';
import { openStudyDatabase, studyDatabaseVersion } from '../../src/db/schema.ts';
import { createStudy, getStudy, listStudies, resumeStudy } from '../../src/db/studies.ts';
import { listTrials, saveTrial } from '../../src/db/trials.ts';
import { getWeights } from '../../src/db/weights.ts';
import { listRepairs, listSetAside } from '../../src/db/repairs.ts';
import { config, study as fixtureStudy, trials } from '../contracts/study-fixture.ts';
import { openOldDatabase, quotaAtOnce, replaceWrite, snapshot } from './helpers.ts';
import { opWeights } from './weights-fixture.ts';

const names: string[] = [];
const freshName = (): string => {
  const name = `browser-studies-${Date.now()}-${names.length}`;
  names.push(name);
  return name;
};
const forStudy = (studyId: string, trial: StudyTrial): StudyTrial => ({ ...trial, id: `${studyId}.${trial.index}`, studyId });

afterAll(async () => {
  for (const name of names) await deleteDB(name);
});

describe('the study database in Chromium', () => {
  it('finds a study, its trials and their weights again after a reload', async () => {
    const name = freshName();
    const db = await openStudyDatabase(name);
    const study = await createStudy(db, config, { id: 'study-reload' });
    const stored = trials.map((t) => forStudy(study.id, t));
    for (const trial of stored) await saveTrial(db, trial, { weights: trial.index === 0 ? opWeights() : undefined });
    db.close();

    const reopened = await openStudyDatabase(name);
    expect((await listStudies(reopened)).map((s) => s.id)).toEqual([study.id]);
    expect(await listTrials(reopened, study.id)).toEqual(stored);
    const weights = await getWeights(reopened, `${study.id}.0`);
    expect(weights?.ops).toEqual(opWeights());
    expect(weights?.ops[0]?.kernel).toBeInstanceOf(Float32Array);
    reopened.close();
  });

  it('resumes after a reload: the trial left running is queued again', async () => {
    const name = freshName();
    const db = await openStudyDatabase(name);
    const study = await createStudy(db, config, { id: 'study-resume' });
    const running = forStudy(study.id, trials[4]!);
    await saveTrial(db, forStudy(study.id, trials[0]!));
    await saveTrial(db, running);
    db.close();

    const reopened = await openStudyDatabase(name);
    const resumed = await resumeStudy(reopened, study.id);
    expect(resumed.requeued).toEqual([running.id]);
    expect((await listTrials(reopened, study.id)).map((t) => t.status)).toEqual(['completed', 'queued']);
    reopened.close();
  });

  it('upgrades a version-1 database whose trials share an index: the upgrade goes through, the repeat set aside with a note (issue 14)', async () => {
    const name = freshName();
    const s = fixtureStudy.id;
    const old = await openOldDatabase(name, 1);
    await old.put('studies', fixtureStudy);
    const repeat = { ...trials[4]!, id: `${s}.a`, index: 0 };
    for (const trial of [repeat, trials[0]!, trials[1]!]) await old.put('trials', trial);
    old.close();

    const db = await openStudyDatabase(name);
    expect(db.version).toBe(studyDatabaseVersion);
    expect(await listTrials(db, s)).toEqual([trials[0], trials[1]]);
    const reason = `Trial "${s}.a" (running) of the study "${config.name}" had index 0 of proposal, as trial "${s}.0" (completed) did; a study has one trial per index, so it was taken out of the study and set aside, as it was, when the database was upgraded.`;
    const setAside = await listSetAside(db);
    expect(setAside.map((r) => [r.from, r.record, r.reason])).toEqual([['trials', repeat, reason]]);
    expect((await listRepairs(db)).map((n) => [n.text, n.setAside])).toEqual([[reason, setAside[0]!.id]]);
    db.close();
  });

  it('keeps nothing of a trial whose transaction is aborted after its first write', async () => {
    const name = freshName();
    const db = await openStudyDatabase(name);
    const study = await createStudy(db, config, { id: 'study-abort' });
    await saveTrial(db, forStudy(study.id, trials[0]!));
    const before = await snapshot(db);
    const stamped = (await getStudy(db, study.id))!.updatedAt;

    const tx = db.transaction(['studies', 'trials', 'weights'], 'readwrite');
    await tx.objectStore('trials').put(forStudy(study.id, trials[3]!));
    tx.abort();
    await expect(tx.done).rejects.toThrow();
    expect(await snapshot(db)).toEqual(before);

    // The same through saveTrial: the weights' write fails after the trial's and the study's were issued.
    const restore = replaceWrite('put', 'weights', quotaAtOnce);
    try {
      await expect(saveTrial(db, forStudy(study.id, trials[3]!), { weights: opWeights() })).rejects.toThrow(
        `the browser's storage for this page is full: could not save trial 3 ("${study.id}.3") of the study "${study.id}"; free space on this computer or delete old studies (export them first to keep them)`,
      );
    } finally {
      restore();
    }
    db.close();
    const reopened = await openStudyDatabase(name);
    expect(await snapshot(reopened)).toEqual(before);
    // The study's updatedAt included: neither the aborted trial nor the failed save stamped it.
    expect((await getStudy(reopened, study.id))?.updatedAt).toBe(stamped);
    reopened.close();
  });
});
