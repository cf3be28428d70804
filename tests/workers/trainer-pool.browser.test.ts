/**
 * The pool of trainer workers under the study loop, in Chromium with real dedicated workers
 * (issue 15): two trials train at once, each in its own worker; a pause holds both; a worker that
 * crashes mid-trial fails that trial in words, a fresh worker takes the next one, and the study still
 * trains its whole budget, each trial once.
 */
import { describe, expect, it } from 'vitest';
import type { StudyProgress } from '../../src/contracts/search-worker.ts';
import type { Study, StudyConfig } from '../../src/contracts/study.ts';
import type { Dataset } from '../../src/data/dataset.ts';
import { MemoryStudyStore } from '../../src/engine/memory-store.ts';
import { runStudy } from '../../src/engine/study-runner.ts';
import { createDatasetLibrary } from '../../src/workers/dataset-library.ts';
import { type TrainerWorker, createTrainerPool } from '../../src/workers/trainer-pool.ts';
import { PauseGate } from '../../src/engine/pause-gate.ts';
import { tinyStudyConfig } from '../fixtures/tiny-study.ts';

const datasetsUrl = new URL('/datasets/', location.href).href;
const backend = { name: 'cpu', reason: 'the test asks for it' } as const;
const options = { datasetsUrl, dataset: 'digits', backend };

const config = (trials: number, epochs: number): StudyConfig => tinyStudyConfig({ name: 'pool test', budget: { trials }, epochs });
const newStudy = (c: StudyConfig, id: string): Study => ({ id, config: c, status: 'running', createdAt: '2026-12-01T00:00:00.000Z', updatedAt: '2026-12-01T00:00:00.000Z' });

let digits: Promise<Dataset> | undefined;
const dataset = (): Promise<Dataset> => (digits ??= createDatasetLibrary(datasetsUrl, () => Promise.reject(new Error('no database in this test'))).load('digits'));

/** Trainer workers that the test can crash, in the order they were started. */
function crashableWorkers(): { workers: Worker[]; create: () => TrainerWorker } {
  const workers: Worker[] = [];
  return {
    workers,
    create: () => {
      const worker = new Worker(new URL('./crashing-trainer.worker.ts', import.meta.url), { type: 'module', name: 'trainer (test)' });
      workers.push(worker);
      return worker as unknown as TrainerWorker;
    },
  };
}

/** The running trials that have trained at least one batch. */
const training = (p: StudyProgress): number => (p.running ?? []).filter((r) => (r.trial?.samplesSeen ?? 0) > 0).length;

describe('the pool of trainer workers', { timeout: 180_000 }, () => {
  it('trains two trials at once, holds both on a pause, and stores each trial of the budget once', async () => {
    const { workers, create } = crashableWorkers();
    const pool = createTrainerPool(2, options, create);
    const store = new MemoryStudyStore(newStudy(config(4, 2), 'study-pool-a'));
    const gate = new PauseGate();
    const reports: { at: number; progress: StudyProgress }[] = [];
    let pausedAt: number | undefined;
    let resumedAt: number | undefined;
    try {
      const final = await runStudy(store.study, {
        store,
        dataset: await dataset(),
        backend,
        gate,
        trainers: pool.trainers,
        onProgress: (progress) => {
          const at = performance.now();
          reports.push({ at, progress });
          if (pausedAt === undefined && training(progress) === 2) {
            pausedAt = at;
            gate.pause();
            setTimeout(() => {
              resumedAt = performance.now();
              gate.resume();
            }, 1500);
          }
        },
      });
      expect(final.status).toBe('completed');
    } finally {
      pool.terminate();
    }
    expect(workers.length).toBe(2);
    expect(store.trials.map((t) => [t.index, t.status])).toEqual([
      [0, 'completed'],
      [1, 'completed'],
      [2, 'completed'],
      [3, 'completed'],
    ]);
    expect(new Set(store.trials.map((t) => t.id)).size).toBe(4);
    expect(store.trials.every((t) => t.backend?.name === 'cpu' && t.metrics!.valAccuracy > 0.2)).toBe(true);
    // Paused between batches: after a grace for the batch each worker was in, nothing trained until the resume.
    expect(pausedAt).toBeDefined();
    const held = reports.filter((r) => r.at > pausedAt! + 500 && r.at < resumedAt!);
    expect(held).toEqual([]);
    expect(reports.some((r) => r.at > resumedAt!)).toBe(true);
  });

  it('fails the trial of a worker that crashes, in words, and trains the rest of the budget on a fresh worker', async () => {
    const { workers, create } = crashableWorkers();
    const pool = createTrainerPool(2, options, create);
    const store = new MemoryStudyStore(newStudy(config(4, 2), 'study-pool-b'));
    let crashed = false;
    try {
      const final = await runStudy(store.study, {
        store,
        dataset: await dataset(),
        backend,
        trainers: pool.trainers,
        onProgress: (progress) => {
          if (!crashed && training(progress) === 2) {
            crashed = true;
            workers[0]!.postMessage('crash');
          }
        },
      });
      expect(final.status).toBe('completed');
    } finally {
      pool.terminate();
    }
    expect(crashed).toBe(true);
    // The crashed worker was replaced by a fresh one.
    expect(workers.length).toBe(3);
    const failed = store.trials.filter((t) => t.status === 'failed');
    expect(failed.map((t) => t.error)).toEqual(['the trainer worker stopped unexpectedly: Error: the test crashed this trainer worker']);
    expect(store.trials.map((t) => t.index)).toEqual([0, 1, 2, 3]);
    expect(store.trials.filter((t) => t.status === 'completed').length).toBe(3);
    expect(new Set(store.trials.map((t) => t.id)).size).toBe(4);
  });
});
