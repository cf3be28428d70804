/**
 * The trained weights of a trial as IndexedDB keeps them: plain typed arrays, one entry per weighted
 * op. The shape is that of `OpWeights` in src/tf/weights.ts (so what the trainer reads can be stored
 * as it is, and written back into a network), declared here because src/db may not import src/tf.
 */

export type WeightedOpKind = 'conv' | 'depthwise' | 'pointwise' | 'dense';

export interface StoredOpWeights {
  readonly name: string;
  readonly kind: WeightedOpKind;
  readonly kernelShape: readonly number[];
  /** Row-major over `kernelShape`, as tfjs lays it out. */
  readonly kernel: Float32Array;
  readonly bias: Float32Array;
  /** 1 keep, 0 pruned; null when the op has no mask. */
  readonly mask: Float32Array | null;
  /** Sparse Variational Dropout's log σ²; null when it is off. */
  readonly logSigma2: Float32Array | null;
}

/** The weights of one trial, kept for trials on the Pareto front. */
export interface TrialWeights {
  readonly trialId: string;
  readonly studyId: string;
  readonly ops: readonly StoredOpWeights[];
}

/**
 * Why `weights` cannot be the weights of a network (a kernel whose length is not the product of its
 * shape, a bias or mask of the wrong length), or undefined when they are consistent.
 */
export function whyInconsistentWeights(weights: TrialWeights): string | undefined {
  for (const [index, op] of weights.ops.entries()) {
    const where = `ops[${index}] (${op.name})`;
    const size = op.kernelShape.reduce((n, d) => n * d, 1);
    if (!op.kernelShape.every((d) => Number.isInteger(d) && d >= 1)) return `${where}: kernelShape [${op.kernelShape.join(', ')}] must hold positive integers`;
    if (op.kernel.length !== size) return `${where}: the kernel has ${op.kernel.length} values, its shape [${op.kernelShape.join(', ')}] needs ${size}`;
    if (op.mask !== null && op.mask.length !== size) return `${where}: the mask has ${op.mask.length} values, the kernel ${size}`;
    if (op.logSigma2 !== null && op.logSigma2.length !== size) return `${where}: log σ² has ${op.logSigma2.length} values, the kernel ${size}`;
    const outputs = op.kernelShape[op.kernelShape.length - 1] ?? 0;
    // tfjs kernels end with the output channels (depthwise: [k, k, C, 1], whose bias has C values).
    const expectedBias = op.kind === 'depthwise' ? (op.kernelShape[2] ?? 0) : outputs;
    if (op.bias.length !== expectedBias) return `${where}: the bias has ${op.bias.length} values, the kernel's outputs are ${expectedBias}`;
  }
  return undefined;
}
