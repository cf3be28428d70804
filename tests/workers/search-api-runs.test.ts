/**
 * The search API's one run at a time and its checks before anything is stored, in Node over
 * fake-indexeddb and the built-in datasets served over HTTP, as the worker fetches them. The guard
 * is taken before the first await, so two starts in the same tick cannot both pass it; a config
 * that cannot run stores no study.
 */
import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import type { StudyConfig } from '../../src/contracts/study.ts';
import type { SearchApi } from '../../src/contracts/search-worker.ts';
import { openOldDatabase } from '../db/helpers.ts';
import { listSetAside } from '../../src/db/repairs.ts';
import { openStudyDatabase } from '../../src/db/schema.ts';
import { createSearchApi } from '../../src/workers/search-api.ts';
import { study, trials } from '../contracts/study-fixture.ts';
import { serveBuiltinDatasets } from '../fixtures/datasets-server.ts';
import { oneConvSpace, tinyStudyConfig } from '../fixtures/tiny-study.ts';

const datasets = serveBuiltinDatasets();

const config: StudyConfig = tinyStudyConfig({ name: 'one run at a time', targets: ['arduino-uno'], batchSize: 64, seed: 5 });

const freshApi = (): SearchApi => createSearchApi({ datasetsUrl: datasets.url(), databaseName: `search-api-runs-${Math.random().toString(36).slice(2)}`, backends: ['cpu'], progressIntervalMs: 0 });

describe('the search API runs one study at a time', { timeout: 120_000 }, () => {
  it('refuses a second start in the same tick, and stores only the first study', async () => {
    const api = freshApi();
    const first = api.startStudy(config);
    const second = api.startStudy({ ...config, name: 'the second start' });
    await expect(second).rejects.toThrow('a study is already running in this worker; stop it first');
    const ended = await first;
    expect(ended.status).toBe('completed');
    expect((await api.listStudies()).map((s) => s.config.name)).toEqual(['one run at a time']);
    // The reservation is given back when the run ends: a new start runs, and leaks no tensor.
    const tensors = tf.memory().numTensors;
    const again = await api.startStudy({ ...config, name: 'after the first' });
    expect(again.status).toBe('completed');
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('refuses a resume and an extension while a start runs, and changes nothing', async () => {
    const api = freshApi();
    const done = await api.startStudy(config);
    const running = api.startStudy({ ...config, name: 'running' });
    await expect(api.resumeStudy(done.id)).rejects.toThrow('a study is already running in this worker; stop it first');
    await expect(api.extendStudy(done.id, { trials: 1 })).rejects.toThrow('a study is already running in this worker; stop it first');
    await running;
    const view = await api.getStudy(done.id);
    expect(view?.study.config.budget).toEqual({ trials: 1 });
    expect(view?.trials.map((t) => [t.index, t.status])).toEqual([[0, 'completed']]);
  });

  it('checks the config before it stores anything: an unknown dataset, a search space for other images, an invalid field', async () => {
    const api = freshApi();
    const studied: string[] = [];
    const onStudy = { onStudy: (study: { id: string }) => void studied.push(study.id) };
    await expect(api.startStudy({ ...config, dataset: 'no-such-dataset' }, onStudy)).rejects.toThrow(
      'the study\'s dataset cannot be used: unknown dataset "no-such-dataset"',
    );
    await expect(api.startStudy({ ...config, searchSpace: oneConvSpace({ input: { height: 28, width: 28, channels: 1 } }) }, onStudy)).rejects.toThrow(
      'the study\'s search space takes 28×28×1 images in 10 classes, but the dataset "digits" has 8×8×1 images in 10 classes',
    );
    await expect(api.startStudy({ ...config, epochs: 0 }, onStudy)).rejects.toThrow(/^the study's settings cannot be used: config\.epochs: /);
    expect(studied).toEqual([]);
    expect(await api.listStudies()).toEqual([]);
    // A refused start gives the reservation back.
    expect((await api.startStudy(config)).status).toBe('completed');
  });
});

describe('the search API tells what a database upgrade set aside (issue 14)', () => {
  it('lists the notes of an upgrade that set a trial aside, and drops one once dismissed; the record set aside stays', async () => {
    const databaseName = `search-api-notes-${Math.random().toString(36).slice(2)}`;
    // Version 1 of the playground had no unique [studyId, index]: two records of trial 0.
    const old = await openOldDatabase(databaseName, 1);
    await old.put('studies', study);
    await old.put('trials', { ...trials[0]!, status: 'completed' });
    await old.put('trials', { ...trials[0]!, id: `${study.id}.again`, status: 'running' });
    old.close();
    const api = createSearchApi({ datasetsUrl: datasets.url(), databaseName, backends: ['cpu'] });
    const notes = await api.storageNotes();
    expect(notes).toHaveLength(1);
    expect(notes[0]!.text).toContain(`${study.id}.again`);
    await api.dismissStorageNote(notes[0]!.id);
    expect(await api.storageNotes()).toEqual([]);
    const db = await openStudyDatabase(databaseName);
    expect((await listSetAside(db)).map((r) => (r.record as { id: string }).id)).toEqual([`${study.id}.again`]);
    db.close();
  });
});
