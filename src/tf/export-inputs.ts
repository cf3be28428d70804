/**
 * What the exporter (src/deploy) needs of a trained network, read off tfjs: the evaluated weights
 * of every op (masks, thresholds and gates folded in, as the int8 simulation quantises them), the
 * activation ranges calibrated exactly as the simulation calibrates them (same images, same seed),
 * and the class the simulation predicts for every test image.
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageSet } from '../data/dataset.ts';
import type { Network } from './network.ts';
import { type ActivationRange, type QuantizeOptions, calibrateActivations, predictInt8 } from './quantize.ts';

/** One op's evaluated weights in tfjs layout (the shape of src/deploy's FloatOpWeights). */
export interface EvaluatedOpWeights {
  readonly kernelShape: readonly number[];
  readonly kernel: Float32Array;
  readonly bias: Float32Array;
}

export interface ExportInputs {
  readonly weights: readonly EvaluatedOpWeights[];
  readonly ranges: readonly ActivationRange[];
  /** The int8 simulation's class for every image of the test set, in order. */
  readonly predictions: Int32Array;
}

/** Reads the evaluated weights of every op. */
export async function evaluatedWeights(network: Network): Promise<EvaluatedOpWeights[]> {
  const result: EvaluatedOpWeights[] = [];
  for (const op of network.ops) {
    const kernel = network.evalKernel(op.index);
    const bias = network.evalBias(op.index);
    try {
      result.push({ kernelShape: kernel.shape, kernel: (await kernel.data()) as Float32Array, bias: (await bias.data()) as Float32Array });
    } finally {
      tf.dispose([kernel, bias]);
    }
  }
  return result;
}

/**
 * Everything the exporter needs. `options.seed` must be the trial's seed, so that the calibration
 * images (and so the ranges) are those the trial's int8 accuracy was measured with.
 */
export async function exportInputs(network: Network, sets: { readonly calibration: ImageSet; readonly test: ImageSet }, options: QuantizeOptions = {}): Promise<ExportInputs> {
  const ranges = await calibrateActivations(network, sets.calibration, options);
  const predictions = await predictInt8(network, sets.test, ranges, options);
  return { weights: await evaluatedWeights(network), ranges, predictions };
}
