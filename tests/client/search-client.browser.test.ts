/**
 * The search worker through its bridge, in Chromium with real IndexedDB: start with progress (on
 * tfjs's WASM backend, its .wasm files served by Vite), stop mid-trial, "reload" (a new worker on
 * the same database) and resume to the end.
 */
import { describe, expect, it } from 'vitest';
import { searchClients } from '../fixtures/search-clients.ts';
import type { StudyConfig, StudyTrial } from '../../src/contracts/study.ts';
import { oneConvSpace } from '../fixtures/tiny-study.ts';
import type { BackendInfo, StudyProgress } from '../../src/contracts/search-worker.ts';

const client = searchClients('bridge-test');

const config = (trials: number, epochs: number): StudyConfig => ({
  name: 'bridge test',
  dataset: 'digits',
  targets: ['stm32f446re'],
  accounting: 'paper',
  searchSpace: oneConvSpace(),
  pruning: { methods: ['none', 'magnitude'], sparsity: { min: 0.3, max: 0.6 } },
  strategy: 'random',
  budget: { trials },
  epochs,
  batchSize: 32,
  learningRate: 3e-3,
  seed: 5,
});

describe('the search worker bridge', { timeout: 180_000 }, () => {
  it('starts a study on WASM, reports progress and trials, and keeps them in IndexedDB', async () => {
    const progress: StudyProgress[] = [];
    const trials: StudyTrial[] = [];
    const backends: BackendInfo[] = [];
    const search = client();
    // The fixture lets the automatic choice take only cpu; it is timed on the probe's network.
    const auto = await search.api.backend({ preference: 'auto', dataset: 'digits', batchSize: 32 });
    expect(auto.backend).toBe('cpu');
    expect(auto.attempts[0]!.samplesPerSecond).toBeGreaterThan(0);
    const study = await search.startStudy(config(2, 1), { onBackend: (b) => backends.push(b), onProgress: (p) => progress.push(p), onTrial: (t) => trials.push(t) }, 'wasm');
    expect(study.status).toBe('completed');
    expect(backends.map((b) => b.backend)).toEqual(['wasm']);
    expect(backends[0]!.attempts[0]!.label).toMatch(/^WASM, SIMD, \d+ threads?/);
    expect(trials.filter((t) => t.status === 'completed').map((t) => t.backend?.name)).toEqual(['wasm', 'wasm']);
    // Two trials of digits really trained: better than chance (10 %) on validation.
    expect(trials.filter((t) => t.status === 'completed').every((t) => t.metrics!.valAccuracy > 0.2)).toBe(true);
    expect(trials.map((t) => t.status)).toEqual(['running', 'completed', 'running', 'completed']);
    expect(progress.some((p) => p.trial?.phase === 'training' && p.trial.batches > 0)).toBe(true);
    const view = await search.api.getStudy(study.id);
    expect(view?.trials.map((t) => [t.index, t.status])).toEqual([
      [0, 'completed'],
      [1, 'completed'],
    ]);
    expect(view?.paretoFront.length).toBeGreaterThan(0);
    // Pareto-front trials keep their weights; they come back as typed arrays.
    const weights = await search.api.getWeights(view!.paretoFront[0]!);
    expect(weights?.ops[0]?.kernel).toBeInstanceOf(Float32Array);
  });

  it('stops between batches, then a new worker finds the study after a "reload" and resumes it', async () => {
    const first = client();
    let stopped = false;
    const study = await first.startStudy(config(2, 2), {
      onProgress: (p) => {
        if (!stopped && p.trial && p.trial.samplesSeen > 0) {
          stopped = true;
          void first.stop();
        }
      },
    });
    expect(study.status).toBe('stopped');
    const afterStop = await first.api.getStudy(study.id);
    expect(afterStop?.trials.map((t) => t.status)).toEqual(['queued']);
    first.terminate();

    const second = client();
    expect((await second.api.listStudies()).map((s) => s.id)).toContain(study.id);
    const resumed = await second.resumeStudy(study.id);
    expect(resumed.status).toBe('completed');
    const view = await second.api.getStudy(study.id);
    expect(view?.trials.map((t) => t.status)).toEqual(['completed', 'completed']);
    // The resumed trial is the one that was stopped: same id, same architecture.
    expect(view?.trials[0]?.id).toBe(afterStop?.trials[0]?.id);
    expect(view?.trials[0]?.architecture).toEqual(afterStop?.trials[0]?.architecture);
  });
});
