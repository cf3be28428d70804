/**
 * Bayesian Compression (Louizos, Ullrich & Welling, "Bayesian Compression for Deep Learning",
 * NeurIPS 2017) as structured pruning, with group priors over each layer's output channels: every
 * output channel j of a conv-like or dense op (not the classifier's) gets a multiplicative gate z_j,
 * q(z_j) = N(μ_j, α_j·μ_j²), under the log-uniform prior p(z) ∝ 1/|z| (their normal-Jeffreys prior
 * on the group scale). The network samples the gates per example while training (network.ts);
 * this file adds the KL term to the loss as the trainer's `extraLoss`, and afterwards removes the
 * channels whose log α is above the threshold for real, as L1 channel pruning does (channels.ts).
 *
 * Only the gates are Bayesian here: the authors' layers also give every weight a Gaussian posterior,
 * which serves their bit-precision step, not the choice of channels. Per-weight noise is Sparse
 * Variational Dropout's job (svd.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { type LayerChannelCount, bcLogAlphaThreshold, channelCounts } from '../../core/pruning.ts';
import { type Network, gateLogAlpha } from '../network.ts';
import type { StepContext } from '../train-options.ts';
import { klDivergence } from '../variational.ts';
import { type ChannelPruning, type OpSlices, removeChannels } from './channels.ts';

export { bcLogAlphaThreshold };

export interface BayesianCompressionOptions {
  /** Fraction of the run over which β rises linearly from 0 to 1; default 0.3, as svd.ts. */
  readonly warmupFraction?: number;
  /**
   * Multiplies the KL term; above 1 removes more channels. Default 1 (the ELBO). Measured on the
   * 8×8 digits CNN of the tests (72 gated channels, cpu, lr 0.01): at 1, 8 epochs after pretraining
   * removed only 4 channels, the dead ones; at 30, 10 epochs from scratch removed 29 (test accuracy
   * 96 %); at 100, 36 (89 %); at 1,000 every layer fell to one channel (chance).
   */
  readonly klScale?: number;
  /** Starting log σ² of the gates; default −9 (network.ts's `initialGate`). Higher starts noisier. */
  readonly initialLogSigma2?: number;
}

/**
 * KL(q(z) ‖ p(z)) summed over every gate of the network, by Molchanov et al.'s approximation (the
 * one the authors' code uses for the gates); a scalar 0 when the gates are off.
 */
export function gateKl(network: Network): tf.Scalar {
  return tf.tidy(() => {
    let total: tf.Scalar = tf.scalar(0);
    for (const op of network.ops) if (op.gate) total = total.add(klDivergence(gateLogAlpha(op.gate)));
    return total;
  });
}

/**
 * Turns the channel gates on and returns the `extraLoss` for the trainer: β·KL / N, the negative
 * ELBO per training sample as the authors' code scales it, with β warmed up from 0 to 1 over the
 * first part of the run. Call `removeGatedChannels` after training.
 */
export function bayesianCompression(network: Network, options: BayesianCompressionOptions = {}) {
  network.enableChannelGates(options.initialLogSigma2 === undefined ? {} : { logSigma2: options.initialLogSigma2 });
  const warmup = options.warmupFraction ?? 0.3;
  const scale = options.klScale ?? 1;
  return {
    extraLoss: (context: StepContext): tf.Scalar => {
      const beta = warmup <= 0 ? 1 : Math.min(1, context.step / (warmup * context.totalSteps));
      return tf.tidy(() => gateKl(network).mul((beta * scale) / context.trainCount));
    },
  };
}

export interface BayesianCompressionResult extends ChannelPruning {
  /** Output (and bottleneck) channels per conv-like and dense layer, before and after. */
  readonly channels: readonly LayerChannelCount[];
}

/**
 * Removes every channel whose gate has log α above `bcLogAlphaThreshold` (at least one stays per
 * op: the least noisy) and builds the smaller network, the gates' posterior means μ folded into the
 * surviving kernel slices and biases. It gives the logits the gated network gives at evaluation, up
 * to float rounding. The gated network is left as it is; the caller owns the new one.
 */
export async function removeGatedChannels(network: Network, options: { readonly seed?: number | string } = {}): Promise<BayesianCompressionResult> {
  if (!network.channelGates) throw new Error('removeGatedChannels: the network has no channel gates; train it with bayesianCompression first');
  const ops = network.ops;
  // The evaluated kernels and biases already hold the gates (μ, or 0 for a removed channel).
  const tensors = ops.flatMap((op) => [network.evalKernel(op.index), network.evalBias(op.index), ...(op.gate ? [network.keptChannels(op.index)] : [])]);
  let values: Float32Array[];
  try {
    values = await Promise.all(tensors.map((t) => t.data<'float32'>()));
  } finally {
    tf.dispose(tensors);
  }
  let next = 0;
  const weights: OpSlices[] = [];
  const keptByOp: (number[] | null)[] = [];
  for (const op of ops) {
    weights.push({ kernelShape: op.kernel.shape, kernel: values[next++]!, bias: values[next++]! });
    keptByOp.push(op.gate ? Array.from(values[next++]!).flatMap((keep, channel) => (keep === 1 ? [channel] : [])) : null);
  }
  const pruning = removeChannels(network.architecture, weights, {
    outputs: (op) => {
      const kept = keptByOp[op];
      if (!kept) throw new Error(`removeGatedChannels: ${ops[op]!.name} has no channel gates`);
      return kept;
    },
    removedOutputZero: true,
    ...(options.seed === undefined ? {} : { seed: options.seed }),
  });
  return { ...pruning, channels: channelCounts(network.architecture, pruning.architecture) };
}
