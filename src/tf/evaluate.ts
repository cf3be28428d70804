/**
 * Accuracy and mean cross-entropy of a network on a split, in batches. The per-batch sums stay on the
 * device and are read back once at the end.
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageSet } from '../data/dataset.ts';
import { type DeviceImageSet, withDeviceSet } from './device-data.ts';
import type { ForwardOptions, Network } from './network.ts';

export interface Evaluation {
  /** Fraction of images whose largest logit is their label, 0–1. */
  readonly accuracy: number;
  /** Mean softmax cross-entropy. */
  readonly loss: number;
  readonly count: number;
}

export interface EvaluateOptions {
  /** Images per forward pass; 256 keeps the activations of MCU-sized networks small. */
  readonly batchSize?: number;
  /** Forward options, e.g. fake-quantised weights and an activation tap (quantize.ts). */
  readonly forward?: Omit<ForwardOptions, 'training' | 'noiseSeed'>;
  /** Names the split in error messages. */
  readonly what?: string;
}

/** Sums of [correct predictions, cross-entropy] over one batch, as a [2] tensor. */
export function batchSums(logits: tf.Tensor2D, labels: tf.Tensor1D, classes: number): tf.Tensor1D {
  return tf.tidy(() => {
    const correct = logits.argMax(1).equal(labels).cast('float32').sum();
    const loss = tf.losses.softmaxCrossEntropy(tf.oneHot(labels, classes), logits, undefined, undefined, tf.Reduction.SUM);
    return tf.stack([correct, loss]) as tf.Tensor1D;
  });
}

/** Evaluates on an uploaded split (see device-data.ts); the split is left as it is. */
export async function evaluateOnDevice(network: Network, set: DeviceImageSet, options: EvaluateOptions = {}): Promise<Evaluation> {
  if (set.count === 0) throw new Error(`evaluate: ${options.what ?? 'the set'} has no images`);
  const batchSize = options.batchSize ?? 256;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`evaluate: the batch size must be a positive integer, got ${batchSize}`);
  const classes = network.architecture.classes;
  const sums: tf.Tensor1D[] = [];
  try {
    for (let start = 0; start < set.count; start += batchSize) {
      const size = Math.min(batchSize, set.count - start);
      sums.push(
        tf.tidy(() => {
          const x = set.images.slice([start, 0, 0, 0], [size, -1, -1, -1]);
          const y = set.labels.slice([start], [size]);
          return batchSums(network.apply(x, options.forward), y, classes);
        }),
      );
    }
    sums.push(tf.tidy(() => tf.addN(sums)));
    const [correct, loss] = await sums[sums.length - 1]!.data();
    return { accuracy: correct! / set.count, loss: loss! / set.count, count: set.count };
  } finally {
    tf.dispose(sums);
  }
}

/** Evaluates on a split, uploading it for the call when it is not on the device yet. */
export function evaluate(network: Network, set: ImageSet | DeviceImageSet, options: EvaluateOptions = {}): Promise<Evaluation> {
  return withDeviceSet(set, network, options.what ?? 'the evaluation set', (device) => evaluateOnDevice(network, device, options));
}
