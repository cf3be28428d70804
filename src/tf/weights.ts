/**
 * Weights as plain typed arrays, to store in IndexedDB, send between threads (their buffers can be
 * transferred) or copy into a pruned network (Network.getWeights reads them, Network.setWeights
 * writes them); and the count of non-zero weights that the resource model takes after training.
 * Every read is one asynchronous download: WebGPU has no synchronous one.
 */
import * as tf from '@tensorflow/tfjs';
import type { Architecture } from '../core/architecture.ts';
import type { LayerMeasurement, Measurement } from '../core/ops.ts';
import type { WeightedKind, WeightedOp } from './weighted-op.ts';

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
export async function downloadFloat32(tensors: readonly tf.Tensor[]): Promise<Float32Array[]> {
  const values = await Promise.all(tensors.map((t) => t.data<'float32'>()));
  return values.map((v) => Float32Array.from(v));
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
export function measurementOf(
  network: { readonly architecture: Architecture; readonly ops: readonly Pick<WeightedOp, 'op'>[] },
  nonzero: readonly number[],
): Measurement {
  if (nonzero.length !== network.ops.length) throw new Error(`measurementOf: ${nonzero.length} counts for ${network.ops.length} weighted ops`);
  const perLayer: number[][] = [];
  network.ops.forEach((op, i) => (perLayer[op.op.layerIndex] ??= []).push(nonzero[i]!));
  return Array.from({ length: network.architecture.layers.length + 1 }, (_, layer): LayerMeasurement | undefined =>
    perLayer[layer] ? { nonzeroWeights: perLayer[layer] } : undefined,
  );
}
