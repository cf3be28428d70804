import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { train } from '../../src/tf/trainer.ts';
import { benchmarkImages, benchmarkTraining, benchmarkTrainingOn, plannedSamples } from '../../bench/training-benchmark.ts';
import { noLeaks } from '../tf/leaks.ts';
import { shapesCnn, shapesSet } from '../tf/synthetic.ts';

// The real trainer, watched: the test checks which images it was handed.
vi.mock('../../src/tf/trainer.ts', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/tf/trainer.ts')>();
  return { ...actual, train: vi.fn(actual.train) };
});

beforeAll(async () => {
  await tf.setBackend('cpu');
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.mocked(train).mockClear();
});

const set = shapesSet(40, 'bench');

describe('benchmarkTraining', () => {
  it('times our trainer and fit on the same images, with positive finite rates and no leaks', () =>
    noLeaks(async () => {
      // What fit is handed, read before the benchmark frees it.
      const fitInputs: { x: tf.Tensor; pixels: number[]; labels: number[] }[] = [];
      const originalFit = tf.Sequential.prototype.fit;
      vi.spyOn(tf.Sequential.prototype, 'fit').mockImplementation(async function (this: tf.Sequential, x, y, args) {
        const labels = tf.tidy(() => (y as tf.Tensor).argMax(1));
        fitInputs.push({ x: x as tf.Tensor, pixels: Array.from(await (x as tf.Tensor).data()), labels: Array.from(await labels.data()) });
        labels.dispose();
        return originalFit.call(this, x, y, args);
      });
      const phases: string[] = [];
      // 48 images from a set of 40: the first 40, then the first 8 again.
      const result = await benchmarkTraining(shapesCnn, set, {
        batchSize: 16,
        samples: 48,
        warmUpSamples: 16,
        rounds: 2,
        onProgress: (p) => phases.push(`${p.phase} ${p.trainer}`),
      });

      expect(result.backend).toBe('cpu');
      expect([result.samples, result.warmUpSamples, result.rounds, result.batchSize]).toEqual([48, 16, 2, 16]);
      for (const trainer of [result.ours, result.fit]) {
        expect(trainer.rounds).toHaveLength(2);
        expect(trainer.rounds.every((r) => Number.isFinite(r) && r > 0)).toBe(true);
        expect(trainer.samplesPerSecond).toBeGreaterThan(0);
        expect(Number.isFinite(trainer.lastEpochLoss)).toBe(true);
      }
      expect(result.oursOverFit).toBeCloseTo(result.ours.samplesPerSecond / result.fit.samplesPerSecond, 10);
      expect(result.probe).toBeUndefined();
      expect(phases).toEqual(['warm-up ours', 'warm-up fit', 'timed ours', 'timed fit', 'timed ours', 'timed fit']);

      // Same tensors for both, epoch by epoch: the warm-up images, then the timed ones.
      const ours = vi.mocked(train).mock.calls.map(([, data]) => data as { images: tf.Tensor });
      expect(ours).toHaveLength(3);
      expect(fitInputs).toHaveLength(3);
      ours.forEach((data, i) => expect(fitInputs[i]!.x).toBe(data.images));
      expect(ours[1]!.images).toBe(ours[2]!.images);
      expect(ours[0]!.images).not.toBe(ours[1]!.images);
      // ...and they are the images asked for, scaled to 0–1, with their labels one-hot for fit.
      const wanted = benchmarkImages(set, 48);
      expect(fitInputs[1]!.pixels).toHaveLength(48 * 64);
      expect(fitInputs[1]!.pixels.every((v, i) => Math.abs(v - wanted.images[i]! / 255) < 1e-6)).toBe(true);
      expect(fitInputs[1]!.labels).toEqual([...set.labels, ...set.labels.subarray(0, 8)]);
      expect(fitInputs[0]!.labels).toEqual([...set.labels.subarray(0, 16)]);
      // Freed after the run; the leak check around this test covers the rest.
      expect(ours[1]!.images.isDisposed).toBe(true);
    }));

  it('sizes the timed epoch from a probe of both trainers when no sample count is given', () =>
    noLeaks(async () => {
      const result = await benchmarkTraining(shapesCnn, set, { batchSize: 8, warmUpSamples: 8, rounds: 1, targetSeconds: 0.05, minSamples: 16, maxSamples: 32 });
      expect(result.probe?.ours).toBeGreaterThan(0);
      expect(result.probe?.fit).toBeGreaterThan(0);
      expect([16, 24, 32]).toContain(result.samples);
    }));

  it('reports a backend that cannot train here as skipped, with the reason', () =>
    noLeaks(async () => {
      const skipped = await benchmarkTrainingOn('webgl', shapesCnn, set, { samples: 16, warmUpSamples: 16, rounds: 1 });
      expect(skipped).toMatchObject({ backend: 'webgl', status: 'skipped' });
      expect(skipped.reason).toMatch(/not registered/);
      const measured = await benchmarkTrainingOn('cpu', shapesCnn, set, { batchSize: 16, samples: 16, warmUpSamples: 16, rounds: 1 });
      expect(measured.status).toBe('measured');
      expect(measured.reason).toMatch(/test convolution/);
    }));
});

describe('plannedSamples', () => {
  const options = { batchSize: 32, targetSeconds: 8, minSamples: 256, maxSamples: 16_384 };
  it('asks for about targetSeconds per round of both trainers, in whole batches, within the bounds', () => {
    // 1/200 + 1/600 s per image: 8 s is 1,200 images, 37.5 batches, rounded to 38.
    expect(plannedSamples({ ours: 200, fit: 600 }, options)).toBe(1216);
    expect(plannedSamples({ ours: 20, fit: 10 }, options)).toBe(256);
    expect(plannedSamples({ ours: 1e6, fit: 1e6 }, options)).toBe(16_384);
    expect(plannedSamples({ ours: 0, fit: 100 }, options)).toBe(256);
    expect(plannedSamples({ ours: Number.NaN, fit: 100 }, options)).toBe(256);
  });
});
