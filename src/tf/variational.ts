/**
 * Sparse Variational Dropout (Molchanov, Ashukha & Vetrov 2017, "Variational Dropout Sparsifies
 * Deep Neural Networks"), the pruning SpArSe uses: each weight θ has a variance σ² = α·θ², learnt
 * through log σ²; weights with a large α are noise and are dropped. This file holds the maths; the
 * network calls it in its forward pass, and pruning code adds the KL term to the loss.
 */
import * as tf from '@tensorflow/tfjs';
import type { WeightedOp } from './weighted-op.ts';

/**
 * Weights with log α above 3 (α ≈ 20, i.e. a dropout rate above 95 %) are dropped at evaluation
 * (Molchanov et al. 2017; SpArSe uses the same threshold).
 */
export const logAlphaThreshold = 3;

/** Starting log σ²: −10, so that α starts tiny and training starts as plain training (as in the authors' code). */
export const initialLogSigma2 = -10;

/** Keeps log(θ² + ε) finite where θ = 0 (the ε of the brief and of the authors' code). */
const thetaEpsilon = 1e-8;

/** Keeps √(variance) differentiable where the variance is 0, e.g. under a mask. */
const varianceEpsilon = 1e-8;

/**
 * log α is clipped to [−10, 10], as the authors' SparseVD notebooks (bayesgroup, deepbayes 2019) do:
 * beyond that range the KL is flat and only floating-point noise is left.
 */
const logAlphaClip = 10;

/**
 * The constants of the KL approximation, fitted by Molchanov et al. 2017:
 * −KL ≈ k1·σ(k2 + k3·log α) − ½·log(1 + 1/α) − k1.
 */
const k1 = 0.63576;
const k2 = 1.8732;
const k3 = 1.48695;

/** log α = log σ² − log(θ² + 1e-8), clipped to [−10, 10]; shaped like the kernel. Needs `logSigma2`. */
export function logAlpha(op: WeightedOp): tf.Tensor {
  const logSigma2 = op.logSigma2;
  if (logSigma2 === null) throw new Error(`logAlpha: ${op.name} has no log σ²; enable Sparse Variational Dropout first`);
  return tf.tidy(() => logSigma2.sub(op.kernel.square().add(thetaEpsilon).log()).clipByValue(-logAlphaClip, logAlphaClip));
}

/**
 * KL(q(θ) ‖ log-uniform prior) summed over the given log α, by the approximation of Molchanov et al.
 * (−KL ≈ k1·σ(k2 + k3·log α) − ½·log1p(exp(−log α)) − k1). softplus computes log1p(exp(·)) without
 * overflowing. Always ≥ 0 up to the fit's error.
 */
export function klDivergence(logAlphaValues: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const negativeKl = tf
      .sigmoid(logAlphaValues.mul(k3).add(k2))
      .mul(k1)
      .sub(tf.softplus(logAlphaValues.neg()).mul(0.5))
      .sub(k1);
    return negativeKl.sum().neg() as tf.Scalar;
  });
}

/**
 * The KL of every op that has log σ², summed (a scalar 0 when none has). Pruning code scales it
 * (e.g. by 1 / training samples, with a warm-up) and hands it to the trainer as an extra loss.
 * Masked weights are left out: they are pruned already and carry no information.
 */
export function networkKl(ops: readonly WeightedOp[]): tf.Scalar {
  return tf.tidy(() => {
    let total: tf.Scalar = tf.scalar(0);
    for (const op of ops) {
      if (op.logSigma2 === null) continue;
      const la = logAlpha(op);
      // A masked weight gets log α = 10, where the KL is (almost) 0 and flat.
      const values = op.mask === null ? la : la.mul(op.mask).add(tf.scalar(1).sub(op.mask).mul(logAlphaClip));
      total = total.add(klDivergence(values));
    }
    return total;
  });
}

/** 1 where a weight is kept at evaluation (log α ≤ 3), 0 where Sparse Variational Dropout drops it. */
export function keptByLogAlpha(op: WeightedOp): tf.Tensor {
  return tf.tidy(() => logAlpha(op).lessEqual(logAlphaThreshold).cast('float32'));
}

/**
 * The local reparameterisation trick (Kingma, Salimans & Welling 2015), used while training with
 * Sparse Variational Dropout: instead of sampling every weight, sample each pre-activation from its
 * Gaussian. mean = x ⊛ θ + b, variance = x² ⊛ σ², output = mean + √(variance + 1e-8)·ε, ε ~ N(0, 1),
 * seeded so that a run is repeatable. `apply` is the op's convolution or matrix product.
 */
export function sampleReparameterised(
  x: tf.Tensor,
  theta: tf.Tensor,
  sigma2: tf.Tensor,
  bias: tf.Tensor,
  apply: (input: tf.Tensor, kernel: tf.Tensor) => tf.Tensor,
  seed: number,
): tf.Tensor {
  return tf.tidy(() => {
    const mean = apply(x, theta).add(bias);
    const variance = apply(x.square(), sigma2);
    const noise = tf.randomNormal(mean.shape, 0, 1, 'float32', seed);
    return mean.add(variance.add(varianceEpsilon).sqrt().mul(noise));
  });
}
