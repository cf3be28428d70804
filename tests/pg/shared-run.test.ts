/**
 * The study loop on a shared PostgreSQL study (issue 15), where one process cannot see everything:
 * a worker that outlives the grace period without a heartbeat has its trial marked failed
 * (`workerLost`) by another and the slot proposed again; its late result is still kept (real work),
 * but a stop never queues such a trial again. And the worker that stores the study's end drops the
 * weights of trials off the front that some worker's view missed. Real tfjs training (cpu, the
 * built-in digits) against the run's throwaway PostgreSQL cluster.
 */
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Study, StudyTrial } from '../../src/contracts/study.ts';
import { loadBuiltinDataset } from '../../src/data/builtin.ts';
import type { Dataset } from '../../src/data/dataset.ts';
import { nodeReader } from '../../src/data/read-node.ts';
import { paretoFrontIds, runStudy } from '../../src/engine/study-runner.ts';
import { type TrialTrainer, inProcessTrainer } from '../../src/engine/trial-trainer.ts';
import { PgStudyStore } from '../../src/pg/store.ts';
import { loopConfig } from '../engine/loop-config.ts';
import { createDatabase } from '../fixtures/postgres-cluster.ts';
import { noLeaks } from '../tf/leaks.ts';

let digits: Dataset;
beforeAll(async () => {
  await tf.setBackend('cpu');
  digits = await loadBuiltinDataset('digits', nodeReader());
});
const stores: PgStudyStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close().catch(() => undefined)));
});

/** Two workers on one new study: `slow` sends no heartbeat in time (every 60 s); `other` marks lost after 1 s. */
async function twoWorkers(name: string): Promise<{ slow: PgStudyStore; other: PgStudyStore; study: Study }> {
  const url = await createDatabase(inject('postgresUrl'), `late_${process.pid}_${Date.now() % 1e6}_${name}`);
  const slow = await PgStudyStore.open(url, { worker: 'slow', heartbeatSeconds: 60, graceSeconds: 60 });
  const other = await PgStudyStore.open(url, { worker: 'other', graceSeconds: 1 });
  stores.push(slow, other);
  const config = loopConfig({ name, budget: { trials: 2 }, seed: 5 });
  const { study } = await slow.openStudy(name, (): Study => ({ id: `study-${name}`, config, status: 'running', createdAt: '2026-12-01T00:00:00.000Z', updatedAt: '2026-12-01T00:00:00.000Z' }));
  return { slow, other, study };
}
const backend = { name: 'cpu', reason: 'test' };
const lostError = 'its worker (slow) sent no heartbeat for 1 s: it stopped or lost its connection during the trial; the slot is proposed again';

describe('runStudy on a shared study, when another worker marks its trial lost', { timeout: 120_000 }, () => {
  it('keeps the late result: real work is never thrown away', async () => {
    const { slow, other, study } = await twoWorkers('late');
    const inner = inProcessTrainer(digits, backend);
    let first = true;
    const trainer: TrialTrainer = {
      async train(job, hooks) {
        const trained = await inner.train(job, hooks);
        if (first) {
          first = false;
          // Trained, but silent past the grace period: the other worker's claim marks the trial lost.
          await new Promise((resolve) => setTimeout(resolve, 1500));
          await other.claimTrial(study.id, () => undefined);
          expect((await other.listTrials(study.id)).map((t) => [t.status, t.workerLost])).toEqual([['failed', true]]);
        }
        return trained;
      },
    };
    const seen: StudyTrial[] = [];
    await noLeaks(async () => {
      const final = await runStudy(study, { store: slow, dataset: digits, backend, trainers: [trainer], onTrial: (t) => seen.push(t) });
      expect([final.status, final.statusReason]).toEqual(['completed', 'the budget of 2 trials is spent']);
    });
    expect((await other.listTrials(study.id)).map((t) => [t.index, t.status, t.workerLost])).toEqual([
      [0, 'completed', undefined],
      [1, 'completed', undefined],
    ]);
    expect(seen.filter((t) => t.index === 0).map((t) => t.status)).toEqual(['running', 'completed']);
  });

  it('stopped meanwhile, leaves the trial failed instead of queueing it, ends as stopped, and a resume trains the slot again', async () => {
    const { slow, other, study } = await twoWorkers('stopped');
    const inner = inProcessTrainer(digits, backend);
    const controller = new AbortController();
    let first = true;
    const trainer: TrialTrainer = {
      async train(job, hooks) {
        if (first) {
          first = false;
          await new Promise((resolve) => setTimeout(resolve, 1500));
          await other.claimTrial(study.id, () => undefined);
          // The user stops this worker before its next heartbeat would have told it.
          controller.abort();
        }
        return inner.train(job, hooks);
      },
    };
    const seen: StudyTrial[] = [];
    await noLeaks(async () => {
      const stopped = await runStudy(study, { store: slow, dataset: digits, backend, trainers: [trainer], signal: controller.signal, onTrial: (t) => seen.push(t) });
      expect([stopped.status, stopped.statusReason]).toEqual(['stopped', 'stopped by you']);
    });
    const lost = await other.listTrials(study.id);
    expect(lost.map((t) => [t.index, t.status, t.workerLost, t.error])).toEqual([[0, 'failed', true, lostError]]);
    expect(seen.map((t) => [t.index, t.status])).toEqual([
      [0, 'running'],
      [0, 'failed'],
    ]);
    await noLeaks(async () => {
      const final = await runStudy(study, { store: slow, dataset: digits, backend, trainers: [inner] });
      expect([final.status, final.statusReason]).toEqual(['completed', 'the budget of 2 trials is spent']);
    });
    expect((await other.listTrials(study.id)).map((t) => [t.index, t.status, t.workerLost])).toEqual([
      [0, 'failed', true],
      [1, 'completed', undefined],
      [2, 'completed', undefined],
    ]);
  });
});

describe('runStudy on a shared study, as it ends', { timeout: 120_000 }, () => {
  it("drops the weights of every trial off the front, those another worker's view missed too", async () => {
    const { slow: store, other, study } = await twoWorkers('sweep');
    const withBudget: Study = { ...study, config: { ...study.config, budget: { trials: 4 } } };
    await store.updateStudy(withBudget);
    await noLeaks(async () => {
      await runStudy(withBudget, { store, dataset: digits, backend, keepWeights: true });
    });
    const trials = await other.listTrials(study.id);
    const front = paretoFrontIds(trials, withBudget.config);
    const off = trials.filter((t) => !front.includes(t.id));
    expect(off.length).toBeGreaterThan(0);
    const kept = async (): Promise<string[]> => (await other.trialWeights(trials.map((t) => t.id))).map((w) => w.trialId).sort();
    expect(await kept()).toEqual([...front].sort());
    // As if a worker had stored a trial's weights without seeing the trial that pushed it off the front.
    const [weights] = await other.trialWeights([front[0]!]);
    await other.saveTrial(off[0]!, weights!.ops);
    expect(await kept()).toEqual([...front, off[0]!.id].sort());
    // A run on the spent study ends at once; the worker storing the end sweeps.
    await noLeaks(async () => {
      const final = await runStudy(withBudget, { store, dataset: digits, backend, keepWeights: true });
      expect(final.status).toBe('completed');
    });
    expect(await kept()).toEqual([...front].sort());
  });
});
