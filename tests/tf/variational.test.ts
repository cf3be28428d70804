import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Network } from '../../src/tf/network.ts';
import { train } from '../../src/tf/trainer.ts';
import { klDivergence, logAlpha, logAlphaThreshold, networkKl } from '../../src/tf/variational.ts';
import { noLeaks } from './leaks.ts';
import { shapesCnn, shapesSet } from './synthetic.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('Sparse Variational Dropout', () => {
  it('has a KL that is finite, ≥ 0 up to the fit, and falls as log α rises', () =>
    noLeaks(() => {
      const values = [-10, -5, 0, 3, 5, 10].map((la) => tf.tidy(() => klDivergence(tf.tensor1d([la])).dataSync()[0]!));
      expect(values.every(Number.isFinite)).toBe(true);
      for (let i = 1; i < values.length; i++) expect(values[i]!).toBeLessThan(values[i - 1]!);
      // At log α = −10: −KL ≈ k1·σ(k2 − 10·k3) − ½·softplus(10) − k1 ≈ −(0.63576 + 5.0000227).
      expect(values[0]!).toBeCloseTo(0.63576 + 5.0000227, 3);
      expect(values.at(-1)!).toBeGreaterThan(-1e-3);
      expect(values.at(-1)!).toBeLessThan(1e-3);
    }));

  it('samples finite outputs while training, the same for the same noise seed', () =>
    noLeaks(() => {
      const network = Network.create(shapesCnn, { seed: 1 });
      network.enableVariationalDropout();
      expect(network.trainableVariables()).toHaveLength(3 * network.ops.length);
      const x = tf.randomUniform([5, 8, 8, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
      const [a, b, c] = [1, 1, 2].map((noiseSeed) => network.apply(x, { training: true, noiseSeed }));
      expect(Array.from(a!.dataSync()).every(Number.isFinite)).toBe(true);
      expect(Array.from(b!.dataSync())).toEqual(Array.from(a!.dataSync()));
      expect(Array.from(c!.dataSync())).not.toEqual(Array.from(a!.dataSync()));
      const kl = networkKl(network.ops);
      expect(Number.isFinite(kl.dataSync()[0]!)).toBe(true);
      expect(kl.dataSync()[0]!).toBeGreaterThan(0);
      tf.dispose([x, a!, b!, c!, kl]);
      network.dispose();
    }));

  it('drops weights with log α > 3 at evaluation, and pruneByLogAlpha makes it a mask', () =>
    noLeaks(async () => {
      const network = Network.create(shapesCnn, { seed: 2 });
      // log σ² = −30 keeps a weight whatever θ is (log α ≤ −30 − log 1e-8 < 3); every other weight
      // of the conv gets log σ² = 10 instead, far above the threshold.
      network.enableVariationalDropout(-30);
      const conv = network.ops[0]!;
      const noisy = new Float32Array(conv.kernel.size).map((_, i) => (i % 2 === 0 ? 10 : -30));
      network.setLogSigma2(0, noisy);
      const la = logAlpha(conv);
      const above = Array.from(la.dataSync()).filter((v) => v > logAlphaThreshold).length;
      la.dispose();
      expect(above).toBe(conv.kernel.size / 2);
      expect((await network.nonzeroWeights())[0]).toBe(conv.kernel.size / 2);

      // The same network with those weights zeroed by hand gives the same logits at evaluation.
      const x = tf.randomUniform([4, 8, 8, 1], 0, 1, 'float32', 5) as tf.Tensor4D;
      const thresholded = network.apply(x);
      const weights = await network.getWeights();
      const manual = Network.create(shapesCnn);
      manual.setWeights(weights.map((w, i) => ({ ...w, logSigma2: null, kernel: i === 0 ? w.kernel.map((v, j) => (j % 2 === 0 ? 0 : v)) : w.kernel })));
      manual.disableVariationalDropout();
      const expected = manual.apply(x);
      expect(Array.from(thresholded.dataSync())).toEqual(Array.from(expected.dataSync()));

      network.pruneByLogAlpha();
      expect(network.variationalDropout).toBe(false);
      expect(network.ops[0]!.mask).not.toBeNull();
      expect((await network.nonzeroWeights())[0]).toBe(conv.kernel.size / 2);
      const pruned = network.apply(x);
      expect(Array.from(pruned.dataSync())).toEqual(Array.from(expected.dataSync()));
      tf.dispose([x, thresholded, expected, pruned]);
      manual.dispose();
      network.dispose();
    }));

  it('trains with the KL as an extra loss: finite losses, and weights get dropped', () =>
    noLeaks(async () => {
      const trainSet = shapesSet(256, 'svd');
      const network = Network.create(shapesCnn, { seed: 3 });
      const before = await network.nonzeroWeights();
      network.enableVariationalDropout();
      const result = await train(network, trainSet, {
        epochs: 4,
        learningRate: 0.01,
        seed: 3,
        // A heavy KL weight, so that a few epochs are enough to drop weights.
        extraLoss: () => networkKl(network.ops).mul(20 / trainSet.count),
      });
      expect(result.trainLoss.every(Number.isFinite)).toBe(true);
      expect(result.extraLoss.every((l) => Number.isFinite(l) && l > 0)).toBe(true);
      expect(result.extraLoss.at(-1)!).toBeLessThan(result.extraLoss[0]!);
      const after = await network.nonzeroWeights();
      expect(after.reduce((a, b) => a + b)).toBeLessThan(before.reduce((a, b) => a + b));
      network.dispose();
    }));
});
