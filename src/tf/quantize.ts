/**
 * Simulated int8 post-training quantisation, as a TFLite-Micro deployment would run the network
 * (the `deploy` accounting of DESIGN.md §3): weights symmetric int8 per output channel, activations
 * asymmetric int8 per tensor with ranges calibrated on training images, evaluated in float with
 * fake quantisation (quantise then dequantise) at every point an int8 graph holds a tensor.
 *
 * Numbers follow the TFLite 8-bit quantisation specification: weights in [−127, 127] with zero
 * point 0, activations in [−128, 127] with a range widened to contain 0 so that 0 is exact. Dense
 * weights are per tensor by default, as the TFLite converter does and as our resource model counts
 * them (docs/resource-model.md). Biases stay float: int32 biases at scale s_in·s_w differ from them
 * by at most half of that scale, far below the weights' error. tf.round rounds half to even where
 * TFLite rounds half away from zero; the two differ only on exact ties.
 *
 * The simulation is the exported graph's (src/core/tflite-graph.ts), and the exporter
 * (src/deploy/quantize.ts) quantises from the same calibration, so the two agree:
 * - the input's range is the pixels' whole [0, 1], so that a raw pixel p becomes p − 128 exactly;
 * - a pool keeps its input's range (TFLite's int8 pools do not requantise);
 * - the logits go through an int8 softmax (scale 1/256, zero point −128), and the class is the
 *   first of the largest of those 256 levels, as an argmax over the exported model's output finds it.
 */
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../core/rng.ts';
import { rangeSources, softmaxOutput, tfliteGraph } from '../core/tflite-graph.ts';
import { type ImageSet, imageBytes } from '../data/dataset.ts';
import { type DeviceImageSet, isDeviceImageSet, withDeviceSet } from './device-data.ts';
import { type Evaluation, evaluateOnDevice } from './evaluate.ts';
import type { Network } from './network.ts';
import type { WeightedOp } from './weighted-op.ts';

export interface ActivationRange {
  readonly min: number;
  readonly max: number;
}

export interface QuantizeOptions {
  /** Training images used to calibrate the activation ranges; default 512. */
  readonly calibrationSamples?: number;
  /** Seeds which images are drawn for calibration. */
  readonly seed?: number | string;
  readonly batchSize?: number;
  /** Dense weights per tensor (TFLite's default, the default here) or per output unit. */
  readonly denseWeights?: 'per-tensor' | 'per-channel';
}

export interface QuantizedComparison {
  readonly float: Evaluation;
  readonly int8: Evaluation;
  /** Calibrated range of every activation point (network.activationPoints of them). */
  readonly ranges: readonly ActivationRange[];
}

/** Symmetric int8 fake quantisation of one kernel: per output channel, or per tensor for dense by default. */
export function quantizeKernel(kernel: tf.Tensor, op: Pick<WeightedOp, 'kind' | 'channelAxis'>, denseWeights: 'per-tensor' | 'per-channel' = 'per-tensor'): tf.Tensor {
  return tf.tidy(() => {
    const perTensor = op.kind === 'dense' && denseWeights === 'per-tensor';
    const axes = kernel.shape.map((_, axis) => axis).filter((axis) => perTensor || axis !== op.channelAxis);
    const absMax = kernel.abs().max(axes, true);
    // An all-zero channel (pruned away) keeps scale 1 rather than dividing by 0; it stays all zero.
    const scale = tf.where(absMax.greater(0), absMax.div(127), tf.onesLike(absMax));
    return kernel.div(scale).round().clipByValue(-127, 127).mul(scale);
  });
}

/** Fake-quantised weights of every op (kernels quantised, biases as they are); the caller disposes them. */
export function quantizeWeights(network: Network, denseWeights: 'per-tensor' | 'per-channel' = 'per-tensor'): { kernel: tf.Tensor; bias: tf.Tensor }[] {
  return network.ops.map((op) =>
    tf.tidy(() => {
      const kernel = network.evalKernel(op.index);
      return { kernel: quantizeKernel(kernel, op, denseWeights), bias: network.evalBias(op.index) };
    }),
  );
}

/** Asymmetric int8 fake quantisation of an activation with a calibrated range. */
export function fakeQuantizeActivation(x: tf.Tensor, range: ActivationRange): tf.Tensor {
  const min = Math.min(range.min, 0);
  const max = Math.max(range.max, 0);
  const scale = max > min ? (max - min) / 255 : 1;
  const zeroPoint = Math.round(-128 - min / scale);
  return tf.tidy(() => x.div(scale).round().add(zeroPoint).clipByValue(-128, 127).sub(zeroPoint).mul(scale));
}

/** A seeded sample of `count` images of a split, still in CPU memory (only the sample gets uploaded). */
function sampleImageSet(set: ImageSet, count: number, seed: number | string): ImageSet {
  if (count >= set.count) return set;
  const bytes = imageBytes(set);
  const picked = createRng(seed).fork('calibration').shuffle(Array.from({ length: set.count }, (_, i) => i)).slice(0, count);
  const images = new Uint8Array(count * bytes);
  const labels = new Uint8Array(count);
  picked.forEach((from, to) => {
    images.set(set.images.subarray(from * bytes, (from + 1) * bytes), to * bytes);
    labels[to] = set.labels[from]!;
  });
  return { ...set, count, images, labels };
}

/** Element-wise [min, max] of two [points, 2] tables of ranges. */
function widen(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const column = (t: tf.Tensor, c: number): tf.Tensor => t.slice([0, c], [-1, 1]);
    return tf.concat([tf.minimum(column(a, 0), column(b, 0)), tf.maximum(column(a, 1), column(b, 1))], 1);
  });
}

async function rangesOnDevice(network: Network, set: DeviceImageSet, batchSize: number): Promise<ActivationRange[]> {
  // [points, 2]: the running min and max of every activation point, kept on the device until the end.
  const table: { running: tf.Tensor | null } = { running: null };
  try {
    for (let start = 0; start < set.count; start += batchSize) {
      const size = Math.min(batchSize, set.count - start);
      const stats: tf.Tensor[] = [];
      try {
        tf.tidy(() => {
          network.apply(set.images.slice([start, 0, 0, 0], [size, -1, -1, -1]), {
            tap: (point, activation) => {
              stats[point] = tf.keep(tf.stack([activation.min(), activation.max()]));
              return activation;
            },
          });
        });
        const batch = tf.stack(stats);
        const previous = table.running;
        table.running = previous === null ? batch : widen(previous, batch);
        if (previous !== null) tf.dispose([previous, batch]);
      } finally {
        tf.dispose(stats);
      }
    }
    const values = await table.running!.data();
    return Array.from({ length: network.activationPoints }, (_, p) => ({ min: values[2 * p]!, max: values[2 * p + 1]! }));
  } finally {
    table.running?.dispose();
  }
}

/** The input's range: pixels are scaled from 0–255 to 0–1 (device-data.ts), whatever the sample held. */
export const inputRange: ActivationRange = { min: 0, max: 1 };

/** Ranges as the exported graph uses them: the input's whole [0, 1], and each pool its input's range. */
export function graphRanges(network: Network, measured: readonly ActivationRange[]): ActivationRange[] {
  const sources = rangeSources(tfliteGraph(network.architecture));
  const ranges = measured.map((range, point) => (point === 0 ? inputRange : range));
  return ranges.map((_, point) => ranges[sources[point] ?? point]!);
}

/** Calibrates the range of every activation point on a seeded sample of training images (see graphRanges). */
export async function calibrateActivations(network: Network, trainSet: ImageSet | DeviceImageSet, options: QuantizeOptions = {}): Promise<ActivationRange[]> {
  return graphRanges(network, await measureRanges(network, trainSet, options));
}

async function measureRanges(network: Network, trainSet: ImageSet | DeviceImageSet, options: QuantizeOptions): Promise<ActivationRange[]> {
  const count = Math.min(options.calibrationSamples ?? 512, trainSet.count);
  if (count < 1) throw new Error('quantize: the calibration set has no images');
  const batchSize = options.batchSize ?? 256;
  if (!isDeviceImageSet(trainSet)) {
    return withDeviceSet(sampleImageSet(trainSet, count, options.seed ?? 0), network, 'the calibration set', (device) => rangesOnDevice(network, device, batchSize));
  }
  if (count === trainSet.count) return rangesOnDevice(network, trainSet, batchSize);
  const picked = createRng(options.seed ?? 0).fork('calibration').shuffle(Array.from({ length: trainSet.count }, (_, i) => i)).slice(0, count);
  const sample = tf.tidy(() => {
    const indices = tf.tensor1d(picked, 'int32');
    return { images: trainSet.images.gather(indices), labels: trainSet.labels.gather(indices), count };
  });
  try {
    return await rangesOnDevice(network, sample, batchSize);
  } finally {
    tf.dispose([sample.images, sample.labels]);
  }
}


/**
 * The logits after the graph's int8 softmax, as log-probabilities: ties between the 256 levels stay
 * ties (so an argmax picks the first, as on the chip), and a softmax of them gives back the quantised
 * probabilities for the loss. A level of 0 becomes log(1/512) rather than −∞.
 */
export function int8SoftmaxLogits(logits: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const levels = tf.softmax(logits).div(softmaxOutput.scale).round().clipByValue(0, 255);
    return levels.mul(softmaxOutput.scale).maximum(softmaxOutput.scale / 2).log();
  });
}

/** The tap of the int8 simulation: fake quantisation at every point, and the int8 softmax after the last. */
export function int8Tap(ranges: readonly ActivationRange[]): (point: number, activation: tf.Tensor) => tf.Tensor {
  const last = ranges.length - 1;
  return (point, activation) => {
    const quantized = fakeQuantizeActivation(activation, ranges[point]!);
    if (point !== last) return quantized;
    return tf.tidy(() => int8SoftmaxLogits(quantized));
  };
}

/** Accuracy with int8 weights and int8 activations (simulated), given calibrated ranges. */
export async function evaluateInt8(
  network: Network,
  set: ImageSet | DeviceImageSet,
  ranges: readonly ActivationRange[],
  options: QuantizeOptions = {},
): Promise<Evaluation> {
  if (ranges.length !== network.activationPoints) {
    throw new Error(`quantize: ${ranges.length} calibrated ranges for a network with ${network.activationPoints} activation points`);
  }
  const weights = quantizeWeights(network, options.denseWeights);
  try {
    return await withDeviceSet(set, network, 'the test set', (device) =>
      evaluateOnDevice(network, device, {
        batchSize: options.batchSize,
        forward: { weights, tap: int8Tap(ranges) },
      }),
    );
  } finally {
    tf.dispose(weights.flatMap((w) => [w.kernel, w.bias]));
  }
}

/**
 * The class the int8 simulation predicts for every image of `set` (the first of the largest softmax
 * levels), in order: what the exported model should answer.
 */
export async function predictInt8(network: Network, set: ImageSet | DeviceImageSet, ranges: readonly ActivationRange[], options: QuantizeOptions = {}): Promise<Int32Array> {
  if (ranges.length !== network.activationPoints) {
    throw new Error(`quantize: ${ranges.length} calibrated ranges for a network with ${network.activationPoints} activation points`);
  }
  const weights = quantizeWeights(network, options.denseWeights);
  const batchSize = options.batchSize ?? 256;
  try {
    return await withDeviceSet(set, network, 'the test set', async (device) => {
      const predictions = new Int32Array(device.count);
      for (let start = 0; start < device.count; start += batchSize) {
        const size = Math.min(batchSize, device.count - start);
        const classes = tf.tidy(() => network.apply(device.images.slice([start, 0, 0, 0], [size, -1, -1, -1]), { weights, tap: int8Tap(ranges) }).argMax(1));
        try {
          predictions.set(await classes.data(), start);
        } finally {
          classes.dispose();
        }
      }
      return predictions;
    });
  } finally {
    tf.dispose(weights.flatMap((w) => [w.kernel, w.bias]));
  }
}

/** Calibrates on training images, then evaluates `test` in float and in simulated int8. */
export async function compareInt8(
  network: Network,
  sets: { readonly calibration: ImageSet | DeviceImageSet; readonly test: ImageSet | DeviceImageSet },
  options: QuantizeOptions = {},
): Promise<QuantizedComparison> {
  const ranges = await calibrateActivations(network, sets.calibration, options);
  return withDeviceSet(sets.test, network, 'the test set', async (test) => {
    const float = await evaluateOnDevice(network, test, { batchSize: options.batchSize });
    const int8 = await evaluateInt8(network, test, ranges, options);
    return { float, int8, ranges };
  });
}
