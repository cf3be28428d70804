/**
 * A trainer worker's API (parallel trials, issue 15) in Node, in-process: it loads the built-in
 * digits over HTTP as the worker fetches them, sets the backend it is told, trains a job to its
 * record and weights and frees the network; a stop ends the trial between batches with a
 * TrialAbortedError, a pause holds it until resumed; nothing leaks.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import type { TrialProgress } from '../../src/contracts/search-worker.ts';
import type { Architecture } from '../../src/core/architecture.ts';
import { findPresetTarget } from '../../src/core/targets.ts';
import type { TrialJob } from '../../src/engine/trial-trainer.ts';
import { TrialAbortedError } from '../../src/engine/train-trial.ts';
import { createTrainerApi } from '../../src/workers/trainer-api.ts';
import { serveBuiltinDatasets } from '../fixtures/datasets-server.ts';
import { noLeaks } from '../tf/leaks.ts';

const datasets = serveBuiltinDatasets();

const architecture: Architecture = {
  input: { height: 8, width: 8, channels: 1 },
  classes: 10,
  layers: [{ type: 'conv', filters: 4, kernel: 3, stride: 1, padding: 'same' }, { type: 'flatten' }],
};

const job = (id: string, epochs: number): TrialJob => ({
  id,
  architecture,
  targets: [findPresetTarget('stm32f446re')!],
  epochs,
  batchSize: 32,
  learningRate: 3e-3,
  warmupEpochs: 0,
  seed: 3,
  pruning: { method: 'magnitude', sparsity: 0.5, fineTuneEpochs: 1 },
});

const prepared = async (reports: [string, TrialProgress][] = []) => {
  const api = createTrainerApi();
  await api.prepare({ datasetsUrl: datasets.url(), dataset: 'digits', backend: { name: 'cpu', reason: 'the search worker chose it' } }, (id, p) => void reports.push([id, p]));
  return api;
};

describe('the trainer worker API', { timeout: 120_000 }, () => {
  it('trains a job to its record and weights, reports progress tagged with the job, and frees the network', async () => {
    const reports: [string, TrialProgress][] = [];
    const api = await prepared(reports);
    await noLeaks(async () => {
      const { record, weights } = await api.train(job('study-x.0', 1));
      expect(record.id).toBe('study-x.0');
      expect(record.backend).toEqual({ name: 'cpu', reason: 'the search worker chose it' });
      expect(record.metrics.valAccuracy).toBeGreaterThan(0.2);
      // Both ops of the network (the conv and the classifier), pruned to about half of the conv's weights.
      expect(weights.map((w) => [w.kind, w.kernelShape])).toEqual([
        ['conv', [3, 3, 1, 4]],
        ['dense', [256, 10]],
      ]);
      expect(weights[0]!.kernel).toBeInstanceOf(Float32Array);
    });
    expect(new Set(reports.map(([id]) => id))).toEqual(new Set(['study-x.0']));
    expect(reports.map(([, p]) => p.phase)).toContain('training');
    expect(reports.map(([, p]) => p.phase)).toContain('fine-tuning');
  });

  it('stops the running trial between batches with a TrialAbortedError, and trains the next one', async () => {
    const api = await prepared();
    await noLeaks(async () => {
      const training = api.train(job('study-x.1', 20));
      const stopping = new Promise<void>((resolve) => setTimeout(() => (api.stop(), resolve()), 300));
      await expect(training).rejects.toBeInstanceOf(TrialAbortedError);
      await stopping;
      // A stop with nothing running does nothing; the worker trains on.
      api.stop();
      expect((await api.train(job('study-x.2', 1))).record.id).toBe('study-x.2');
    });
  });

  it('holds a trial while paused and goes on when resumed', async () => {
    const reports: [string, TrialProgress][] = [];
    const api = await prepared(reports);
    await noLeaks(async () => {
      api.pause();
      const training = api.train(job('study-x.3', 1));
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(reports).toEqual([]);
      api.resume();
      expect((await training).record.id).toBe('study-x.3');
      expect(reports.length).toBeGreaterThan(0);
    });
  });

  it('refuses in words to train before it is prepared, or to be prepared twice', async () => {
    const api = createTrainerApi();
    await expect(api.train(job('study-x.4', 1))).rejects.toThrow('the trainer worker was not prepared for a study');
    await api.prepare({ datasetsUrl: datasets.url(), dataset: 'digits', backend: { name: 'cpu', reason: 'test' } });
    await expect(api.prepare({ datasetsUrl: datasets.url(), dataset: 'digits', backend: { name: 'cpu', reason: 'test' } })).rejects.toThrow(
      'this trainer worker is already prepared for a study',
    );
    expect(tf.getBackend()).toBe('cpu');
  });

  it('fails every trial with the reason when the dataset cannot be loaded', async () => {
    const api = createTrainerApi();
    await expect(api.prepare({ datasetsUrl: datasets.url(), dataset: 'no-such-dataset', backend: { name: 'cpu', reason: 'test' } })).rejects.toThrow('unknown dataset "no-such-dataset"');
    await expect(api.train(job('study-x.5', 1))).rejects.toThrow('unknown dataset "no-such-dataset"');
  });
});
