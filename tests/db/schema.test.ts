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
import { freshDatabase } from './helpers.ts';

describe('the study database schema', () => {
  it('creates the stores and indexes of the latest version', async () => {
    const db = await freshDatabase();
    expect(db.version).toBe(studyDatabaseVersion);
    expect([...db.objectStoreNames]).toEqual(['datasetBytes', 'datasets', 'studies', 'trials', 'weights']);
    const tx = db.transaction(['studies', 'trials', 'weights', 'datasets', 'datasetBytes']);
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
    await tx.done;
    db.close();
  });

  it('upgrades a version-1 database step by step and keeps its studies and trials', async () => {
    const name = `test-upgrade-${Date.now()}`;
    // What version 1 of the playground created: studies, and trials indexed by study.
    const old = await openDB(name, 1, {
      upgrade(database) {
        database.createObjectStore('studies', { keyPath: 'id' });
        database.createObjectStore('trials', { keyPath: 'id' }).createIndex('byStudy', 'studyId');
      },
    });
    await old.put('studies', study);
    await old.put('trials', trials[0]);
    old.close();

    const db = await openStudyDatabase(name);
    expect(db.version).toBe(studyDatabaseVersion);
    expect(await getStudy(db, study.id)).toEqual(study);
    expect(await listTrials(db, study.id)).toEqual([trials[0]]);
    expect(await getWeights(db, trials[0]!.id)).toBeUndefined();
    // Version 2's unique [studyId, index]: a second trial cannot take index 0.
    const clash = { ...trials[5]!, id: `${study.id}.other`, index: 0, architecture: architecture(8), hyperparameters: hyperparameters('none', 0) };
    const error = await saveTrial(db, clash).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).problem).toBe('conflict');
    db.close();
  });

  it('upgrades a version-2 database to 3: its studies, trials and weights kept, the dataset stores added', async () => {
    const name = `test-upgrade-2-${Date.now()}`;
    // What version 2 of the playground created: studies, trials with both indexes, weights.
    const old = await openDB(name, 2, {
      upgrade(database) {
        database.createObjectStore('studies', { keyPath: 'id' });
        const trialStore = database.createObjectStore('trials', { keyPath: 'id' });
        trialStore.createIndex('byStudy', 'studyId');
        trialStore.createIndex('byStudyIndex', ['studyId', 'index'], { unique: true });
        database.createObjectStore('weights', { keyPath: 'trialId' }).createIndex('byStudy', 'studyId');
      },
    });
    await old.put('studies', study);
    await old.put('trials', trials[0]);
    const weights = { trialId: trials[0]!.id, studyId: study.id, ops: [] };
    await old.put('weights', weights);
    old.close();

    const db = await openStudyDatabase(name);
    expect(db.version).toBe(3);
    expect(await getStudy(db, study.id)).toEqual(study);
    expect(await listTrials(db, study.id)).toEqual([trials[0]]);
    expect(await getWeights(db, trials[0]!.id)).toEqual(weights);
    expect(await listDatasets(db)).toEqual([]);
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
