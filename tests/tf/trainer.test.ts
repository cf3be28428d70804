import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluate } from '../../src/tf/evaluate.ts';
import { Network } from '../../src/tf/network.ts';
import { type TrainProgress, train } from '../../src/tf/trainer.ts';
import { uploadImageSet, disposeDeviceImageSet } from '../../src/tf/device-data.ts';
import { noLeaks } from './leaks.ts';
import { shapesCnn, shapesSet } from './synthetic.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const trainSet = shapesSet(320, 'train');
const validation = shapesSet(80, 'validation');
const testSet = shapesSet(160, 'test');

describe('train', () => {
  it('learns the shapes well above chance (25 %), and reports throughput', () =>
    noLeaks(async () => {
      const network = Network.create(shapesCnn, { seed: 1 });
      const progress: TrainProgress[] = [];
      const result = await train(network, trainSet, {
        epochs: 8,
        batchSize: 32,
        learningRate: 0.01,
        seed: 1,
        validation,
        onProgress: (p) => progress.push(p),
      });
      const test = await evaluate(network, testSet);
      console.info(
        `shapes: test accuracy ${test.accuracy.toFixed(3)}, val ${result.finalValAccuracy?.toFixed(3)}, ` +
          `${result.timings.samplesPerSecond.toFixed(0)} samples/s on tfjs-cpu, ${result.timings.totalMs.toFixed(0)} ms`,
      );
      expect(test.accuracy).toBeGreaterThan(0.85);
      expect(result.epochsRun).toBe(8);
      expect(result.stopReason).toBe('completed');
      expect(result.steps).toBe(8 * 10);
      expect(result.samplesSeen).toBe(8 * 320);
      expect(result.trainLoss).toHaveLength(8);
      expect(result.trainLoss.at(-1)!).toBeLessThan(result.trainLoss[0]!);
      expect(result.extraLoss.every((l) => l === 0)).toBe(true);
      expect(result.timings.samplesPerSecond).toBeGreaterThan(0);
      // One report at least per epoch end, each with the epoch's validation accuracy.
      const ends = progress.filter((p) => p.batch === p.batches);
      expect(ends.map((p) => p.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(ends.every((p) => p.loss !== undefined && Number.isFinite(p.loss) && p.valAccuracy !== undefined)).toBe(true);
      expect(ends.at(-1)!.etaSeconds).toBeCloseTo(0, 5);
      network.dispose();
    }));

  it('is deterministic under a seed on the cpu backend', () =>
    noLeaks(async () => {
      const run = async () => {
        const network = Network.create(shapesCnn, { seed: 7 });
        const result = await train(network, trainSet, { epochs: 2, batchSize: 16, seed: 'same', validation });
        const weights = await network.getWeights();
        network.dispose();
        return { losses: result.trainLoss, accuracy: result.valAccuracy, weights };
      };
      const [a, b] = [await run(), await run()];
      expect(b.losses).toEqual(a.losses);
      expect(b.accuracy).toEqual(a.accuracy);
      expect(b.weights).toEqual(a.weights);
      const network = Network.create(shapesCnn, { seed: 7 });
      const other = await train(network, trainSet, { epochs: 2, batchSize: 16, seed: 'other', validation });
      expect(other.trainLoss).not.toEqual(a.losses);
      network.dispose();
    }));

  it('stops early and restores the weights of the best epoch', () =>
    noLeaks(async () => {
      const network = Network.create(shapesCnn, { seed: 2 });
      let bestWeights: Float32Array[] = [];
      const result = await train(network, trainSet, {
        epochs: 10,
        learningRate: 0.01,
        seed: 2,
        validation,
        earlyStopping: { patience: 2 },
        // From epoch 3 on, wreck the kernels after every step: validation accuracy falls to chance.
        beforeBatch: async ({ epoch, batch }) => {
          if (epoch === 3 && batch === 1) bestWeights = (await network.getWeights()).map((w) => w.kernel);
        },
        afterStep: ({ epoch }) => {
          if (epoch >= 3) for (const op of network.ops) op.kernel.assign(tf.zerosLike(op.kernel));
        },
      });
      expect(result.stopReason).toBe('early-stopped');
      expect(result.bestEpoch).toBe(2);
      expect(result.epochsRun).toBe(4);
      expect(result.restoredBest).toBe(true);
      expect(result.valAccuracy[1]!).toBeGreaterThan(result.valAccuracy[3]!);
      expect((await network.getWeights()).map((w) => w.kernel)).toEqual(bestWeights);
      expect(result.finalValAccuracy).toBe(result.bestValAccuracy);
      expect((await evaluate(network, validation)).accuracy).toBe(result.bestValAccuracy);
      network.dispose();
    }));

  it('keeps masked weights at exactly zero through training, masks changed by a hook included', () =>
    noLeaks(async () => {
      const network = Network.create(shapesCnn, { seed: 3 });
      const half = (size: number, offset: number) => new Float32Array(size).map((_, i) => ((i + offset) % 2 === 0 ? 1 : 0));
      network.ops.forEach((op) => network.setMask(op.index, half(op.kernel.size, 0)));
      await train(network, trainSet, {
        epochs: 2,
        seed: 3,
        // A pruning schedule would do this: a new, sparser mask halfway through.
        afterStep: ({ step }) => {
          if (step === 10) network.setMask(0, new Float32Array(network.ops[0]!.kernel.size).map((_, i) => (i % 4 === 0 ? 1 : 0)));
        },
      });
      const weights = await network.getWeights();
      for (const w of weights) {
        w.kernel.forEach((value, i) => {
          if (w.mask![i] === 0) expect(Math.abs(value)).toBe(0); // −0 is fine: it is 0 in int8 too
        });
      }
      const nonzero = await network.nonzeroWeights();
      expect(nonzero[0]).toBeLessThanOrEqual(72 / 4);
      expect(nonzero[1]).toBeLessThanOrEqual(network.ops[1]!.kernel.size / 2);
      network.dispose();
    }));

  it('stops between batches when aborted, and honours a pausing hook', () =>
    noLeaks(async () => {
      const network = Network.create(shapesCnn, { seed: 4 });
      const controller = new AbortController();
      let paused = 0;
      // The trainer also takes a split already on the device, and leaves it there.
      const device = uploadImageSet(trainSet);
      const result = await train(network, device, {
        epochs: 5,
        batchSize: 32,
        signal: controller.signal,
        beforeBatch: async ({ step }) => {
          if (step === 3) {
            paused++;
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
          if (step === 13) controller.abort();
        },
      });
      expect(paused).toBe(1);
      expect(result.stopReason).toBe('aborted');
      expect(result.steps).toBe(13);
      expect(result.epochsRun).toBe(1);
      expect(device.images.isDisposed).toBe(false);
      disposeDeviceImageSet(device);
      network.dispose();
    }));

  it('adds an extra loss term to the gradient and reports it', () =>
    noLeaks(async () => {
      const network = Network.create(shapesCnn, { seed: 5 });
      const weightNorm = () => tf.addN(network.ops.map((op) => op.kernel.square().sum())) as tf.Scalar;
      const before = tf.tidy(() => weightNorm().dataSync()[0]!);
      const result = await train(network, trainSet, { epochs: 2, seed: 5, extraLoss: () => weightNorm().mul(0.5) });
      const after = tf.tidy(() => weightNorm().dataSync()[0]!);
      expect(result.extraLoss.every((l) => l > 0 && Number.isFinite(l))).toBe(true);
      expect(after).toBeLessThan(before);
      network.dispose();
    }));

  it('stops after the epoch a judge says so, with its reason, and restores the best weights', () =>
    noLeaks(async () => {
      const network = Network.create(shapesCnn, { seed: 2 });
      const judged: number[] = [];
      const seen: number[] = [];
      const result = await train(network, trainSet, {
        epochs: 5,
        seed: 2,
        learningRate: 0.01,
        validation,
        afterEpoch: ({ epoch, valAccuracy }) => {
          judged.push(epoch);
          seen.push(valAccuracy);
          return epoch === 2 ? `epoch ${epoch}: below the median` : undefined;
        },
      });
      expect(judged).toEqual([1, 2]);
      // The judge sees each epoch's validation accuracy, the one the result records.
      expect(seen).toEqual(result.valAccuracy);
      expect(result.stopReason).toBe('stopped');
      expect(result.stopMessage).toBe('epoch 2: below the median');
      expect(result.epochsRun).toBe(2);
      expect(result.valAccuracy).toHaveLength(2);
      network.dispose();
    }));

  it('does not count a judgement after the last epoch as a stop: there is nothing left to save', () =>
    noLeaks(async () => {
      const network = Network.create(shapesCnn, { seed: 2 });
      const result = await train(network, trainSet, { epochs: 2, seed: 2, validation, afterEpoch: () => 'always' });
      expect([result.stopReason, result.epochsRun]).toEqual(['stopped', 1]);
      const last = await train(network, trainSet, { epochs: 1, seed: 2, validation, afterEpoch: () => 'always' });
      expect([last.stopReason, last.stopMessage]).toEqual(['completed', undefined]);
      network.dispose();
    }));

  it('smooths the labels: the loss of a confident right answer no longer falls to 0', () =>
    noLeaks(async () => {
      // The same network and data; with ε = 0.2 the targets are 0.85 / 0.05, so the cross-entropy has a floor.
      const run = async (labelSmoothing: number): Promise<number> => {
        const network = Network.create(shapesCnn, { seed: 3 });
        const result = await train(network, trainSet, { epochs: 6, seed: 3, learningRate: 0.02, labelSmoothing });
        network.dispose();
        return result.trainLoss.at(-1)!;
      };
      const plain = await run(0);
      const smoothed = await run(0.2);
      // The entropy of (0.85, 0.05, 0.05, 0.05) is 0.58: a smoothed loss cannot go below it.
      expect(smoothed).toBeGreaterThan(0.58);
      expect(plain).toBeLessThan(smoothed);
    }));

  it('trains with random shifts and still learns the shapes', () =>
    noLeaks(async () => {
      const network = Network.create(shapesCnn, { seed: 4 });
      await train(network, trainSet, { epochs: 8, seed: 4, learningRate: 0.01, maxShift: 1 });
      expect((await evaluate(network, testSet)).accuracy).toBeGreaterThan(0.8);
      network.dispose();
    }));

  it('rejects bad options and data in words, leaving nothing behind', () =>
    noLeaks(async () => {
      const network = Network.create(shapesCnn);
      await expect(train(network, trainSet, { epochs: 1, afterEpoch: () => undefined })).rejects.toThrow(/judging each epoch \(afterEpoch\) needs a validation set/);
      await expect(train(network, trainSet, { epochs: 1, labelSmoothing: 1 })).rejects.toThrow('train: label smoothing must be at least 0 and below 1, got 1');
      await expect(train(network, trainSet, { epochs: 1, maxShift: 1.5 })).rejects.toThrow('train: the shift must be a whole number of pixels, got 1.5');
      await expect(train(network, trainSet, { epochs: 0 })).rejects.toThrow(/number of epochs must be a positive integer/);
      await expect(train(network, trainSet, { epochs: 1, earlyStopping: { patience: 1 } })).rejects.toThrow(/needs a validation set/);
      const wrongLabels = { ...trainSet, labels: trainSet.labels.map(() => 9) };
      await expect(train(network, wrongLabels, { epochs: 1 })).rejects.toThrow(/label 9, but the network has 4 classes/);
      const wrongSize = { ...trainSet, height: 4, width: 16 };
      await expect(train(network, wrongSize, { epochs: 1 })).rejects.toThrow(/4×16×1 images, but the network takes 8×8×1/);
      network.dispose();
    }));
});
