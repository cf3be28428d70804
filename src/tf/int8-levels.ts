/**
 * The int8 model's output for a few images: the levels (0–255) of the int8 softmax, as the exported
 * model's output tensor holds them (less its zero point), from the same simulation as predictInt8.
 */
import * as tf from '@tensorflow/tfjs';
import { softmaxOutput } from '../core/tflite-graph.ts';
import type { Network } from './network.ts';
import { type ActivationRange, int8Tap, quantizeWeights } from './quantize.ts';

/**
 * Softmax levels of `count` images (uint8 pixels, NHWC, in the network's input shape), image after
 * image: count × classes integers from 0 to 255. `ranges` are calibrated as for predictInt8.
 */
export async function int8SoftmaxLevels(network: Network, pixels: Uint8Array, count: number, ranges: readonly ActivationRange[]): Promise<Int32Array> {
  const { height, width, channels } = network.architecture.input;
  if (pixels.length !== count * height * width * channels) {
    throw new Error(`the model takes ${height}×${width}×${channels} pixels per image (${height * width * channels}); got ${pixels.length} for ${count} image(s)`);
  }
  if (ranges.length !== network.activationPoints) {
    throw new Error(`quantize: ${ranges.length} calibrated ranges for a network with ${network.activationPoints} activation points`);
  }
  const weights = quantizeWeights(network);
  try {
    // Pixels scaled to 0–1 as device-data.ts uploads them; the last tap gives log(level · scale), level 0 as log(scale / 2).
    const logits = tf.tidy(() => {
      const images = tf.tensor4d(Int32Array.from(pixels), [count, height, width, channels], 'int32').cast('float32').div(255) as tf.Tensor4D;
      return network.apply(images, { weights, tap: int8Tap(ranges) });
    });
    try {
      const values = await logits.data();
      // exp gives k·scale for level k ≥ 1 and scale/2 for level 0: shifting by a quarter before rounding keeps both exact.
      return Int32Array.from(values, (v) => Math.round(Math.exp(v) / softmaxOutput.scale - 0.25));
    } finally {
      logits.dispose();
    }
  } finally {
    tf.dispose(weights.flatMap((w) => [w.kernel, w.bias]));
  }
}
