import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Padding } from '../../src/core/architecture.ts';
import { conv2dForTraining, depthwiseConv2dForTraining } from '../../src/tf/kernels.ts';
import { noLeaks } from './leaks.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Largest difference between two tensors, relative to the largest value of the first. */
const relativeError = (a: tf.Tensor, b: tf.Tensor): number =>
  tf.tidy(() => a.sub(b).abs().max().div(a.abs().max().add(1e-12)).dataSync()[0]!);

// [height, width, channels, filters, kernel, stride, padding]: strides that leave rows unused, even
// kernels, 1×1 (pointwise), and "same" padding split unevenly.
const cases: [number, number, number, number, number, number, Padding][] = [
  [9, 7, 3, 4, 3, 2, 'same'],
  [10, 10, 2, 5, 3, 1, 'valid'],
  [11, 8, 3, 2, 5, 2, 'valid'],
  [8, 8, 4, 3, 1, 1, 'valid'],
  [7, 9, 2, 3, 2, 3, 'same'],
];

describe('the CPU training kernels', () => {
  for (const [height, width, channels, filters, kernel, stride, padding] of cases) {
    it(`give tfjs's values and gradients (${height}×${width}×${channels}, k ${kernel}, stride ${stride}, ${padding})`, () =>
      noLeaks(() => {
        tf.tidy(() => {
          const x = tf.randomNormal([3, height, width, channels], 0, 1, 'float32', 1) as tf.Tensor4D;
          const w = tf.randomNormal([kernel, kernel, channels, filters], 0, 1, 'float32', 2) as tf.Tensor4D;
          const dw = tf.randomNormal([kernel, kernel, channels, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
          type Conv = (x: tf.Tensor4D, w: tf.Tensor4D, stride: number, padding: Padding) => tf.Tensor4D;
          const loss = (conv: Conv) => (a: tf.Tensor, b: tf.Tensor) => conv(a as tf.Tensor4D, b as tf.Tensor4D, stride, padding).square().sum();
          const native: Conv = (a, b, s, p) => tf.conv2d(a, b, s, p);
          const nativeDepthwise: Conv = (a, b, s, p) => tf.depthwiseConv2d(a, b, s, p);
          expect(relativeError(native(x, w, stride, padding), conv2dForTraining(x, w, stride, padding))).toBe(0);
          const [gx, gw] = tf.grads(loss(native))([x, w]);
          const [ox, ow] = tf.grads(loss(conv2dForTraining))([x, w]);
          expect(relativeError(gx!, ox!)).toBeLessThan(1e-5);
          expect(relativeError(gw!, ow!)).toBeLessThan(1e-5);
          const [hx, hw] = tf.grads(loss(nativeDepthwise))([x, dw]);
          const [px, pw] = tf.grads(loss(depthwiseConv2dForTraining))([x, dw]);
          expect(relativeError(hx!, px!)).toBeLessThan(1e-5);
          expect(relativeError(hw!, pw!)).toBeLessThan(1e-5);
        });
      }));
  }
});
