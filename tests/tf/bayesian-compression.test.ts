/**
 * Bayesian Compression on tfjs's cpu backend: the channel gates leave the network as it is at μ = 1,
 * their KL behaves as Molchanov et al.'s approximation says, gradients reach them, channels above
 * the threshold are removed for real without changing the logits, and a run on the built-in digits
 * ends with fewer channels and a useful accuracy. Nothing leaks.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expandOps } from '../../src/core/ops.ts';
import { loadBuiltinDataset } from '../../src/data/builtin.ts';
import type { Dataset } from '../../src/data/dataset.ts';
import { nodeReader } from '../../src/data/read-node.ts';
import { evaluate } from '../../src/tf/evaluate.ts';
import { type Network, createNetwork, gateLogAlpha } from '../../src/tf/network.ts';
import { bayesianCompression, bcLogAlphaThreshold, gateKl, removeGatedChannels } from '../../src/tf/pruning/bayesian-compression.ts';
import { removeChannels } from '../../src/tf/pruning/channels.ts';
import { train } from '../../src/tf/trainer.ts';
import type { StepContext } from '../../src/tf/train-options.ts';
import { klDivergence } from '../../src/tf/variational.ts';
import { everyOpKind } from '../fixtures/every-op-kind.ts';
import { noLeaks } from './leaks.ts';

/** Every kind of gated op: conv, a separableConv's pointwise, a downsampledConv's bottleneck and conv, dense. */
const architecture = everyOpKind;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const images = (count: number, seed: number): tf.Tensor4D => tf.randomUniform([count, 8, 8, 1], 0, 1, 'float32', seed) as tf.Tensor4D;

const values = async (t: tf.Tensor): Promise<number[]> => Array.from(await t.data());

/** Sets every op's bias to small non-zero values, so that a bias in the wrong place (or left out of a fold) shows. */
async function withBiases(network: Network): Promise<void> {
  const weights = await network.getWeights();
  weights.forEach((w, op) => w.bias.forEach((_, i) => (w.bias[i] = 0.05 * Math.sin(3 * op + i + 1))));
  network.setWeights(weights);
}

/** A context as the trainer hands it to `extraLoss`. */
const context = (step: number, totalSteps: number, trainCount: number): StepContext => ({
  epoch: 1,
  epochs: 1,
  batch: step + 1,
  batches: totalSteps,
  step,
  totalSteps,
  samplesSeen: 0,
  trainCount,
  learningRate: 1e-3,
});

describe('channel gates', () => {
  it("gate every output channel but the depthwise op's and the classifier's", () =>
    noLeaks(() => {
      const network = createNetwork(architecture, { seed: 1 });
      network.enableChannelGates();
      expect(network.channelGates).toBe(true);
      expect(network.ops.map((op) => op.gate?.mu.size ?? null)).toEqual([8, null, 16, 4, 12, 32, null]);
      expect(network.ops.map((op) => op.prunableChannels)).toEqual([true, false, true, true, true, true, false]);
      // Kernel and bias of every op, and μ and log σ² of each of the five gated ones.
      expect(network.trainableVariables()).toHaveLength(2 * 7 + 2 * 5);
      network.disableChannelGates();
      expect(network.channelGates).toBe(false);
      expect(network.trainableVariables()).toHaveLength(2 * 7);
      network.dispose();
    }));

  it('leave the network as it is at μ = 1: evaluation, and training with (almost) no noise', () =>
    noLeaks(async () => {
      const plain = createNetwork(architecture, { seed: 2 });
      const gated = createNetwork(architecture, { seed: 2 });
      await withBiases(plain);
      await withBiases(gated);
      gated.enableChannelGates();
      const x = images(6, 3);
      const [a, b] = [plain.apply(x), gated.apply(x)];
      expect(await values(b)).toEqual(await values(a));
      // σ = exp(−40) disappears next to μ = 1 in float32, so the sampled gates are exactly 1.
      gated.enableChannelGates(); // a second call keeps the gates it has
      gated.ops.forEach((op) => op.gate && gated.setChannelGate(op.index, { logSigma2: new Float32Array(op.gate.mu.size).fill(-80) }));
      const [c, d] = [plain.apply(x, { training: true, noiseSeed: 4 }), gated.apply(x, { training: true, noiseSeed: 4 })];
      const noiseless = await values(c);
      (await values(d)).forEach((v, i) => expect(v).toBeCloseTo(noiseless[i]!, 5));
      // At the starting log σ² = −9 a training pass is noisy, but only slightly.
      gated.ops.forEach((op) => op.gate && gated.setChannelGate(op.index, { logSigma2: new Float32Array(op.gate.mu.size).fill(-9) }));
      const e = gated.apply(x, { training: true, noiseSeed: 4 });
      const f = gated.apply(x, { training: true, noiseSeed: 5 });
      expect(await values(e)).not.toEqual(await values(f));
      const plainLogits = await values(a);
      const largest = Math.max(...plainLogits.map(Math.abs));
      (await values(e)).forEach((v, i) => expect(Math.abs(v - plainLogits[i]!)).toBeLessThan(0.1 * largest));
      tf.dispose([x, a, b, c, d, e, f]);
      plain.dispose();
      gated.dispose();
    }));

  it('have a KL that is finite, ≥ 0 and falls as α grows, whether σ² grows or μ shrinks', () =>
    noLeaks(async () => {
      const network = createNetwork(architecture, { seed: 5 });
      network.enableChannelGates();
      const gates = network.ops.filter((op) => op.gate).reduce((n, op) => n + op.gate!.mu.size, 0);
      const setAll = (mu: number, logSigma2: number): void =>
        network.ops.forEach((op) => op.gate && network.setChannelGate(op.index, { mu: new Float32Array(op.gate.mu.size).fill(mu), logSigma2: new Float32Array(op.gate.mu.size).fill(logSigma2) }));
      const kl = async (): Promise<number> => {
        const total = gateKl(network);
        const [value] = await values(total);
        total.dispose();
        return value!;
      };
      // μ = 1: log α = log σ².
      const bySigma: number[] = [];
      for (const logSigma2 of [-10, -5, 0, 3, 5, 10]) {
        setAll(1, logSigma2);
        bySigma.push(await kl());
      }
      // σ² = 1: log α = −log μ².
      const byMu: number[] = [];
      for (const mu of [10, 1, 0.3, 0.1, 0.01]) {
        setAll(mu, 0);
        byMu.push(await kl());
      }
      for (const series of [bySigma, byMu]) {
        expect(series.every(Number.isFinite)).toBe(true);
        // ≥ 0 up to the fit's error, which Molchanov et al. put below 0.01.
        expect(series.every((v) => v > -1e-2 * gates)).toBe(true);
        for (let i = 1; i < series.length; i++) expect(series[i]!).toBeLessThan(series[i - 1]!);
      }
      // It is the approximation of variational.ts summed over every gate.
      const one = tf.tidy(() => klDivergence(tf.tensor1d([-10])));
      expect(bySigma[0]!).toBeCloseTo(gates * (await values(one))[0]!, 2);
      one.dispose();
      network.dispose();
    }));

  it('add β·KL / N to the loss, with β warming up from 0', () =>
    noLeaks(async () => {
      const network = createNetwork(architecture, { seed: 6 });
      const bc = bayesianCompression(network, { warmupFraction: 0.5, klScale: 2 });
      expect(network.channelGates).toBe(true);
      const full = gateKl(network);
      const [kl] = await values(full);
      const at = async (step: number): Promise<number> => {
        const loss = bc.extraLoss(context(step, 100, 500));
        const [value] = await values(loss);
        loss.dispose();
        return value!;
      };
      expect(await at(0)).toBe(0);
      expect(await at(25)).toBeCloseTo((0.5 * 2 * kl!) / 500, 5);
      expect(await at(50)).toBeCloseTo((2 * kl!) / 500, 5);
      expect(await at(99)).toBeCloseTo((2 * kl!) / 500, 5);
      full.dispose();
      network.dispose();
    }));

  it('get gradients, μ and log σ² of every gated op, from the data and from the KL', () =>
    noLeaks(async () => {
      const network = createNetwork(architecture, { seed: 7 });
      await withBiases(network);
      network.enableChannelGates({ logSigma2: -2 });
      const gated = network.ops.filter((op) => op.gate);
      const variables = gated.flatMap((op) => [op.gate!.mu, op.gate!.logSigma2]);
      const x = images(16, 8);
      const labels = tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % 10), 'int32'), 10));
      for (const withKl of [false, true]) {
        const { value, grads } = tf.variableGrads(() => {
          const crossEntropy = tf.losses.softmaxCrossEntropy(labels, network.apply(x, { training: true, noiseSeed: 9 })) as tf.Scalar;
          return withKl ? crossEntropy.add(gateKl(network).div(1000)) : crossEntropy;
        }, variables);
        for (const variable of variables) {
          const grad = await values(grads[variable.name]!);
          expect(grad.every(Number.isFinite)).toBe(true);
          expect(grad.some((g) => g !== 0)).toBe(true);
        }
        tf.dispose([value, ...Object.values(grads)]);
      }
      tf.dispose([x, labels]);
      network.dispose();
    }));
});

describe('removing gated channels', () => {
  /**
   * A network whose gates have μ_j = 0.5 + 0.1·j, and log σ² = 10 on every third channel from channel
   * 1 (log α ≥ 10 − log 4.1² > 3: removed), −9 elsewhere; biases non-zero everywhere, the depthwise
   * op's included, so that the removed channels' depthwise bias must be carried on.
   */
  async function gatedNetwork(seed: number): Promise<Network> {
    const network = createNetwork(architecture, { seed });
    await withBiases(network);
    network.enableChannelGates();
    for (const op of network.ops) {
      if (!op.gate) continue;
      const channels = op.gate.mu.size;
      network.setChannelGate(op.index, {
        mu: Float32Array.from({ length: channels }, (_, j) => 0.5 + 0.1 * j),
        logSigma2: Float32Array.from({ length: channels }, (_, j) => (j % 3 === 1 ? 10 : -9)),
      });
    }
    return network;
  }

  it('removes the channels above the threshold, and the smaller network gives the same logits', () =>
    noLeaks(async () => {
      const network = await gatedNetwork(10);
      const removed = async (index: number): Promise<number> => {
        const la = gateLogAlpha(network.ops[index]!.gate!);
        const above = (await values(la)).filter((v) => v > bcLogAlphaThreshold).length;
        la.dispose();
        return above;
      };
      expect(await removed(0)).toBe(3);
      const x = images(32, 11);
      const gatedLogits = network.apply(x);
      const result = await removeGatedChannels(network, { seed: 10 });
      expect(result.kept).toEqual([{ channels: 5 }, undefined, { channels: 11 }, { channels: 8, bottleneck: 3 }, undefined, { channels: 21 }]);
      expect(result.channels).toEqual([
        { layerIndex: 0, label: 'layers[0] (conv)', before: 8, after: 5 },
        { layerIndex: 2, label: 'layers[2] (separableConv)', before: 16, after: 11 },
        { layerIndex: 3, label: 'layers[3] (downsampledConv)', before: 12, after: 8, bottleneck: { before: 4, after: 3 } },
        { layerIndex: 5, label: 'layers[5] (dense)', before: 32, after: 21 },
      ]);
      const smaller = result.network;
      expect(smaller.channelGates).toBe(false);
      expect(smaller.paramCounts()).toEqual(expandOps(result.architecture).filter((op) => op.weights > 0).map((op) => op.weights + op.biases));
      const prunedLogits = smaller.apply(x);
      const a = await values(gatedLogits);
      const b = await values(prunedLogits);
      expect(b).toHaveLength(a.length);
      b.forEach((value, i) => expect(value).toBeCloseTo(a[i]!, 5));
      // The gated network is left as it was.
      expect(network.channelGates).toBe(true);
      const again = network.apply(x);
      expect(await values(again)).toEqual(a);
      tf.dispose([x, gatedLogits, prunedLogits, again]);
      smaller.dispose();
      network.dispose();
    }));

  it('keeps the least noisy channel of an op whose gates are all above the threshold, and still gives the same logits', () =>
    noLeaks(async () => {
      const network = await gatedNetwork(12);
      // The bottleneck: log α = log σ² − log μ² with μ = 0.5, 0.6, 0.7, 0.8 is 7.4, 6.0, 7.7, 8.4.
      network.setChannelGate(3, { logSigma2: Float32Array.from([6, 5, 7, 8]) });
      const kept = network.keptChannels(3);
      expect(await values(kept)).toEqual([0, 1, 0, 0]);
      kept.dispose();
      const x = images(16, 13);
      const gatedLogits = network.apply(x);
      const result = await removeGatedChannels(network);
      expect(result.kept[3]).toEqual({ channels: 8, bottleneck: 1 });
      const prunedLogits = result.network.apply(x);
      const a = await values(gatedLogits);
      (await values(prunedLogits)).forEach((value, i) => expect(value).toBeCloseTo(a[i]!, 5));
      tf.dispose([x, gatedLogits, prunedLogits]);
      result.network.dispose();
      network.dispose();
    }));

  it('refuses a choice of channels that is empty, out of range or out of order (channels.ts)', () =>
    noLeaks(async () => {
      const network = createNetwork(architecture);
      const weights = await network.getWeights();
      for (const bad of [[], [8], [3, 1], [1, 1]]) {
        expect(() => removeChannels(architecture, weights, { outputs: (op) => (op === 0 ? bad : [0]) })).toThrow(/weighted op 0 must keep ascending channels from 0 to 7, at least one/);
      }
      network.dispose();
    }));

  it('says so in words when the network has no gates', () =>
    noLeaks(async () => {
      const network = createNetwork(architecture);
      await expect(removeGatedChannels(network)).rejects.toThrow(/no channel gates; train it with bayesianCompression first/);
      expect(() => network.setChannelGate(0, {})).toThrow(/has no channel gates/);
      network.dispose();
    }));
});

describe('Bayesian Compression on digits', { timeout: 180_000 }, () => {
  let digits: Dataset;
  beforeAll(async () => {
    digits = await loadBuiltinDataset('digits', nodeReader());
  });

  it('trains, ends with fewer channels, and keeps an accuracy far above the 10 % of chance', () =>
    noLeaks(async () => {
      const network = createNetwork(architecture, { seed: 1 });
      // A KL weight above the ELBO's 1: a network this small on 1,437 images needs nearly all its
      // channels, and a short run at the ELBO drops only dead ones (SpArSe searches this strength).
      const bc = bayesianCompression(network, { klScale: 30 });
      const run = await train(network, digits.train, { epochs: 10, batchSize: 32, learningRate: 1e-2, seed: 2, extraLoss: bc.extraLoss });
      expect(run.trainLoss.every(Number.isFinite)).toBe(true);
      expect(run.extraLoss.every((l) => Number.isFinite(l) && l > 0)).toBe(true);
      const gatedAccuracy = (await evaluate(network, digits.test)).accuracy;
      const result = await removeGatedChannels(network);
      const before = result.channels.reduce((n, c) => n + c.before + (c.bottleneck?.before ?? 0), 0);
      const after = result.channels.reduce((n, c) => n + c.after + (c.bottleneck?.after ?? 0), 0);
      expect(after).toBeLessThan(before);
      result.channels.forEach((c) => expect(c.after).toBeGreaterThanOrEqual(1));
      const accuracy = (await evaluate(result.network, digits.test)).accuracy;
      expect(accuracy).toBeGreaterThan(0.8);
      // Removing the channels changed nothing the gated network computed.
      expect(accuracy).toBe(gatedAccuracy);
      result.network.dispose();
      network.dispose();
    }));
});
