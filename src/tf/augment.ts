/**
 * Light data augmentation for small image sets, on the device: every image of a batch moved by its
 * own random whole-pixel offset, the uncovered border filled with 0 (the background after scaling).
 * Small shifts are the classic augmentation for digits (Simard, Steinkraus & Platt, ICDAR 2003) and
 * keep every image a valid one of its class.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../core/rng.ts';

/**
 * `images` [B, H, W, C] shifted by offsets drawn from `rng`, each in [−maxShift, maxShift] on each
 * axis: the batch is padded by `maxShift` and each output pixel gathered from its place in the padded
 * batch, so every value is copied exactly. (tfjs-wasm 4.22's CropAndResize, the obvious kernel for
 * this, puts some crops a pixel off.)
 */
export function randomShift(images: tf.Tensor4D, maxShift: number, rng: Rng): tf.Tensor4D {
  if (maxShift <= 0) return images;
  const [batch, height, width, channels] = images.shape;
  const paddedHeight = height + 2 * maxShift;
  const paddedWidth = width + 2 * maxShift;
  // Row of the padded batch, flattened to [B·Hp·Wp, C], that each output pixel takes.
  const rows = new Int32Array(batch * height * width);
  let next = 0;
  for (let b = 0; b < batch; b++) {
    const top = rng.int(0, 2 * maxShift);
    const left = rng.int(0, 2 * maxShift);
    for (let y = 0; y < height; y++) {
      const start = (b * paddedHeight + top + y) * paddedWidth + left;
      for (let x = 0; x < width; x++) rows[next++] = start + x;
    }
  }
  return tf.tidy(() => {
    const padded = tf.pad(images, [[0, 0], [maxShift, maxShift], [maxShift, maxShift], [0, 0]]);
    return padded.reshape([-1, channels]).gather(tf.tensor1d(rows, 'int32')).reshape([batch, height, width, channels]);
  });
}
