/**
 * Sparse Variational Dropout (Molchanov, Ashukha & Vetrov, ICML 2017) as a trainer hook: the loss
 * becomes the negative ELBO per training sample, cross-entropy + β·KL / N, with β warmed up from 0
 * to 1 over the first part of the run (their "KL annealing"); afterwards weights with log α > 3 are
 * masked for good.
 */
import * as tf from '@tensorflow/tfjs';
import type { Network } from '../network.ts';
import type { StepContext } from '../train-options.ts';
import { networkKl } from '../variational.ts';

export interface SvdOptions {
  /** Fraction of the run over which β rises linearly from 0 to 1; default 0.3. */
  readonly warmupFraction?: number;
  /** Multiplies the KL term; above 1 prunes harder. Default 1 (the ELBO). */
  readonly klScale?: number;
}

/** Turns SVD on and returns the `extraLoss` for the trainer. Call `network.pruneByLogAlpha()` after. */
export function sparseVariationalDropout(network: Network, options: SvdOptions = {}) {
  network.enableVariationalDropout();
  const warmup = options.warmupFraction ?? 0.3;
  const scale = options.klScale ?? 1;
  return {
    extraLoss: (context: StepContext): tf.Scalar => {
      const beta = warmup <= 0 ? 1 : Math.min(1, context.step / (warmup * context.totalSteps));
      return tf.tidy(() => networkKl(network.ops).mul((beta * scale) / context.trainCount));
    },
  };
}
