/** One trial end to end on the built-in digits, for each pruning method the CLI test does not cover. */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseArchitecture } from '../../src/core/architecture.ts';
import { measurementFromNonzero } from '../../src/core/ops.ts';
import { estimate } from '../../src/core/resources.ts';
import { findPresetTarget } from '../../src/core/targets.ts';
import { loadBuiltinDataset } from '../../src/data/builtin.ts';
import type { Dataset } from '../../src/data/dataset.ts';
import { nodeReader } from '../../src/data/read-node.ts';
import { TrialAbortedError, TrialConfigError, type TrialProgress, runTrainingTrial } from '../../src/engine/train-trial.ts';
import { noLeaks } from '../tf/leaks.ts';

const architecture = parseArchitecture(JSON.parse(readFileSync('examples/digits-cnn.json', 'utf8')));
const uno = findPresetTarget('arduino-uno')!;
let digits: Dataset;
beforeAll(async () => {
  await tf.setBackend('cpu');
  digits = await loadBuiltinDataset('digits', nodeReader());
});

const base = () => ({ id: 't', architecture, dataset: digits, targets: [uno], epochs: 4, seed: 3, backend: { name: 'cpu', reason: 'test' } });

describe('runTrainingTrial', { timeout: 120_000 }, () => {
  it('without pruning: reports accuracies, measured resources and progress, and leaks nothing', async () => {
    const phases = new Set<string>();
    await noLeaks(async () => {
      const { record, network } = await runTrainingTrial({ ...base(), onProgress: (p: TrialProgress) => phases.add(p.phase) });
      network.dispose();
      expect(record.metrics.testAccuracy).toBeGreaterThan(0.5);
      expect(record.metrics.sparsity).toBe(0);
      expect(record.metrics.nonzeroWeights).toBe(record.metrics.totalWeights);
      const e = estimate(architecture, [uno]);
      expect(record.resources).toMatchObject({ params: e.params, modelSizeBytes: e.paper.modelSizeBytes, flashBytes: e.targets[0]!.deploy.flashBytes });
      expect(record.hyperparameters.pruning).toEqual({ method: 'none', sparsity: 0, fineTuneEpochs: 0 });
    });
    expect([...phases]).toEqual(['training', 'evaluating']);
  });

  it('magnitude: reaches the sparsity and measures the model size from the non-zero weights', async () => {
    await noLeaks(async () => {
      const { record, network } = await runTrainingTrial({ ...base(), pruning: { method: 'magnitude', sparsity: 0.6, fineTuneEpochs: 3 } });
      network.dispose();
      const total = record.metrics.totalWeights;
      expect(record.metrics.nonzeroWeights).toBe(total - Math.floor(0.6 * total));
      // paper model size = non-zero weights + every bias
      expect(record.resources.modelSizeBytes).toBe(record.metrics.nonzeroWeights + (record.resources.params - total));
      expect(record.resources.modelSizeBytes).toBeLessThan(estimate(architecture, [uno]).paper.modelSizeBytes);
      // What the trial stores is enough to estimate it again, exactly, without its weights.
      expect(record.resources.nonzeroWeightsByOp!.reduce((a, b) => a + b, 0)).toBe(record.metrics.nonzeroWeights);
      const again = estimate(record.architecture, [uno], { measurement: measurementFromNonzero(record.architecture, record.resources.nonzeroWeightsByOp!) });
      expect([again.paper.modelSizeBytes, again.paper.workingMemoryBytes, again.targets[0]!.deploy.flashBytes, again.targets[0]!.deploy.sramBytes]).toEqual([
        record.resources.modelSizeBytes,
        record.resources.workingMemoryBytes,
        record.resources.flashBytes,
        record.resources.sramBytes,
      ]);
    });
  });

  it('svd: prunes by log α and the record says how sparse the result is', async () => {
    await noLeaks(async () => {
      const { record, network } = await runTrainingTrial({ ...base(), pruning: { method: 'svd', fineTuneEpochs: 4 } });
      network.dispose();
      expect(record.metrics.sparsity).toBeGreaterThan(0.3);
      expect(record.metrics.sparsity).toBeCloseTo(1 - record.metrics.nonzeroWeights / record.metrics.totalWeights, 12);
    });
  });

  it('stops between batches when aborted, and keeps nothing of the trial', async () => {
    const controller = new AbortController();
    let seen = 0;
    await noLeaks(async () => {
      const trial = runTrainingTrial({
        ...base(),
        epochs: 50,
        signal: controller.signal,
        onProgress: (p) => {
          seen = p.samplesSeen;
          if (p.samplesSeen > 100) controller.abort();
        },
      });
      await expect(trial).rejects.toThrow(new TrialAbortedError('t'));
    });
    expect(seen).toBeLessThan(3 * digits.train.count);
  });

  it('rejects data that does not fit the architecture before training', async () => {
    const mnistShaped = parseArchitecture(JSON.parse(readFileSync('examples/lenet-mnist.json', 'utf8')));
    await expect(runTrainingTrial({ ...base(), architecture: mnistShaped })).rejects.toThrow(TrialConfigError);
    await expect(runTrainingTrial({ ...base(), architecture: { ...architecture, classes: 3 } })).rejects.toThrow('the architecture has 3 classes, but digits has 10');
    await expect(runTrainingTrial({ ...base(), pruning: { method: 'magnitude', sparsity: 1 } })).rejects.toThrow('sparsity must be at least 0 and below 1, got 1');
  });
});
