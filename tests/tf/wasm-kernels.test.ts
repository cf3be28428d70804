/**
 * The WASM training kernels (src/tf/wasm-kernels.ts) against tfjs-cpu: every convolution gradient
 * the networks use (conv, depthwise, pointwise; stride 1 and 2; same and valid padding; plain and
 * fused with bias and ReLU), to 1e-4. Each case also checks that nothing is left behind: no tfjs
 * tensor, and no buffer inside the WASM backend (the kernels make and free their own scratch).
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Padding } from '../../src/core/architecture.ts';
import { selectBackend } from '../../src/tf/backend.ts';
import { noLeaks } from './leaks.ts';

beforeAll(async () => {
  // Starts WASM through the probe, which registers the kernels, and checks a convolution gradient.
  expect((await selectBackend({ candidates: ['wasm'] })).backend).toBe('wasm');
});
afterAll(() => tf.setBackend('cpu'));

type Kind = 'conv' | 'depthwise' | 'pointwise';

interface Case {
  readonly kind: Kind;
  readonly side: [height: number, width: number];
  readonly channels: number;
  readonly kernel: number;
  readonly stride: number;
  readonly padding: Padding;
  readonly fused: boolean;
}

/** Output, input gradient and filter gradient (and bias gradient when fused) of a weighted sum of the op's output. */
function outputAndGradients(c: Case): Float32Array[] {
  return tf.tidy(() => {
    const [height, width] = c.side;
    const x = tf.randomNormal([3, height, width, c.channels], 0, 1, 'float32', 11) as tf.Tensor4D;
    const filters = c.kind === 'depthwise' ? 1 : 5;
    const k = c.kind === 'pointwise' ? 1 : c.kernel;
    const w = tf.randomNormal([k, k, c.channels, filters], 0, 1, 'float32', 12) as tf.Tensor4D;
    const outChannels = c.kind === 'depthwise' ? c.channels : filters;
    const bias = tf.randomNormal([outChannels], 0, 1, 'float32', 13) as tf.Tensor1D;
    const stride = c.kind === 'pointwise' ? 1 : c.stride;
    const op = (a: tf.Tensor4D, b: tf.Tensor4D, beta: tf.Tensor1D): tf.Tensor4D => {
      if (c.fused) {
        const args = { x: a, filter: b, strides: stride, pad: c.padding, bias: beta, activation: 'relu' as const };
        return c.kind === 'depthwise' ? tf.fused.depthwiseConv2d(args) : tf.fused.conv2d(args);
      }
      return c.kind === 'depthwise' ? tf.depthwiseConv2d(a, b, stride, c.padding) : tf.conv2d(a, b, stride, c.padding);
    };
    const y = op(x, w, bias);
    const weights = tf.randomNormal(y.shape, 0, 1, 'float32', 14);
    const loss = (...args: tf.Tensor[]): tf.Scalar => op(args[0] as tf.Tensor4D, args[1] as tf.Tensor4D, (args[2] ?? bias) as tf.Tensor1D).mul(weights).sum();
    const grads = tf.grads(loss)(c.fused ? [x, w, bias] : [x, w]);
    return [y, ...grads].map((t) => t.dataSync() as Float32Array);
  });
}

async function on<T>(backend: string, run: () => T): Promise<T> {
  await tf.setBackend(backend);
  return run();
}

const maxDifference = (a: Float32Array, b: Float32Array): number => a.reduce((worst, v, i) => Math.max(worst, Math.abs(v - b[i]!)), 0);

const cases: Case[] = [];
for (const kind of ['conv', 'depthwise', 'pointwise'] as const) {
  for (const stride of kind === 'pointwise' ? [1] : [1, 2]) {
    for (const padding of ['same', 'valid'] as const) {
      // Odd sides with stride 2 leave the last row unused under "valid"; 5×5 kernels pad 2 on each side.
      cases.push({ kind, side: [9, 7], channels: 3, kernel: 3, stride, padding, fused: false });
      cases.push({ kind, side: [8, 8], channels: 2, kernel: 5, stride, padding, fused: true });
    }
  }
}

describe('the WASM training kernels', () => {
  for (const c of cases) {
    const name = `${c.kind} ${c.kind === 'pointwise' ? 1 : c.kernel}×${c.kind === 'pointwise' ? 1 : c.kernel}, stride ${c.kind === 'pointwise' ? 1 : c.stride}, ${c.padding}${c.fused ? ', fused with bias and ReLU' : ''}`;
    it(`give tfjs-cpu's output and gradients: ${name}`, async () => {
      const expected = await on('cpu', () => outputAndGradients(c));
      await tf.setBackend('wasm');
      const buffersBefore = tf.engine().backend.numDataIds();
      await noLeaks(async () => {
        const got = outputAndGradients(c);
        expect(got.map((t) => t.length)).toEqual(expected.map((t) => t.length));
        got.forEach((values, i) => expect(maxDifference(values, expected[i]!)).toBeLessThan(1e-4));
      });
      expect(tf.engine().backend.numDataIds()).toBe(buffersBefore);
    });
  }

  /** The gradient of a weighted sum of a pool's output, and of a dense layer after it. */
  const poolGradients = (x: () => tf.Tensor4D, pool: (a: tf.Tensor4D) => tf.Tensor4D): Float32Array[] =>
    tf.tidy(() => {
      const input = x();
      const weights = tf.randomNormal(pool(input).shape, 0, 1, 'float32', 23);
      return [tf.grad((a: tf.Tensor) => pool(a as tf.Tensor4D).mul(weights).sum())(input).dataSync() as Float32Array];
    });
  const normal = (shape: [number, number, number, number]) => () => tf.randomNormal(shape, 0, 1, 'float32', 21) as tf.Tensor4D;
  const poolCases: [string, () => tf.Tensor4D, (a: tf.Tensor4D) => tf.Tensor4D][] = [
    // Windows of negative values only: tfjs-wasm's own MaxPoolGrad puts dy at the window's first element.
    ['max 2×2 on 9×9 (a row and a column left over), negative windows too', normal([2, 9, 9, 3]), (a) => tf.maxPool(a, 2, 2, 'valid')],
    ['max 2×2 "same" on 7×7 (the last windows padded)', normal([2, 7, 7, 2]), (a) => tf.maxPool(a, 2, 2, 'same')],
    ['max 3×3 stride 3 on 8×6', normal([1, 8, 6, 2]), (a) => tf.maxPool(a, 3, 3, 'valid')],
    // Ties, as after a ReLU: the first maximum in row-major order takes dy, as on tfjs-cpu.
    ['max 2×2 with ties at 0 and at 1', () => tf.tidy(() => tf.relu(tf.randomNormal([2, 6, 6, 3], 0, 1, 'float32', 24)).round().minimum(1) as tf.Tensor4D), (a) => tf.maxPool(a, 2, 2, 'valid')],
    // Overlapping windows keep tfjs-wasm's kernel; their inputs come after a ReLU, never negative.
    ['max 3×3 stride 2 (overlapping windows) after a ReLU', () => tf.tidy(() => tf.relu(tf.randomNormal([2, 9, 9, 2], 0, 1, 'float32', 25)) as tf.Tensor4D), (a) => tf.maxPool(a, 3, 2, 'valid')],
    ['average 2×2 on 9×9', normal([2, 9, 9, 3]), (a) => tf.avgPool(a, 2, 2, 'valid')],
  ];
  for (const [name, x, pool] of poolCases) {
    it(`give tfjs-cpu's pool gradient: ${name}`, async () => {
      const expected = await on('cpu', () => poolGradients(x, pool));
      await tf.setBackend('wasm');
      const buffersBefore = tf.engine().backend.numDataIds();
      await noLeaks(() => {
        const got = poolGradients(x, pool);
        got.forEach((values, i) => expect(maxDifference(values, expected[i]!)).toBeLessThan(1e-5));
      });
      expect(tf.engine().backend.numDataIds()).toBe(buffersBefore);
    });
  }

  it('refuse a channel multiplier other than 1 in words, leaving nothing behind', async () => {
    await tf.setBackend('wasm');
    const buffersBefore = tf.engine().backend.numDataIds();
    await noLeaks(() => {
      tf.tidy(() => {
        const x = tf.ones([1, 4, 4, 2]);
        const dy = tf.ones([1, 4, 4, 4]);
        const attrs = { strides: 1, pad: 'same', dilations: 1, filterShape: [3, 3, 2, 2] };
        expect(() => tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy }, attrs)).toThrow(
          'the WASM depthwise gradients handle a channel multiplier of 1 only, not 2',
        );
      });
    });
    expect(tf.engine().backend.numDataIds()).toBe(buffersBefore);
  });
});
