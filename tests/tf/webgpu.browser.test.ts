/**
 * In Chromium (WebGPU on SwiftShader here, DESIGN.md §7): the probe picks WebGPU, and a small CNN
 * trains a few steps on it with finite losses and no leaks. Kept tiny: emulated WebGPU is slow.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/tf/backend.ts';
import { evaluate } from '../../src/tf/evaluate.ts';
import { Network } from '../../src/tf/network.ts';
import { train } from '../../src/tf/trainer.ts';
import { shapesCnn, shapesSet } from './synthetic.ts';

describe('training on WebGPU in Chromium', () => {
  it('chooses WebGPU by probing and trains a few steps with finite losses', async () => {
    const choice = await selectBackend();
    expect(choice.attempts[0]!.backend).toBe('webgpu');
    expect(choice.backend, choice.attempts.map((a) => `${a.backend}: ${a.reason}`).join('; ')).toBe('webgpu');
    expect(tf.getBackend()).toBe('webgpu');

    const before = tf.memory().numTensors;
    const network = Network.create(shapesCnn, { seed: 1 });
    const set = shapesSet(64, 'webgpu');
    const result = await train(network, set, { epochs: 2, batchSize: 16, learningRate: 0.01, seed: 1, lossEveryBatches: 2 });
    expect(result.steps).toBe(8);
    expect(result.trainLoss).toHaveLength(2);
    expect(result.trainLoss.every(Number.isFinite)).toBe(true);
    const { accuracy, loss } = await evaluate(network, set);
    expect(Number.isFinite(loss)).toBe(true);
    expect(accuracy).toBeGreaterThanOrEqual(0);
    const weights = await network.getWeights();
    expect(weights.every((w) => w.kernel.every(Number.isFinite))).toBe(true);
    network.dispose();
    expect(tf.memory().numTensors).toBe(before);
  }, 120_000);
});
