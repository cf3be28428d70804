import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { describe, expect, it } from 'vitest';
import { openStudyDatabase, studyDatabaseVersion } from '../../src/db/schema.ts';
import { StorageError } from '../../src/db/errors.ts';
import { getStudy } from '../../src/db/studies.ts';
import { listTrials, saveTrial } from '../../src/db/trials.ts';
import { getWeights } from '../../src/db/weights.ts';
import { listDatasets } from '../../src/db/datasets.ts';
import { hyperparameters, architecture, study, trials } from '../contracts/study-fixture.ts';
import { dismissRepair, listRepairs, listSetAside } from '../../src/db/repairs.ts';
import { domException, freshDatabase, openOldDatabase, replaceRead } from './helpers.ts';

describe('the study database schema', () => {
  it('creates the stores and indexes of the latest version', async () => {
    const db = await freshDatabase();
    expect(db.version).toBe(studyDatabaseVersion);
    expect([...db.objectStoreNames]).toEqual(['datasetBytes', 'datasets', 'repairs', 'setAside', 'studies', 'trials', 'weights']);
    const tx = db.transaction(['studies', 'trials', 'weights', 'datasets', 'datasetBytes', 'setAside', 'repairs']);
    expect(tx.objectStore('studies').keyPath).toBe('id');
    const trialStore = tx.objectStore('trials');
    expect(trialStore.keyPath).toBe('id');
    expect([...trialStore.indexNames]).toEqual(['byStudy', 'byStudyIndex']);
    expect(trialStore.index('byStudyIndex').keyPath).toEqual(['studyId', 'index']);
    expect(trialStore.index('byStudyIndex').unique).toBe(true);
    expect(tx.objectStore('weights').keyPath).toBe('trialId');
    expect([...tx.objectStore('weights').indexNames]).toEqual(['byStudy']);
    expect(tx.objectStore('datasets').keyPath).toBe('id');
    expect(tx.objectStore('datasetBytes').keyPath).toBe('id');
    for (const store of ['setAside', 'repairs'] as const) {
      expect(tx.objectStore(store).keyPath).toBe('id');
      expect(tx.objectStore(store).autoIncrement).toBe(true);
    }
    await tx.done;
    db.close();
  });

  it('upgrades a version-1 database step by step and keeps its studies and trials', async () => {
    const name = `test-upgrade-${Date.now()}`;
    // What version 1 of the playground created: studies, and trials indexed by study.
    const old = await openOldDatabase(name, 1);
    await old.put('studies', study);
    await old.put('trials', trials[0]);
    old.close();

    const db = await openStudyDatabase(name);
    expect(db.version).toBe(studyDatabaseVersion);
    expect(await getStudy(db, study.id)).toEqual(study);
    expect(await listTrials(db, study.id)).toEqual([trials[0]]);
    expect(await getWeights(db, trials[0]!.id)).toBeUndefined();
    expect(await listRepairs(db)).toEqual([]);
    expect(await listSetAside(db)).toEqual([]);
    // Version 2's unique [studyId, index]: a second trial cannot take index 0.
    const clash = { ...trials[5]!, id: `${study.id}.other`, index: 0, architecture: architecture(8), hyperparameters: hyperparameters('none', 0) };
    const error = await saveTrial(db, clash).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).problem).toBe('conflict');
    db.close();
  });

  it('upgrades a version-1 database whose trials break version 2\'s unique [studyId, index]: one of each kept, the others set aside in words, nothing dropped (issue 14)', async () => {
    const name = `test-upgrade-repeated-${Date.now()}`;
    const other = { ...study, id: 'study-other', config: { ...study.config, name: 'other study' } };
    // Trial 0 twice (the running one is set aside: a finished one stays), trial 1 three times (all
    // failed: the one with its own id stays), one trial of a study no longer stored twice, and
    // records the index never sees (no index): all of them kept.
    const s = study.id;
    const v1: Record<string, unknown>[] = [
      { ...trials[4]!, id: `${s}.a`, index: 0 },
      { ...trials[0]! },
      { ...trials[1]!, id: `${s}.b` },
      { ...trials[1]! },
      { ...trials[1]!, id: `${s}.c` },
      { ...trials[2]! },
      { ...trials[0]!, id: 'study-gone.0', studyId: 'study-gone' },
      { ...trials[5]!, id: 'study-gone.x', studyId: 'study-gone', index: 0 },
      { ...trials[0]!, id: 'study-other.0', studyId: other.id },
      { id: `${s}.broken-1`, studyId: s, status: 'completed' },
      { id: `${s}.broken-2`, studyId: s, status: 'completed' },
    ];
    const old = await openOldDatabase(name, 1);
    await old.put('studies', study);
    await old.put('studies', other);
    for (const trial of v1) await old.put('trials', trial);
    old.close();

    const db = await openStudyDatabase(name);
    expect(db.version).toBe(studyDatabaseVersion);
    expect(await getStudy(db, study.id)).toEqual(study);
    const kept = [v1[1], v1[3], v1[5], v1[6], v1[8], v1[9], v1[10]] as { id: string }[];
    expect(await db.getAll('trials')).toEqual(kept.sort((a, b) => (a.id < b.id ? -1 : 1)));
    expect(await listTrials(db, 'study-gone')).toEqual([v1[6]]);
    expect(await listTrials(db, other.id)).toEqual([v1[8]]);
    const setAside = await listSetAside(db);
    expect(setAside.map((r) => r.record)).toEqual([v1[0], v1[2], v1[4], v1[7]]);
    const reasons = [
      `Trial "${s}.a" (running) of the study "${study.config.name}" had index 0 of proposal, as trial "${s}.0" (completed) did; a study has one trial per index, so it was taken out of the study and set aside, as it was, when the database was upgraded.`,
      `Trial "${s}.b" (failed) of the study "${study.config.name}" had index 1 of proposal, as trial "${s}.1" (failed) did; a study has one trial per index, so it was taken out of the study and set aside, as it was, when the database was upgraded.`,
      `Trial "${s}.c" (failed) of the study "${study.config.name}" had index 1 of proposal, as trial "${s}.1" (failed) did; a study has one trial per index, so it was taken out of the study and set aside, as it was, when the database was upgraded.`,
      `Trial "study-gone.x" (queued) of the study "study-gone" (no longer stored) had index 0 of proposal, as trial "study-gone.0" (completed) did; a study has one trial per index, so it was taken out of the study and set aside, as it was, when the database was upgraded.`,
    ];
    expect(setAside.map((r) => [r.from, r.reason, r.version])).toEqual(reasons.map((reason) => ['trials', reason, studyDatabaseVersion]));
    const notes = await listRepairs(db);
    expect(notes.map((n) => [n.text, n.setAside])).toEqual(reasons.map((reason, i) => [reason, setAside[i]!.id]));
    // Dismissing a note keeps the record it set aside; the unique order holds from now on.
    await dismissRepair(db, notes[0]!.id!);
    expect((await listRepairs(db)).map((n) => n.text)).toEqual(reasons.slice(1));
    expect(await listSetAside(db)).toEqual(setAside);
    await expect(saveTrial(db, { ...trials[4]!, id: `${s}.a`, index: 0 })).rejects.toThrow(/it clashes with a record already stored/);
    db.close();
  });

  it('refuses to open, keeping the old database as it was, when an upgrade step throws', async () => {
    const name = `test-upgrade-throws-${Date.now()}`;
    const old = await openOldDatabase(name, 1);
    await old.put('studies', study);
    old.close();
    // A step that cannot read the trials (as a disk error would): the upgrade aborts as a whole.
    const restore = replaceRead('trials', () => {
      throw domException('the disk is unreadable', 'UnknownError');
    });
    try {
      await expect(openStudyDatabase(name)).rejects.toThrow(
        `could not open the study database "${name}": the browser's database reported "UnknownError: the disk is unreadable"; reload the page and try again`,
      );
    } finally {
      restore();
    }
    const again = await openDB(name);
    expect(again.version).toBe(1);
    expect(await again.getAll('studies')).toEqual([study]);
    again.close();
  });

  it('upgrades a version-2 database to 3: its studies, trials and weights kept, the dataset stores added', async () => {
    const name = `test-upgrade-2-${Date.now()}`;
    // What version 2 of the playground created: studies, trials with both indexes, weights.
    const old = await openOldDatabase(name, 2);
    await old.put('studies', study);
    await old.put('trials', trials[0]);
    const weights = { trialId: trials[0]!.id, studyId: study.id, ops: [] };
    await old.put('weights', weights);
    old.close();

    // Records no rule of versions 3 and 4 looks at: weights of a trial no longer stored, a trial that would not export.
    const orphan = { trialId: 'study-gone.3', studyId: 'study-gone', ops: [] };
    const odd = { id: `${study.id}.odd`, studyId: study.id, index: 9, status: 'finished', note: 'from a build of its own' };
    const again = await openDB(name, 2);
    await again.put('weights', orphan);
    await again.put('trials', odd);
    again.close();

    const db = await openStudyDatabase(name);
    expect(db.version).toBe(studyDatabaseVersion);
    expect(await getStudy(db, study.id)).toEqual(study);
    expect(await listTrials(db, study.id)).toEqual([trials[0], odd]);
    expect(await getWeights(db, trials[0]!.id)).toEqual(weights);
    expect(await getWeights(db, orphan.trialId)).toEqual(orphan);
    expect(await listDatasets(db)).toEqual([]);
    expect(await listRepairs(db)).toEqual([]);
    expect(await listSetAside(db)).toEqual([]);
    db.close();
  });

  it('upgrades a version-3 database to 4: everything kept, the setAside and repairs stores added and empty', async () => {
    const name = `test-upgrade-3-${Date.now()}`;
    const old = await openOldDatabase(name, 3);
    await old.put('studies', study);
    for (const trial of trials) await old.put('trials', trial);
    const info = { id: 'tiny', name: 'Tiny' };
    await old.put('datasets', info);
    old.close();

    const db = await openStudyDatabase(name);
    expect(db.version).toBe(4);
    expect(await getStudy(db, study.id)).toEqual(study);
    expect(await listTrials(db, study.id)).toEqual(trials);
    expect(await db.getAll('datasets')).toEqual([info]);
    expect(await listRepairs(db)).toEqual([]);
    expect(await listSetAside(db)).toEqual([]);
    db.close();
  });

  it('refuses a database written by a newer playground with a message saying to reload', async () => {
    const name = `test-newer-${Date.now()}`;
    (await openDB(name, studyDatabaseVersion + 1)).close();
    await expect(openStudyDatabase(name)).rejects.toThrow(
      `could not open the study database "${name}": it was written by a newer version of the playground; reload the page to get that version`,
    );
  });
});
