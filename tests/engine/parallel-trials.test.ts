/**
 * The study loop with P trainers (issue 15): P trials train at once, each proposed with the running
 * ones pending, each written on its own as it ends; a stop queues every running trial and a resume
 * trains each once; a trainer's failure is one failed trial; a storage failure stops the others.
 * Real tfjs training (cpu backend, the built-in digits), in-process trainers taking turns between
 * batches, so that the loop's bookkeeping is what is tested, not the speed.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { StudyProgress, TrialProgress } from '../../src/contracts/search-worker.ts';
import type { Study, StudyConfig, StudyTrial } from '../../src/contracts/study.ts';
import { candidateOf } from '../../src/contracts/study-objectives.ts';
import { candidateKey } from '../../src/core/search/index.ts';
import { loopConfig } from './loop-config.ts';
import { loadBuiltinDataset } from '../../src/data/builtin.ts';
import type { Dataset } from '../../src/data/dataset.ts';
import { nodeReader } from '../../src/data/read-node.ts';
import { MemoryStudyStore } from '../../src/engine/memory-store.ts';
import { runStudy } from '../../src/engine/study-runner.ts';
import { type TrialTrainer, inProcessTrainer } from '../../src/engine/trial-trainer.ts';
import { noLeaks } from '../tf/leaks.ts';

let digits: Dataset;
beforeAll(async () => {
  await tf.setBackend('cpu');
  digits = await loadBuiltinDataset('digits', nodeReader());
});

const config = (overrides: Partial<StudyConfig> = {}): StudyConfig =>
  loopConfig({ name: 'parallel test', pruning: { methods: ['none', 'magnitude'], sparsity: { min: 0.3, max: 0.6 } }, budget: { trials: 6 }, seed: 4, ...overrides });
const newStudy = (c: StudyConfig): Study => ({ id: 'study-par', config: c, status: 'running', createdAt: '2026-12-01T00:00:00.000Z', updatedAt: '2026-12-01T00:00:00.000Z' });
const backend = { name: 'cpu', reason: 'test' };

/** In-process trainers that count how many train at the same moment. */
function countingTrainers(count: number, wrap: (trainer: TrialTrainer, lane: number) => TrialTrainer = (t) => t): { trainers: TrialTrainer[]; most: () => number; jobs: string[][] } {
  let active = 0;
  let most = 0;
  const jobs: string[][] = Array.from({ length: count }, () => []);
  const trainers = Array.from({ length: count }, (_, lane): TrialTrainer => {
    const inner = wrap(inProcessTrainer(digits, backend), lane);
    return {
      async train(job, hooks) {
        jobs[lane]!.push(job.id);
        active++;
        most = Math.max(most, active);
        try {
          return await inner.train(job, hooks);
        } finally {
          active--;
        }
      },
    };
  });
  return { trainers, most: () => most, jobs };
}

/** Every trial once: indices 0…n−1, ids unique. */
function expectEachOnce(trials: readonly StudyTrial[]): void {
  expect(trials.map((t) => t.index)).toEqual(trials.map((_, i) => i));
  expect(new Set(trials.map((t) => t.id)).size).toBe(trials.length);
}

describe('runStudy with P trainers', { timeout: 180_000 }, () => {
  it('trains two trials at once, proposes them different, shows both running, and spends the budget exactly', async () => {
    const c = config();
    const store = new MemoryStudyStore(newStudy(c));
    const pool = countingTrainers(2);
    const reports: StudyProgress[] = [];
    await noLeaks(async () => {
      const final = await runStudy(store.study, { store, dataset: digits, backend, trainers: pool.trainers, onProgress: (p) => reports.push(p) });
      expect([final.status, final.statusReason]).toEqual(['completed', 'the budget of 6 trials is spent']);
    });
    expectEachOnce(store.trials);
    expect(store.trials).toHaveLength(6);
    expect(store.trials.every((t) => t.status === 'completed')).toBe(true);
    expect(pool.most()).toBe(2);
    expect(pool.jobs.every((jobs) => jobs.length > 0)).toBe(true);
    // Each proposal saw the other running trial as pending: no candidate twice.
    expect(new Set(store.trials.map((t) => candidateKey(candidateOf(t)))).size).toBe(6);
    const both = reports.filter((p) => p.running?.length === 2);
    expect(both.length).toBeGreaterThan(0);
    expect(both.every((p) => p.running![0]!.trialIndex !== p.running![1]!.trialIndex && p.trialIndex === p.running![0]!.trialIndex)).toBe(true);
    expect(reports.every((p) => (p.running?.length ?? 0) <= 2)).toBe(true);
    expect(reports.at(-1)!.trialsDone).toBe(6);
  });

  it('stops every running trial, queues them, and a resume trains each once to the budget', async () => {
    const c = config({ budget: { trials: 5 } });
    const store = new MemoryStudyStore(newStudy(c));
    const controller = new AbortController();
    const stopAt = (p: StudyProgress): void => {
      // Both mid-training, neither at its last batch (a trial past its training would finish).
      const midTraining = (r: { trial?: TrialProgress }): boolean => r.trial?.phase === 'training' && r.trial.batch >= 2 && r.trial.batch < r.trial.batches - 1;
      if (p.running?.length === 2 && p.running.every(midTraining)) controller.abort();
    };
    await noLeaks(async () => {
      const stopped = await runStudy(store.study, { store, dataset: digits, backend, trainers: countingTrainers(2).trainers, signal: controller.signal, onProgress: stopAt });
      expect([stopped.status, stopped.statusReason]).toEqual(['stopped', 'stopped by you']);
    });
    const queued = store.trials.filter((t) => t.status === 'queued');
    expect(queued).toHaveLength(2);
    expect(store.trials.some((t) => t.status === 'running')).toBe(false);
    // A resume (the page and the CLI requeue nothing more here: nothing is left running).
    await noLeaks(async () => {
      const final = await runStudy(store.study, { store, dataset: digits, backend, trainers: countingTrainers(2).trainers });
      expect(final.status).toBe('completed');
    });
    expectEachOnce(store.trials);
    expect(store.trials.map((t) => t.status)).toEqual(['completed', 'completed', 'completed', 'completed', 'completed']);
    // The queued trials were trained as they were proposed, not replaced.
    for (const q of queued) expect(candidateKey(candidateOf(store.trials[q.index]!))).toBe(candidateKey(candidateOf(q)));
  });

  it('records a trainer that fails as one failed trial, in words, and the study still spends its budget', async () => {
    const c = config({ budget: { trials: 4 } });
    const store = new MemoryStudyStore(newStudy(c));
    let failed = false;
    const pool = countingTrainers(2, (trainer, lane) => ({
      async train(job, hooks) {
        if (lane === 1 && !failed) {
          failed = true;
          throw new Error('the trainer worker stopped unexpectedly: out of memory');
        }
        return trainer.train(job, hooks);
      },
    }));
    await noLeaks(async () => {
      const final = await runStudy(store.study, { store, dataset: digits, backend, trainers: pool.trainers });
      expect(final.status).toBe('completed');
    });
    expectEachOnce(store.trials);
    expect(store.trials.filter((t) => t.status === 'failed').map((t) => t.error)).toEqual(['the trainer worker stopped unexpectedly: out of memory']);
    expect(store.trials.filter((t) => t.status === 'completed')).toHaveLength(3);
  });

  it('stops the other trial when the storage fails, stores the study failed, and queues what was running', async () => {
    const c = config({ budget: { trials: 6 } });
    const full = new Error('the storage is full');
    let completed = 0;
    let refusedId: string | undefined;
    const store = new (class extends MemoryStudyStore {
      override async saveTrial(trial: StudyTrial, weights?: Parameters<MemoryStudyStore['saveTrial']>[1]): Promise<void> {
        if (trial.status === 'completed' && ++completed === 2) {
          refusedId = trial.id;
          throw full;
        }
        return super.saveTrial(trial, weights);
      }
    })(newStudy(c));
    await noLeaks(async () => {
      await expect(runStudy(store.study, { store, dataset: digits, backend, trainers: countingTrainers(2).trainers })).rejects.toBe(full);
    });
    expect(store.study).toMatchObject({ status: 'failed', statusReason: 'the storage is full' });
    expectEachOnce(store.trials);
    expect(store.trials.filter((t) => t.status === 'running')).toEqual([]);
    // The trial whose save failed is queued for a resume, and so is the one running beside it unless
    // its training had already ended: then its result is a real one and is kept (the store took it).
    expect(store.trials.find((t) => t.id === refusedId)?.status).toBe('queued');
    const completedStored = store.trials.filter((t) => t.status === 'completed').length;
    expect(completedStored).toBe(completed - 1);
    expect([1, 2]).toContain(completedStored);
    expect(store.trials.filter((t) => t.status === 'queued')).toHaveLength(store.trials.length - completedStored);
  });
});
