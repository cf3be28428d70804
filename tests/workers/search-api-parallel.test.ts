/**
 * The search API's check of the trials at once (issue 15), in Node over fake-indexeddb: a number
 * that is not a whole number from 1 to 8 is refused in words before anything is stored, and so is
 * more than one where no trainer worker can be started (Node has no web workers); one at a time
 * trains in the search API's own thread, as before.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import type { SearchApi } from '../../src/contracts/search-worker.ts';
import type { StudyConfig } from '../../src/contracts/study.ts';
import { createSearchApi } from '../../src/workers/search-api.ts';
import { serveBuiltinDatasets } from '../fixtures/datasets-server.ts';
import { tinyStudyConfig } from '../fixtures/tiny-study.ts';

const datasets = serveBuiltinDatasets();

const config: StudyConfig = tinyStudyConfig({ name: 'trials at once', targets: ['arduino-uno'], batchSize: 64, seed: 5 });

const freshApi = (): SearchApi => createSearchApi({ datasetsUrl: datasets.url(), databaseName: `search-api-parallel-${Math.random().toString(36).slice(2)}`, backends: ['cpu'], progressIntervalMs: 0 });

describe('the search API\'s trials at once', { timeout: 120_000 }, () => {
  it('refuses a number that is not a whole number from 1 to 8 on start, resume and extension, storing nothing', async () => {
    const api = freshApi();
    const studied: string[] = [];
    const callbacks = { onStudy: (study: { id: string }) => void studied.push(study.id) };
    await expect(api.startStudy(config, callbacks, 'auto', { parallelTrials: 0 })).rejects.toThrow('the number of trials at once must be a whole number from 1 to 8, got 0');
    await expect(api.startStudy(config, callbacks, 'auto', { parallelTrials: 2.5 })).rejects.toThrow('the number of trials at once must be a whole number from 1 to 8, got 2.5');
    expect(studied).toEqual([]);
    expect(await api.listStudies()).toEqual([]);
    const done = await api.startStudy(config, callbacks, 'auto', { parallelTrials: 1 });
    expect(done.status).toBe('completed');
    await expect(api.resumeStudy(done.id, {}, 'auto', { parallelTrials: 9 })).rejects.toThrow('the number of trials at once must be a whole number from 1 to 8, got 9');
    await expect(api.extendStudy(done.id, { trials: 1 }, {}, 'auto', { parallelTrials: 9 })).rejects.toThrow('the number of trials at once must be a whole number from 1 to 8, got 9');
    // The refused extension did not raise the budget.
    expect((await api.getStudy(done.id))?.study.config.budget).toEqual({ trials: 1 });
  });

  it('refuses several at once in words where no trainer worker can be started, and trains one at a time', async () => {
    const api = freshApi();
    await expect(api.startStudy(config, {}, 'auto', { parallelTrials: 2 })).rejects.toThrow(
      'several trials at once need trainer workers, which cannot be started here; train one trial at a time',
    );
    expect(await api.listStudies()).toEqual([]);
    const study = await api.startStudy(config);
    expect(study.status).toBe('completed');
    expect((await api.getStudy(study.id))?.trials.map((t) => t.status)).toEqual(['completed']);
  });
});
