/**
 * The three pruning methods on real data (the built-in digits), on tfjs's cpu backend: each reaches
 * its sparsity, pruned weights stay zero through fine-tuning, channel pruning copies the surviving
 * weights exactly and shrinks the estimate, and nothing leaks.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expandOps } from '../../src/core/ops.ts';
import { estimate } from '../../src/core/resources.ts';
import { findPresetTarget } from '../../src/core/targets.ts';
import { loadBuiltinDataset } from '../../src/data/builtin.ts';
import type { Dataset } from '../../src/data/dataset.ts';
import { nodeReader } from '../../src/data/read-node.ts';
import { evaluate } from '../../src/tf/evaluate.ts';
import { type Network, createNetwork } from '../../src/tf/network.ts';
import { pruneChannels } from '../../src/tf/pruning/channels.ts';
import { applyMagnitudeMasks, magnitudePruning } from '../../src/tf/pruning/magnitude.ts';
import { sparseVariationalDropout } from '../../src/tf/pruning/svd.ts';
import { train } from '../../src/tf/trainer.ts';
import { everyOpKind } from '../fixtures/every-op-kind.ts';
import { noLeaks } from './leaks.ts';

const architecture = everyOpKind;

let digits: Dataset;
beforeAll(async () => {
  await tf.setBackend('cpu');
  digits = await loadBuiltinDataset('digits', nodeReader());
});

/** A network trained on digits for a few epochs. */
async function trained(seed = 1): Promise<Network> {
  const network = createNetwork(architecture, { seed });
  await train(network, digits.train, { epochs: 6, batchSize: 32, learningRate: 3e-3, seed, validation: digits.validation });
  return network;
}

/** Positions where each op's mask is 0, and whether the kernel is exactly 0 there. */
async function maskedStayZero(network: Network): Promise<{ masked: number; nonzeroMasked: number }> {
  const weights = await network.getWeights();
  let masked = 0;
  let nonzeroMasked = 0;
  for (const w of weights) {
    if (!w.mask) continue;
    w.mask.forEach((m, i) => {
      if (m === 0) {
        masked++;
        if (w.kernel[i] !== 0) nonzeroMasked++;
      }
    });
  }
  return { masked, nonzeroMasked };
}

describe('training on digits', { timeout: 120_000 }, () => {
  it('learns: test accuracy ends far above the 10 % of chance', async () => {
    await noLeaks(async () => {
      const network = await trained();
      const { accuracy } = await evaluate(network, digits.test);
      expect(accuracy).toBeGreaterThan(0.8);
      network.dispose();
    });
  });
});

describe('gradual magnitude pruning', { timeout: 120_000 }, () => {
  it('reaches its sparsity, and masked weights stay zero through fine-tuning', async () => {
    await noLeaks(async () => {
      const network = await trained();
      const stepsPerEpoch = Math.ceil(digits.train.count / 32);
      const gmp = magnitudePruning(network, { sparsity: 0.75, totalSteps: 4 * stepsPerEpoch }, stepsPerEpoch);
      await train(network, digits.train, { epochs: 4, batchSize: 32, learningRate: 3e-3, seed: 2, afterStep: gmp.afterStep });
      const nonzero = await network.nonzeroWeights();
      const sizes = network.ops.map((op) => op.kernel.size);
      const total = sizes.reduce((a, b) => a + b, 0);
      // floor(0.75 · N) of the N weights are pruned; a trained weight is never exactly 0 otherwise.
      expect(nonzero.reduce((a, b) => a + b, 0)).toBe(total - Math.floor(0.75 * total));
      // Every op keeps at least 2 % of its weights.
      nonzero.forEach((n, i) => expect(n).toBeGreaterThanOrEqual(Math.ceil(0.02 * sizes[i]!)));
      const { masked, nonzeroMasked } = await maskedStayZero(network);
      expect(masked).toBe(Math.floor(0.75 * total));
      expect(nonzeroMasked).toBe(0);
      expect((await evaluate(network, digits.test)).accuracy).toBeGreaterThan(0.8);
      network.dispose();
    });
  });

  it('prunes already-zero weights first and keeps the larger ones', async () => {
    await noLeaks(async () => {
      const network = createNetwork(architecture, { seed: 3 });
      await applyMagnitudeMasks(network, 0.5);
      const first = await network.nonzeroWeights();
      await applyMagnitudeMasks(network, 0.5); // the same sparsity again changes nothing
      expect(await network.nonzeroWeights()).toEqual(first);
      network.dispose();
    });
  });
});

describe('structured channel pruning', { timeout: 120_000 }, () => {
  it('with nothing removed, the copied network computes exactly what the original does', async () => {
    await noLeaks(async () => {
      const network = await trained(4);
      const { network: copy, architecture: same } = await pruneChannels(network, 0);
      expect(same.layers).toEqual(architecture.layers);
      const x = tf.tidy(() => tf.tensor4d(digits.test.images.slice(0, 64 * 64), [64, 8, 8, 1]).div(255)) as tf.Tensor4D;
      const a = network.apply(x);
      const b = copy.apply(x);
      expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
      tf.dispose([x, a, b]);
      network.dispose();
      copy.dispose();
    });
  });

  it('removing dead channels changes no output, so every weight lands on the right input (flatten included)', async () => {
    await noLeaks(async () => {
      const network = await trained(5);
      const sparsity = 1 / 3;
      // In every prunable op, zero the kernel and bias of exactly the channels pruning will remove
      // (every other one from channel 1): ReLU(0) = 0, so they feed nothing downstream. A depthwise
      // op that follows a dead channel also gets that channel's bias zeroed: it would feed on.
      const weights = await network.getWeights();
      const dead = new Map<number, number[]>();
      const kill = (op: number, axis: number, count: number): number[] => {
        const w = weights[op]!;
        const size = w.kernelShape[axis]!;
        const channels = Array.from({ length: count }, (_, i) => (2 * i + 1) % size);
        const inner = w.kernelShape.slice(axis + 1).reduce((a, b) => a * b, 1);
        w.kernel.forEach((_, i) => {
          if (channels.includes(Math.floor(i / inner) % size)) w.kernel[i] = 0;
        });
        for (const c of channels) w.bias[c] = 0;
        dead.set(op, channels);
        return channels;
      };
      const removed = (n: number): number => n - Math.max(1, Math.round(n * (1 - sparsity)));
      const conv0 = kill(0, 3, removed(8)); // 8 → 5
      for (const c of conv0) weights[1]!.bias[c] = 0; // the separableConv's depthwise
      kill(2, 3, removed(16)); // pointwise 16 → 11
      kill(3, 3, removed(4)); // bottleneck 4 → 3
      kill(4, 3, removed(12)); // 12 → 8
      kill(5, 1, removed(32)); // dense 32 → 21
      network.setWeights(weights);
      const pruned = await pruneChannels(network, sparsity);
      expect(pruned.kept).toEqual([{ channels: 5 }, undefined, { channels: 11 }, { channels: 8, bottleneck: 3 }, undefined, { channels: 21 }]);
      const x = tf.tidy(() => tf.tensor4d(digits.test.images.slice(0, 32 * 64), [32, 8, 8, 1]).div(255)) as tf.Tensor4D;
      const before = network.apply(x);
      const after = pruned.network.apply(x);
      const a = await before.data();
      const b = await after.data();
      expect(b.length).toBe(a.length);
      a.forEach((value, i) => expect(b[i]).toBeCloseTo(value, 4));
      tf.dispose([x, before, after]);
      pruned.network.dispose();
      network.dispose();
    });
  });

  it('shrinks the architecture and its estimate, and fine-tunes back to a useful accuracy', async () => {
    await noLeaks(async () => {
      const network = await trained(6);
      const { network: smaller, architecture: prunedArch } = await pruneChannels(network, 0.5);
      expect(prunedArch.layers.map((l) => ('filters' in l ? l.filters : 'units' in l ? l.units : l.type))).toEqual([4, 'maxPool', 8, 6, 'flatten', 16]);
      expect(prunedArch.layers[3]).toMatchObject({ bottleneck: 2 });
      // The smaller network has exactly the params its architecture is estimated with.
      expect(smaller.paramCounts()).toEqual(expandOps(prunedArch).filter((op) => op.weights > 0).map((op) => op.weights + op.biases));
      const uno = [findPresetTarget('arduino-uno')!];
      const before = estimate(architecture, uno);
      const after = estimate(prunedArch, uno);
      expect(after.params).toBeLessThan(before.params);
      expect(after.paper.workingMemoryBytes).toBeLessThan(before.paper.workingMemoryBytes);
      expect(after.targets[0]!.deploy.flashBytes).toBeLessThan(before.targets[0]!.deploy.flashBytes);
      await train(smaller, digits.train, { epochs: 4, batchSize: 32, learningRate: 3e-3, seed: 7 });
      expect((await evaluate(smaller, digits.test)).accuracy).toBeGreaterThan(0.6);
      network.dispose();
      smaller.dispose();
    });
  });
});

describe('sparse variational dropout', { timeout: 120_000 }, () => {
  it('drops most weights at log α > 3, keeps them at zero, and stays accurate', async () => {
    await noLeaks(async () => {
      const network = await trained(8);
      const svd = sparseVariationalDropout(network);
      await train(network, digits.train, { epochs: 8, batchSize: 32, learningRate: 3e-3, seed: 9, extraLoss: svd.extraLoss });
      network.pruneByLogAlpha();
      const nonzero = (await network.nonzeroWeights()).reduce((a, b) => a + b, 0);
      const total = network.ops.reduce((n, op) => n + op.kernel.size, 0);
      expect(1 - nonzero / total).toBeGreaterThan(0.5);
      const { nonzeroMasked } = await maskedStayZero(network);
      expect(nonzeroMasked).toBe(0);
      expect((await evaluate(network, digits.test)).accuracy).toBeGreaterThan(0.6);
      network.dispose();
    });
  });
});
