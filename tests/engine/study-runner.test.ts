/**
 * The study loop in Node over the in-memory store: budgets, determinism, failures, stop and resume;
 * over IndexedDB (fake-indexeddb) where it must store how it ended after a throw (issue 14).
 */
import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { StudyProgress, TrialRequest } from '../../src/contracts/search-worker.ts';
import type { Study, StudyConfig, StudyTrial } from '../../src/contracts/study.ts';
import { loopConfig } from './loop-config.ts';
import { loadBuiltinDataset } from '../../src/data/builtin.ts';
import type { Dataset } from '../../src/data/dataset.ts';
import { nodeReader } from '../../src/data/read-node.ts';
import { MemoryStudyStore } from '../../src/engine/memory-store.ts';
import { PauseGate } from '../../src/engine/pause-gate.ts';
import { paretoFrontIds, requestedTrial, runStudy } from '../../src/engine/study-runner.ts';
import { noLeaks } from '../tf/leaks.ts';
import { InfeasibleSearchError } from '../../src/core/search/strategy.ts';
import { StorageError } from '../../src/db/errors.ts';
import { createStudy, getStudy } from '../../src/db/studies.ts';
import { indexedDbStudyStore } from '../../src/db/study-store.ts';
import { listTrials } from '../../src/db/trials.ts';
import { freshDatabase, quotaAtOnce, replaceWrite } from '../db/helpers.ts';

let digits: Dataset;
beforeAll(async () => {
  await tf.setBackend('cpu');
  digits = await loadBuiltinDataset('digits', nodeReader());
});

const config = loopConfig;

const newStudy = (c: StudyConfig, id = 'study-test'): Study => ({ id, config: c, status: 'running', createdAt: '2026-11-25T00:00:00.000Z', updatedAt: '2026-11-25T00:00:00.000Z' });
const backend = { name: 'cpu', reason: 'test' };

describe('runStudy', { timeout: 180_000 }, () => {
  it('trains the budget of trials, records each, and the same seed proposes the same candidates', async () => {
    const runs: StudyTrial[][] = [];
    await noLeaks(async () => {
      for (const id of ['study-a', 'study-b']) {
        const c = config();
        const store = new MemoryStudyStore(newStudy(c, id));
        const final = await runStudy(store.study, { store, dataset: digits, backend });
        expect(final.status).toBe('completed');
        runs.push(store.trials);
      }
    });
    const [a, b] = runs;
    expect(a!.map((t) => t.status)).toEqual(['completed', 'completed', 'completed']);
    expect(a!.map((t) => t.id)).toEqual(['study-a.0', 'study-a.1', 'study-a.2']);
    expect(b!.map((t) => [t.sampledArchitecture ?? t.architecture, t.hyperparameters.pruning])).toEqual(
      a!.map((t) => [t.sampledArchitecture ?? t.architecture, t.hyperparameters.pruning]),
    );
    for (const t of a!) expect(t.resources?.targets[0]?.feasible.paper).toBe(true);
  });

  it('counts a time budget from the minutes already spent (an extension runs only its own minutes), and reports the time left from the samples per second (issue 13)', async () => {
    // 10 minutes spent of 10 min + 0.02 s: one trial starts, and the time is up while it trains.
    const c = config({ budget: { minutes: 10 + 0.02 / 60 }, pruning: { methods: ['none'], sparsity: { min: 0, max: 0 } } });
    const store = new MemoryStudyStore(newStudy(c));
    const reports: StudyProgress[] = [];
    await noLeaks(async () => {
      const final = await runStudy(store.study, { store, dataset: digits, backend, minutesSpent: 10, onProgress: (p) => reports.push(p) });
      expect(final).toMatchObject({ status: 'completed', statusReason: 'the time budget of 10 minutes is spent' });
    });
    expect(store.trials.map((t) => t.status)).toEqual(['completed']);
    // From the start a time budget knows its time left: at most the 0.02 s the extension left.
    expect(reports[0]!.etaSeconds).toBeLessThanOrEqual(0.02);
    // Once it is up the run says it is finishing the trial, with that trial's time left, down to 0.
    const finishing = reports.filter((p) => p.finishing);
    expect(finishing.length).toBeGreaterThan(0);
    expect(reports.slice(reports.indexOf(finishing[0]!)).every((p) => p.finishing)).toBe(true);
    expect(finishing.at(-1)!.etaSeconds).toBe(0);
  });

  it('estimates a trial budget from the samples still planned over the samples per second measured', async () => {
    const c = config({ budget: { trials: 2 }, pruning: { methods: ['none'], sparsity: { min: 0, max: 0 } } });
    const store = new MemoryStudyStore(newStudy(c));
    const reports: StudyProgress[] = [];
    await runStudy(store.study, { store, dataset: digits, backend, onProgress: (p) => reports.push(p) });
    // Nothing measured before the first sample; then the two trials' 2 × 1 epoch × the training images, over the speed.
    expect(reports[0]!.etaSeconds).toBeUndefined();
    const measured = reports.find((p) => p.trial && p.trial.samplesSeen > 0 && p.trial.phase === 'training')!;
    const planned = 2 * digits.train.count - measured.trial!.samplesSeen;
    expect(measured.etaSeconds).toBeCloseTo(planned / (measured.trial!.samplesSeen / measured.elapsedSeconds), 0);
    expect(measured.finishing).toBeUndefined();
    // During the last trial there is none left to start: it is finishing.
    expect(reports.filter((p) => p.trialIndex === 1 && p.trial).every((p) => p.finishing)).toBe(true);
  });

  it('records a failed trial and goes on; a run whose every trial failed ends failed, with the first error (issue 14)', async () => {
    // Labels beyond the architecture's classes make every trial fail inside training.
    const broken: Dataset = { ...digits, classNames: digits.classNames.slice(0, 10), train: { ...digits.train, labels: digits.train.labels.map(() => 12) } };
    const c = config({ budget: { trials: 2 } });
    const store = new MemoryStudyStore(newStudy(c));
    await noLeaks(async () => {
      const final = await runStudy(store.study, { store, dataset: broken, backend });
      expect(final.status).toBe('failed');
      expect(final.statusReason).toBe(`every trial failed: ${store.trials[0]!.error}`);
    });
    expect(store.study).toMatchObject({ status: 'failed', statusReason: `every trial failed: ${store.trials[0]!.error}` });
    expect(store.trials.map((t) => t.status)).toEqual(['failed', 'failed']);
    expect(store.trials[0]!.error).toContain('label 12');
  });

  it('ends failed, in words, when the validation set is empty and so every trial fails (issue 14)', async () => {
    const empty = { ...digits.validation, count: 0, images: new Uint8Array(0), labels: new Uint8Array(0) };
    const c = config({ budget: { trials: 2 } });
    const store = new MemoryStudyStore(newStudy(c));
    await noLeaks(async () => {
      const final = await runStudy(store.study, { store, dataset: { ...digits, validation: empty }, backend });
      expect(final.status).toBe('failed');
    });
    expect(store.trials.map((t) => t.status)).toEqual(['failed', 'failed']);
    expect(store.study.statusReason).toBe('every trial failed: evaluate: the validation set has no images');
  });

  it('says why a completed study ended, and drops the reason of the run before when it runs again', async () => {
    const c = config({ budget: { trials: 1 }, pruning: { methods: ['none'], sparsity: { min: 0, max: 0 } } });
    const store = new MemoryStudyStore({ ...newStudy(c), status: 'stopped', statusReason: 'stopped by you' });
    const states: Study[] = [];
    const final = await runStudy(store.study, { store, dataset: digits, backend, onTrial: () => states.push(store.study) });
    expect(states[0]).toMatchObject({ status: 'running' });
    expect(states[0]).not.toHaveProperty('statusReason');
    expect(final).toMatchObject({ status: 'completed', statusReason: 'the budget of 1 trial is spent' });
    expect(store.study).toEqual(final);
  });

  it('stops between batches, queues the running trial, and resumes it', async () => {
    const c = config({ budget: { trials: 2 }, epochs: 3 });
    const store = new MemoryStudyStore(newStudy(c));
    const controller = new AbortController();
    const stopped = await runStudy(store.study, {
      store,
      dataset: digits,
      backend,
      signal: controller.signal,
      onProgress: (p) => {
        if ((p.trial?.samplesSeen ?? 0) > 0) controller.abort();
      },
    });
    expect(stopped.status).toBe('stopped');
    expect(stopped.statusReason).toBe('stopped by you');
    expect(store.trials.map((t) => t.status)).toEqual(['queued']);
    const queued = store.trials[0]!;
    const final = await runStudy(stopped, { store, dataset: digits, backend });
    expect(final).toMatchObject({ status: 'completed', statusReason: 'the budget of 2 trials is spent' });
    expect(store.trials.map((t) => t.status)).toEqual(['completed', 'completed']);
    expect(store.trials[0]!.architecture).toEqual(queued.architecture);
  });

  it('holds while paused and goes on when resumed', async () => {
    const c = config({ budget: { trials: 1 }, epochs: 2 });
    const store = new MemoryStudyStore(newStudy(c));
    const gate = new PauseGate();
    let pausedAt = -1;
    let seenWhilePaused = 0;
    const run = runStudy(store.study, {
      store,
      dataset: digits,
      backend,
      gate,
      onProgress: (p) => {
        const seen = p.trial?.samplesSeen ?? 0;
        if (pausedAt < 0 && seen > 0) {
          pausedAt = seen;
          gate.pause();
          setTimeout(() => gate.resume(), 300);
        } else if (gate.paused) seenWhilePaused = Math.max(seenWhilePaused, seen);
      },
    });
    expect((await run).status).toBe('completed');
    expect(pausedAt).toBeGreaterThan(0);
    expect(seenWhilePaused).toBeLessThanOrEqual(pausedAt + 64);
  });

  it('trains an architecture the user asked for, even after the budget is spent, and skips one that does not fit', async () => {
    const c = config({ budget: { trials: 1 } });
    const store = new MemoryStudyStore(newStudy(c));
    await runStudy(store.study, { store, dataset: digits, backend });
    const chosen = {
      input: { height: 8, width: 8, channels: 1 },
      classes: 10,
      layers: [{ type: 'conv' as const, filters: 4, kernel: 3, stride: 2, padding: 'same' as const }, { type: 'flatten' as const }],
    };
    const tooBig = { ...chosen, layers: [{ type: 'conv' as const, filters: 64, kernel: 3, stride: 1, padding: 'same' as const }, { type: 'flatten' as const }] };
    const requests = [
      { architecture: chosen, pruning: { method: 'magnitude' as const, sparsity: 0.5 } },
      { architecture: tooBig, pruning: { method: 'none' as const, sparsity: 0 } },
    ];
    const final = await runStudy(store.study, { store, dataset: digits, backend, takeRequested: () => requests.shift() });
    expect(final.status).toBe('completed');
    expect(store.trials.map((t) => [t.index, t.status])).toEqual([[0, 'completed'], [1, 'completed'], [2, 'skipped']]);
    expect(store.trials[1]!.architecture).toEqual(chosen);
    expect(store.trials[1]!.hyperparameters.pruning).toEqual({ method: 'magnitude', sparsity: 0.5, fineTuneEpochs: 1 });
    expect(store.trials[2]!.skipReason).toBe(
      'predicted not to fit: model size 41,610 B exceeds the 30,720 B of flash on Arduino Uno after the 2,048 B reserve by 10,890 B; working memory 4,160 B exceeds the 1,792 B of SRAM on Arduino Uno after the 256 B reserve by 2,368 B',
    );
  });

  it('trains an architecture asked for during the last trial of the budget', async () => {
    const c = config({ budget: { trials: 1 } });
    const store = new MemoryStudyStore(newStudy(c));
    const architecture = { input: { height: 8, width: 8, channels: 1 }, classes: 10, layers: [{ type: 'conv' as const, filters: 4, kernel: 3, stride: 2, padding: 'same' as const }, { type: 'flatten' as const }] };
    const pending: TrialRequest[] = [];
    const final = await runStudy(store.study, {
      store,
      dataset: digits,
      backend,
      // The user asks while trial 0, the last of the budget, is training.
      onTrial: (t) => {
        if (t.index === 0 && t.status === 'running') pending.push({ architecture, pruning: { method: 'none', sparsity: 0 } });
      },
      takeRequested: () => pending.shift(),
    });
    expect(final.status).toBe('completed');
    expect(store.trials.map((t) => [t.index, t.status])).toEqual([[0, 'completed'], [1, 'completed']]);
    expect(store.trials[1]!.architecture).toEqual(architecture);
  });

  it('refuses, in words, a requested architecture made for another dataset or with a bad pruning', () => {
    const study = newStudy(config());
    const mnistNet = { input: { height: 28, width: 28, channels: 1 }, classes: 10, layers: [{ type: 'flatten' }] };
    expect(() => requestedTrial(study, 0, { architecture: mnistNet as never, pruning: { method: 'none', sparsity: 0 } })).toThrow(
      "the architecture takes 28×28×1 inputs and 10 classes; this study's dataset has 8×8×1 and 10",
    );
    expect(() => requestedTrial(study, 0, { architecture: { ...mnistNet, layers: [{ type: 'conv3d' }] } as never, pruning: { method: 'none', sparsity: 0 } })).toThrow(
      'the architecture is not valid: layers[0]: unknown layer type "conv3d"',
    );
    const digitsNet = { ...mnistNet, input: { height: 8, width: 8, channels: 1 } };
    expect(() => requestedTrial(study, 0, { architecture: digitsNet as never, pruning: { method: 'magnitude', sparsity: 1 } })).toThrow('the pruning must be one of');
    expect(requestedTrial(study, 4, { architecture: digitsNet as never, pruning: { method: 'none', sparsity: 0 } })).toMatchObject({ id: 'study-test.4', index: 4, status: 'queued' });
  });

  describe('over IndexedDB, when something throws (issue 14)', () => {
    it('stores the study failed, with the reason, when no candidate fits the targets, and rethrows', async () => {
      const speck = { id: 'speck', name: 'Speck', core: 'avr8', clockMhz: 8, sramBytes: 64, flashBytes: 1024 };
      const db = await freshDatabase();
      const study = await createStudy(db, config({ targets: [speck] }), { id: 'study-infeasible' });
      await noLeaks(async () => {
        await expect(runStudy(study, { store: indexedDbStudyStore(db), dataset: digits, backend })).rejects.toThrow(InfeasibleSearchError);
      });
      const stored = await getStudy(db, study.id);
      expect(stored?.status).toBe('failed');
      expect(stored?.statusReason).toMatch(
        /^none of [\d,]+ candidates drawn from the search space fits Speck in paper accounting \(the smallest needed [\d,]+ B of model size and [\d,]+ B of working memory, against 1,024 B and 64 B available\): the limits are too tight for this space\. Choose a target with more memory/,
      );
      expect(await listTrials(db, study.id)).toEqual([]);
      db.close();
    });

    it('stores the study failed when the storage is full, in words, keeps the trials stored before, and queues the one it could not save', async () => {
      const db = await freshDatabase();
      const study = await createStudy(db, config({ budget: { trials: 3 }, pruning: { methods: ['none'], sparsity: { min: 0, max: 0 } } }), { id: 'study-quota' });
      // Puts of trials: 0 running, 0 completed, 1 running, 1 completed (the 4th: refused, the storage is full).
      const restore = replaceWrite('put', 'trials', quotaAtOnce, 4);
      const written: StudyTrial[] = [];
      let thrown: unknown;
      try {
        await noLeaks(async () => {
          thrown = await runStudy(study, { store: indexedDbStudyStore(db), dataset: digits, backend, onTrial: (t) => written.push(t) }).catch((e: unknown) => e);
        });
      } finally {
        restore();
      }
      const message = `the browser's storage for this page is full: could not save trial 1 ("study-quota.1") of the study "study-quota"; free space on this computer or delete old studies (export them first to keep them)`;
      expect(thrown).toBeInstanceOf(StorageError);
      expect((thrown as StorageError).problem).toBe('quota');
      expect((thrown as Error).message).toBe(message);
      expect(await getStudy(db, study.id)).toMatchObject({ status: 'failed', statusReason: message });
      const stored = await listTrials(db, study.id);
      expect(stored.map((t) => [t.index, t.status])).toEqual([
        [0, 'completed'],
        [1, 'queued'],
      ]);
      expect(stored[0]).toEqual(written.find((t) => t.index === 0 && t.status === 'completed'));
      db.close();
    });
  });

  describe('with early stopping (multi-fidelity)', () => {
    // Three small networks that learn, then a larger one that cannot (1×1 convolutions and a global
    // average: no spatial information), judged after its first epoch against the three.
    const small = { input: { height: 8, width: 8, channels: 1 }, classes: 10, layers: [{ type: 'conv', filters: 4, kernel: 3, stride: 2, padding: 'same' }, { type: 'flatten' }] };
    const hopeless = {
      input: { height: 8, width: 8, channels: 1 },
      classes: 10,
      layers: [
        { type: 'conv', filters: 8, kernel: 1, stride: 1, padding: 'same' },
        { type: 'conv', filters: 8, kernel: 1, stride: 1, padding: 'same' },
        { type: 'globalAvgPool' },
        { type: 'dense', units: 64 },
      ],
    };
    const requests = (): TrialRequest[] =>
      [small, small, small, hopeless].map((architecture) => ({ architecture: architecture as never, pruning: { method: 'none', sparsity: 0 } }));
    const run = async (earlyStopping: boolean): Promise<StudyTrial[]> => {
      const c = config({ epochs: 3, learningRate: 1e-2, batchSize: 32, budget: { trials: 1 }, earlyStopping });
      const store = new MemoryStudyStore(newStudy(c, `early-${earlyStopping}`));
      const pending = requests();
      await noLeaks(async () => {
        await runStudy(store.study, { store, dataset: digits, backend, takeRequested: () => pending.shift() });
      });
      return store.trials;
    };

    it('stops a trial below the median of earlier trials at most as large, keeps its measurements, and leaves it off the front', async () => {
      const trials = await run(true);
      const [a, b, c, d] = trials;
      expect([a, b, c].map((t) => [t!.status, t!.metrics!.epochsRun, t!.metrics!.valAccuracyByEpoch!.length])).toEqual([
        ['completed', 3, 3],
        ['completed', 3, 3],
        ['completed', 3, 3],
      ]);
      expect(d!.status).toBe('stopped');
      expect(d!.stopReason).toMatch(/^epoch 1: validation accuracy \d+\.\d % is below the median \(\d+\.\d %\) of the 3 earlier trials at most as large, at that epoch$/);
      expect(d!.metrics!.epochsRun).toBe(1);
      expect(d!.metrics!.valAccuracyByEpoch).toHaveLength(1);
      expect(d!.resources!.params).toBeGreaterThan(0);
      const front = paretoFrontIds(trials, config({ earlyStopping: true }));
      expect(front).not.toContain(d!.id);
    });

    it('trains every trial for all its epochs when it is off', async () => {
      const trials = await run(false);
      expect(trials.map((t) => [t.status, t.metrics!.epochsRun])).toEqual([
        ['completed', 3],
        ['completed', 3],
        ['completed', 3],
        ['completed', 3],
      ]);
    });
  });
});
