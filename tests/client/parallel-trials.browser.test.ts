/**
 * Several trials at once through the real search worker (issue 15), in Chromium with real IndexedDB:
 * the search worker starts two trainer workers (nested dedicated workers) and trains two trials at
 * once; every trial of the budget is stored once, with a unique id; a stop puts both running trials
 * back in the queue and a resume trains exactly those, each once; a bad number is refused in words.
 */
import { describe, expect, it } from 'vitest';
import type { StudyProgress } from '../../src/contracts/search-worker.ts';
import type { StudyConfig, StudyTrial } from '../../src/contracts/study.ts';
import { searchClients } from '../fixtures/search-clients.ts';
import { oneConvSpace, tinyStudyConfig } from '../fixtures/tiny-study.ts';

const client = searchClients('parallel-trials');

const config = (trials: number, epochs: number): StudyConfig =>
  tinyStudyConfig({ name: 'two at once', pruning: { methods: ['none', 'magnitude'], sparsity: { min: 0.3, max: 0.6 } }, budget: { trials }, epochs, seed: 11 });

/** 40 gray 4×4 images in two classes (a light or a dark top row), as CSV. */
function stripesCsv(): ArrayBuffer {
  const rows = Array.from({ length: 40 }, (_, n) => {
    const label = n % 2;
    const pixels = Array.from({ length: 16 }, (_, i) => ((i < 4) !== (label === 0) ? 20 + n : 230 - n));
    return [label, ...pixels].join(',');
  });
  return new TextEncoder().encode(`label,${Array.from({ length: 16 }, (_, i) => `p${i}`).join(',')}\n${rows.join('\n')}\n`).buffer;
}

/** How many running trials have trained a batch in this report. */
const training = (p: StudyProgress): number => (p.running ?? []).filter((r) => (r.trial?.samplesSeen ?? 0) > 0).length;

describe('several trials at once in the search worker', { timeout: 240_000 }, () => {
  it('trains two trials at once in trainer workers and stores each trial of the budget once', async () => {
    const search = client();
    const progress: StudyProgress[] = [];
    const written: StudyTrial[] = [];
    // The backend is chosen (and its probe's tensors freed) before the count the run must come back to.
    await search.backend({ preference: 'auto', dataset: 'digits', batchSize: 32 });
    const tensors = await search.tensorCount();
    const study = await search.startStudy(config(4, 1), { onProgress: (p) => progress.push(p), onTrial: (t) => written.push(t) }, 'auto', { parallelTrials: 2 });
    expect(study.status).toBe('completed');
    expect(await search.tensorCount()).toBe(tensors);
    // Both trainer workers trained at the same time.
    expect(Math.max(...progress.map(training))).toBe(2);
    const view = await search.api.getStudy(study.id);
    expect(view?.trials.map((t) => [t.index, t.status])).toEqual([
      [0, 'completed'],
      [1, 'completed'],
      [2, 'completed'],
      [3, 'completed'],
    ]);
    expect(new Set(view?.trials.map((t) => t.id)).size).toBe(4);
    expect(view?.trials.every((t) => t.backend?.name === 'cpu' && t.metrics!.valAccuracy > 0.2)).toBe(true);
    // Each trial written running once, then once as it ended.
    for (let index = 0; index < 4; index++) expect(written.filter((t) => t.index === index).map((t) => t.status)).toEqual(['running', 'completed']);
    // The weights of the Pareto front came back from the trainer workers.
    const weights = await search.api.getWeights(view!.paretoFront[0]!);
    expect(weights?.ops[0]?.kernel).toBeInstanceOf(Float32Array);
  });

  it('stops both running trials back to the queue; a resume trains exactly those, each once', async () => {
    const search = client();
    let stopped = false;
    const study = await search.startStudy(
      config(4, 3),
      {
        onProgress: (p) => {
          if (!stopped && training(p) === 2) {
            stopped = true;
            void search.stop();
          }
        },
      },
      'auto',
      { parallelTrials: 2 },
    );
    expect(study.status).toBe('stopped');
    const afterStop = await search.api.getStudy(study.id);
    expect(afterStop?.trials.map((t) => t.status)).toEqual(['queued', 'queued']);
    const queued = afterStop!.trials.map((t) => t.id);

    const written: StudyTrial[] = [];
    const resumed = await search.resumeStudy(study.id, { onTrial: (t) => written.push(t) }, 'auto', { parallelTrials: 2 });
    expect(resumed.status).toBe('completed');
    const view = await search.api.getStudy(study.id);
    expect(view?.trials.map((t) => [t.index, t.status])).toEqual([
      [0, 'completed'],
      [1, 'completed'],
      [2, 'completed'],
      [3, 'completed'],
    ]);
    expect(view?.trials.slice(0, 2).map((t) => t.id)).toEqual(queued);
    expect(new Set(view?.trials.map((t) => t.id)).size).toBe(4);
    for (let index = 0; index < 4; index++) expect(written.filter((t) => t.index === index).map((t) => t.status)).toEqual(['running', 'completed']);
  });

  it('trains on an imported dataset, which each trainer worker reads from IndexedDB itself', async () => {
    const search = client();
    const stripes = await search.importDataset({ format: 'csv', name: 'Stripes', files: [{ name: 'stripes.csv', bytes: stripesCsv() }], options: { validation: 0.25, test: 0.25, seed: 7, csv: { header: true } } });
    const study = await search.startStudy(
      {
        ...config(3, 2),
        name: 'two at once on stripes',
        dataset: stripes.id,
        searchSpace: oneConvSpace({ input: { height: 4, width: 4, channels: 1 }, classes: 2, filters: [4] }),
        pruning: { methods: ['none'], sparsity: { min: 0.3, max: 0.6 } },
        batchSize: 8,
      },
      {},
      'auto',
      { parallelTrials: 2 },
    );
    expect(study.status).toBe('completed');
    const view = await search.api.getStudy(study.id);
    expect(view?.trials.map((t) => [t.index, t.status, t.metrics?.epochsRun])).toEqual([
      [0, 'completed', 2],
      [1, 'completed', 2],
      [2, 'completed', 2],
    ]);
  });

  it('refuses a number of trials at once that is not a whole number from 1 to 8, storing nothing', async () => {
    const search = client();
    const before = await search.api.listStudies();
    await expect(search.startStudy(config(1, 1), {}, 'auto', { parallelTrials: 9 })).rejects.toThrow('the number of trials at once must be a whole number from 1 to 8, got 9');
    await expect(search.startStudy(config(1, 1), {}, 'auto', { parallelTrials: 0.5 })).rejects.toThrow('the number of trials at once must be a whole number from 1 to 8, got 0.5');
    expect(await search.api.listStudies()).toEqual(before);
  });
});
