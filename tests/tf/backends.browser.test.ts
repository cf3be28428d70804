/**
 * In Chromium (WebGPU and WebGL on SwiftShader here, DESIGN.md §7): the probe times every backend the
 * browser offers and takes the fastest; a small CNN trains on WebGPU with finite losses, and on WASM
 * (its .wasm files served by Vite, as in the app) to well above chance. Kept small: emulated WebGPU
 * is slow.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/tf/backend.ts';
import { probeArchitecture } from '../../src/tf/backend-speed.ts';
import { evaluate } from '../../src/tf/evaluate.ts';
import { Network } from '../../src/tf/network.ts';
import { train } from '../../src/tf/trainer.ts';
import { useBundledWasmFiles } from '../../src/tf/wasm-files.ts';
import { classes, shapesCnn, shapesSet, side } from './synthetic.ts';

beforeAll(() => useBundledWasmFiles());

describe('the backends in Chromium', () => {
  it('are all timed on a few training steps, and the fastest is chosen', async () => {
    const choice = await selectBackend({ speed: { architecture: probeArchitecture({ height: side, width: side, channels: 1 }, classes), batchSize: 32 } });
    const why = choice.attempts.map((a) => `${a.backend}: ${a.reason}`).join('; ');
    // CPU-side backends first: they set the bar that lets a slow GPU emulation stop after one step.
    expect(choice.attempts.map((a) => a.backend), why).toEqual(['wasm', 'cpu', 'webgpu', 'webgl']);
    expect(choice.attempts.every((a) => a.ok && a.samplesPerSecond! > 0), why).toBe(true);
    const fastest = choice.attempts.reduce((a, b) => (b.samplesPerSecond! > a.samplesPerSecond! ? b : a));
    expect(choice.backend).toBe(fastest.backend);
    expect(tf.getBackend()).toBe(fastest.backend);
    expect(choice.attempts[0]!.label).toMatch(/^WASM, SIMD, \d+ threads?/);
    expect(choice.attempts.find((a) => a.backend === 'webgpu')!.label).toMatch(/^WebGPU on /);
    expect(choice.reason).toMatch(new RegExp(`^fastest by training speed: ${fastest.backend} \\(.*\\) [\\d,]+ samples/s; .* → ${fastest.backend}$`));
  }, 120_000);

  it('train a few steps on WebGPU with finite losses and no leaks', async () => {
    expect((await selectBackend({ candidates: ['webgpu'] })).backend).toBe('webgpu');
    const before = tf.memory().numTensors;
    const network = Network.create(shapesCnn, { seed: 1 });
    const set = shapesSet(64, 'webgpu');
    const result = await train(network, set, { epochs: 2, batchSize: 16, learningRate: 0.01, seed: 1, lossEveryBatches: 2 });
    expect(result.steps).toBe(8);
    expect(result.trainLoss).toHaveLength(2);
    expect(result.trainLoss.every(Number.isFinite)).toBe(true);
    const { loss } = await evaluate(network, set);
    expect(Number.isFinite(loss)).toBe(true);
    const weights = await network.getWeights();
    expect(weights.every((w) => w.kernel.every(Number.isFinite))).toBe(true);
    network.dispose();
    expect(tf.memory().numTensors).toBe(before);
  }, 120_000);

  it('train the shapes to well above chance on WASM, with no leaks', async () => {
    expect((await selectBackend({ candidates: ['wasm'] })).backend).toBe('wasm');
    const before = tf.memory().numTensors;
    const network = Network.create(shapesCnn, { seed: 1 });
    const result = await train(network, shapesSet(512, 'wasm-train'), { epochs: 8, batchSize: 32, learningRate: 0.01, seed: 1 });
    expect(result.trainLoss.every(Number.isFinite)).toBe(true);
    // Chance is 25 %; a held-out set of new images.
    const { accuracy } = await evaluate(network, shapesSet(256, 'wasm-test'));
    expect(accuracy).toBeGreaterThan(0.8);
    network.dispose();
    expect(tf.memory().numTensors).toBe(before);
  }, 120_000);
});
