/**
 * In Chromium (WebGPU and WebGL on SwiftShader here, DESIGN.md §7): the probe times the CPU-side
 * backends, passes over the GPUs that a software renderer emulates (saying so), and takes the
 * fastest; forced, an emulated WebGPU is timed and trains a small CNN with finite losses; WASM (its
 * .wasm files served by Vite, as in the app) trains it to well above chance. Kept small: emulated
 * WebGPU is slow.
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
  const speed = { architecture: probeArchitecture({ height: side, width: side, channels: 1 }, classes), batchSize: 32 };

  it('are timed on a few training steps, emulated GPUs passed over, and the fastest is chosen', async () => {
    const choice = await selectBackend({ speed });
    const why = choice.attempts.map((a) => `${a.backend}: ${a.reason}`).join('; ');
    // CPU-side backends first: they set the bar, and a GPU emulated on the CPU is then not started.
    expect(choice.attempts.map((a) => [a.backend, a.ok]), why).toEqual([
      ['wasm', true],
      ['cpu', true],
      ['webgpu', false],
      ['webgl', false],
    ]);
    const [wasm, cpu, webgpu, webgl] = choice.attempts;
    expect(wasm!.samplesPerSecond! > 0 && cpu!.samplesPerSecond! > 0).toBe(true);
    const fastest = wasm!.samplesPerSecond! >= cpu!.samplesPerSecond! ? 'wasm' : 'cpu';
    expect(choice.backend).toBe(fastest);
    expect(tf.getBackend()).toBe(fastest);
    expect(wasm!.label).toMatch(/^WASM, SIMD, \d+ threads?/);
    const passedOver = 'not timed: emulated on the CPU (SwiftShader), it is slower than the CPU backends; choose it in the setup to time it anyway';
    expect([webgpu!.reason, webgl!.reason]).toEqual([passedOver, passedOver]);
    expect([webgpu!.label, webgl!.label]).toEqual(['WebGPU emulated on the CPU (SwiftShader)', 'WebGL emulated on the CPU (SwiftShader)']);
    expect(choice.reason).toMatch(new RegExp(`^fastest by training speed: ${fastest} \\(.*\\) [\\d,]+ samples/s; .* → ${fastest} \\(not used: webgpu, webgl\\)$`));
  }, 120_000);

  it('time an emulated WebGPU when it is asked for, and train a few steps on it with finite losses and no leaks', async () => {
    const forced = await selectBackend({ candidates: ['webgpu'], speed });
    expect(forced.backend).toBe('webgpu');
    expect(forced.attempts[0]!.samplesPerSecond).toBeGreaterThan(0);
    expect(forced.reason).toMatch(/^trained [\d,]+ samples\/s \(WebGPU emulated on the CPU \(SwiftShader\)\); the only backend asked for$/);
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
