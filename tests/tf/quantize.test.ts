import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluate } from '../../src/tf/evaluate.ts';
import { Network } from '../../src/tf/network.ts';
import { calibrateActivations, compareInt8, evaluateInt8, fakeQuantizeActivation, int8SoftmaxLogits, predictInt8, quantizeKernel } from '../../src/tf/quantize.ts';
import { train } from '../../src/tf/trainer.ts';
import { noLeaks } from './leaks.ts';
import { shapesCnn, shapesSet } from './synthetic.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('int8 quantisation (simulated)', () => {
  it('quantises a conv kernel per output channel: ≤ 255 levels each, the extremes kept, zeros kept', () =>
    noLeaks(() => {
      tf.tidy(() => {
        // Channel 1 is 100× smaller than channel 0: per-tensor scales would flatten it to zero.
        const kernel = tf.tensor4d([0.5, 0.004, -1.27, -0.0127, 0, 0, 0.3333, 0.001], [2, 2, 1, 2]);
        const q = quantizeKernel(kernel, { kind: 'conv', channelAxis: 3 });
        const values = Array.from(q.dataSync());
        const channel = (c: number) => values.filter((_, i) => i % 2 === c);
        expect(Math.max(...channel(0).map(Math.abs))).toBeCloseTo(1.27, 6);
        expect(Math.max(...channel(1).map(Math.abs))).toBeCloseTo(0.0127, 6);
        expect(values[4]).toBe(0);
        // Every value is a multiple of its channel's scale (max |w| / 127), within half a step.
        channel(0).forEach((v) => expect(Math.abs(v / 0.01 - Math.round(v / 0.01))).toBeLessThan(1e-3));
        channel(1).forEach((v) => expect(Math.abs(v / 0.0001 - Math.round(v / 0.0001))).toBeLessThan(1e-3));
        const original = Array.from(kernel.dataSync());
        values.forEach((v, i) => expect(Math.abs(v - original[i]!)).toBeLessThanOrEqual((i % 2 === 0 ? 0.01 : 0.0001) / 2 + 1e-7));
      });
    }));

  it('fake-quantises activations asymmetrically, with 0 exact and errors within half a step', () =>
    noLeaks(() => {
      tf.tidy(() => {
        const x = tf.tensor1d([0, 0.1, 2.5, 6, 7, -1]);
        const range = { min: 0.05, max: 6 };
        const q = Array.from(fakeQuantizeActivation(x, range).dataSync());
        const step = 6 / 255; // the range is widened to [0, 6] so that 0 is exact
        expect(q[0]).toBe(0);
        expect(Math.abs(q[1]! - 0.1)).toBeLessThanOrEqual(step / 2 + 1e-6);
        expect(Math.abs(q[2]! - 2.5)).toBeLessThanOrEqual(step / 2 + 1e-6);
        expect(q[4]).toBeCloseTo(6, 5); // clipped to the calibrated range
        expect(q[5]).toBe(0);
      });
    }));

  it('takes the class from the int8 softmax: logits a level apart tie, and the first wins', () =>
    noLeaks(() => {
      tf.tidy(() => {
        // Softmax of [2, 2.001, −5] is about [0.4998, 0.5002, 0.0005]: the same level, 128 of 256.
        const logits = tf.tensor2d([
          [2, 2.001, -5],
          [0, 3, 0],
        ]);
        const levels = int8SoftmaxLogits(logits);
        expect(Array.from(levels.argMax(1).dataSync())).toEqual([0, 1]);
        expect(Array.from(logits.argMax(1).dataSync())).toEqual([1, 1]);
        // A softmax of them gives back the quantised probabilities (within the 1/512 floor).
        const back = Array.from(tf.softmax(levels).dataSync());
        expect(back[0]).toBeCloseTo(back[1]!, 6);
      });
    }));

  it("keeps a trained network's accuracy close to float, without leaks", () =>
    noLeaks(async () => {
      const trainSet = shapesSet(320, 'train');
      const testSet = shapesSet(160, 'test');
      const network = Network.create(shapesCnn, { seed: 1 });
      await train(network, trainSet, { epochs: 6, learningRate: 0.01, seed: 1 });
      const ranges = await calibrateActivations(network, trainSet, { calibrationSamples: 128 });
      expect(ranges).toHaveLength(network.activationPoints);
      // As the exported graph has them: the input's whole 0–1, and the max pool (point 2) keeps the conv's (point 1) range.
      expect(ranges[0]).toEqual({ min: 0, max: 1 });
      expect(ranges[2]).toBe(ranges[1]);
      expect(ranges[3]).not.toBe(ranges[1]);
      // The predicted classes are those the int8 accuracy counts.
      const predictions = await predictInt8(network, testSet, ranges);
      const correct = predictions.reduce((n, c, i) => n + (c === testSet.labels[i] ? 1 : 0), 0);
      expect(correct / testSet.count).toBe((await evaluateInt8(network, testSet, ranges)).accuracy);
      const { float, int8 } = await compareInt8(network, { calibration: trainSet, test: testSet }, { calibrationSamples: 128 });
      console.info(`shapes: float test accuracy ${float.accuracy.toFixed(3)}, int8 ${int8.accuracy.toFixed(3)}`);
      expect(float.accuracy).toBe((await evaluate(network, testSet)).accuracy);
      expect(float.accuracy).toBeGreaterThan(0.8);
      expect(Math.abs(int8.accuracy - float.accuracy)).toBeLessThanOrEqual(0.03);
      expect(int8.loss).not.toBe(float.loss);
      network.dispose();
    }));
});
