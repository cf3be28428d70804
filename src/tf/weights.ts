/**
 * Weights as plain typed arrays, to store in IndexedDB, send between threads (their buffers can be
 * transferred) or copy into a pruned network; and the count of non-zero weights that the resource
 * model takes after training. Every read is one asynchronous download: WebGPU has no synchronous one.
 */
import * as tf from '@tensorflow/tfjs';
import type { LayerMeasurement, Measurement } from '../core/ops.ts';
import type { Network, WeightedKind, WeightedOp } from './network.ts';

/** One weighted op's values. `kernel` is laid out as tfjs does, row-major over `kernelShape`. */
export interface OpWeights {
  readonly name: string;
  readonly kind: WeightedKind;
  readonly kernelShape: readonly number[];
  readonly kernel: Float32Array;
  readonly bias: Float32Array;
  /** 1 keep, 0 pruned; null when the op has no mask. */
  readonly mask: Float32Array | null;
  /** Sparse Variational Dropout's log σ²; null when it is off. */
  readonly logSigma2: Float32Array | null;
}

/**
 * Downloads all of them at once: one wait for the device instead of one per tensor. Always copies:
 * tfjs's CPU backend hands out its own storage, which a transfer would detach from the tensor.
 */
async function download(tensors: readonly tf.Tensor[]): Promise<Float32Array[]> {
  const values = await Promise.all(tensors.map((t) => t.data<'float32'>()));
  return values.map((v) => Float32Array.from(v));
}

export async function readWeights(ops: readonly WeightedOp[]): Promise<OpWeights[]> {
  const tensors: tf.Tensor[] = [];
  for (const op of ops) tensors.push(op.kernel, op.bias, ...(op.mask ? [op.mask] : []), ...(op.logSigma2 ? [op.logSigma2] : []));
  const values = await download(tensors);
  let next = 0;
  return ops.map((op) => ({
    name: op.name,
    kind: op.kind,
    kernelShape: op.kernel.shape.slice(),
    kernel: values[next++]!,
    bias: values[next++]!,
    mask: op.mask ? values[next++]! : null,
    logSigma2: op.logSigma2 ? values[next++]! : null,
  }));
}

/**
 * Writes weights into a network of the same shapes. A mask is set or removed as given; log σ² is
 * written when both sides have it, and switches Sparse Variational Dropout on when only the weights do.
 */
export function writeWeights(network: Network, weights: readonly OpWeights[]): void {
  const ops = network.ops;
  if (weights.length !== ops.length) {
    throw new Error(`setWeights: the network has ${ops.length} ops with weights, the weights are for ${weights.length}`);
  }
  ops.forEach((op, i) => {
    const w = weights[i]!;
    const shape = op.kernel.shape;
    if (w.kernelShape.length !== shape.length || w.kernelShape.some((d, axis) => d !== shape[axis]) || w.kernel.length !== op.kernel.size) {
      throw new Error(`setWeights: ${op.name} has a kernel of shape [${shape.join(', ')}], the weights have [${w.kernelShape.join(', ')}]`);
    }
    if (w.bias.length !== op.bias.size) throw new Error(`setWeights: ${op.name} has ${op.bias.size} biases, the weights have ${w.bias.length}`);
  });
  if (weights.some((w) => w.logSigma2 !== null)) network.enableVariationalDropout();
  ops.forEach((op, i) => {
    const w = weights[i]!;
    // Copies: tfjs's CPU backend would otherwise keep the caller's arrays as the variables' storage.
    tf.tidy(() => {
      op.kernel.assign(tf.tensor(w.kernel.slice(), op.kernel.shape));
      op.bias.assign(tf.tensor(w.bias.slice(), op.bias.shape));
    });
    network.setMask(i, w.mask);
    if (w.logSigma2 !== null) network.setLogSigma2(i, w.logSigma2);
  });
}

/** Counts the non-zero values of each kernel in one download, and disposes the kernels. */
export async function countNonzeroWeights(kernels: readonly tf.Tensor[]): Promise<number[]> {
  if (kernels.length === 0) return [];
  const counts = tf.tidy(() => tf.stack(kernels.map((k) => k.notEqual(0).sum().cast('float32'))));
  tf.dispose(kernels as tf.Tensor[]);
  try {
    // float32 counts are exact below 2^24 weights per op, far above anything that fits an MCU.
    return Array.from(await counts.data(), (c) => Math.round(c));
  } finally {
    counts.dispose();
  }
}

/**
 * The resource model's measurement (src/core/ops.ts) of non-zero weights per op, grouped by layer;
 * `nonzero` is what Network.nonzeroWeights() returned. Channel counts are not measured here:
 * structured pruning shrinks the architecture itself.
 */
export function measurementOf(network: Network, nonzero: readonly number[]): Measurement {
  if (nonzero.length !== network.ops.length) throw new Error(`measurementOf: ${nonzero.length} counts for ${network.ops.length} weighted ops`);
  const perLayer: number[][] = [];
  network.ops.forEach((op, i) => (perLayer[op.op.layerIndex] ??= []).push(nonzero[i]!));
  return Array.from({ length: network.architecture.layers.length + 1 }, (_, layer): LayerMeasurement | undefined =>
    perLayer[layer] ? { nonzeroWeights: perLayer[layer] } : undefined,
  );
}
