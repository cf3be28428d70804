/**
 * How a weighted op computes: tfjs's fused kernels, and on tfjs's CPU backend while training,
 * convolutions whose filter gradients are computed another way.
 *
 * Why: faster training on tfjs's CPU backend (what the Node CLI trains on). Profiled on the example
 * LeNet (examples/lenet-mnist.json), three quarters of a training step went to the
 * Conv2DBackpropFilter kernel, which reads its tensors element by element through index arithmetic;
 * the depthwise filter gradient is written the same way. Here both filter gradients are computed as
 * convolutions, which tfjs-cpu runs fast: a training step of that LeNet went from about 1,140 ms to
 * about 270 ms (batch 32, 2-core machine). Outputs are the same; only the gradients are computed
 * another way, equal to tfjs's up to float rounding. Tried and dropped: im2col through slices
 * (tfjs-cpu copies strided slices element by element, slower still) and pools as reshape + max
 * (the reduction's transposes cost more than MaxPoolGrad). The GPU backends keep tfjs's kernels.
 */
import * as tf from '@tensorflow/tfjs';
import type { Padding } from '../core/architecture.ts';
import type { WeightedOp } from './weighted-op.ts';

/**
 * Convolution or matrix product of one weighted op, plus its bias and activation when given. tfjs's
 * fused kernels do all three in one pass where they can (and fall back to separate ops where a
 * gradient needs them apart). `cpuTraining` swaps in the CPU gradients below.
 */
export function applyKernel(
  op: Pick<WeightedOp, 'kind' | 'stride' | 'padding'>,
  x: tf.Tensor,
  kernel: tf.Tensor,
  options: { readonly bias?: tf.Tensor; readonly activation?: 'relu' | 'linear'; readonly cpuTraining?: boolean } = {},
): tf.Tensor {
  const { bias, activation = 'linear' } = options;
  if (options.cpuTraining && op.kind !== 'dense') {
    const convolve = op.kind === 'depthwise' ? depthwiseConv2dForTraining : conv2dForTraining;
    let y: tf.Tensor = convolve(x as tf.Tensor4D, kernel as tf.Tensor4D, op.stride, op.padding);
    if (bias) y = y.add(bias);
    return activation === 'relu' ? tf.relu(y) : y;
  }
  if (op.kind === 'dense') return tf.fused.matMul({ a: x as tf.Tensor2D, b: kernel as tf.Tensor2D, bias, activation });
  const args = { x: x as tf.Tensor4D, filter: kernel as tf.Tensor4D, strides: op.stride, pad: op.padding, bias, activation };
  return op.kind === 'depthwise' ? tf.fused.depthwiseConv2d(args) : tf.fused.conv2d(args);
}

/** Top and left padding of TF's "same" convolution (the larger half goes to the bottom and right). */
function samePadding(inSide: number, outSide: number, kernel: number, stride: number): [number, number] {
  const total = Math.max((outSide - 1) * stride + kernel - inSide, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/** x padded as TF's "same" convolution pads it (nothing for "valid"). */
function padLikeConv(x: tf.Tensor4D, kernel: number, stride: number, padding: Padding, outHeight: number, outWidth: number): tf.Tensor4D {
  if (padding === 'valid') return x;
  const [top, bottom] = samePadding(x.shape[1], outHeight, kernel, stride);
  const [left, right] = samePadding(x.shape[2], outWidth, kernel, stride);
  return top + bottom + left + right > 0 ? tf.pad(x, [[0, 0], [top, bottom], [left, right], [0, 0]]) : x;
}

/**
 * The result of a "valid" correlation can be larger than k×k when the stride left rows or columns
 * of the input unused; those extra taps are dropped.
 */
const cropTo = (t: tf.Tensor4D, kernel: number): tf.Tensor4D =>
  t.shape[1] === kernel && t.shape[2] === kernel ? t : t.slice([0, 0, 0, 0], [t.shape[0], kernel, kernel, t.shape[3]]);

/** The signature tf.customGrad takes (tfjs exports the type from tfjs-core only). */
type CustomGradient = (...args: (tf.Tensor | tf.GradSaveFunc)[]) => { value: tf.Tensor4D; gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => tf.Tensor[] };

/**
 * `value(x, filter)` with our own gradient: `gradients(dy, x, filter)` gives [dx, dFilter]. The input
 * and the filter are saved for the backward pass, as tfjs's own kernels do.
 */
function withGradient(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  value: (input: tf.Tensor4D, kernel: tf.Tensor4D) => tf.Tensor4D,
  gradients: (dy: tf.Tensor4D, input: tf.Tensor4D, kernel: tf.Tensor4D) => [tf.Tensor4D, tf.Tensor],
): tf.Tensor4D {
  const forward: CustomGradient = (...args) => {
    const [input, kernel, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
    save([input, kernel]);
    return {
      value: value(input, kernel),
      gradFunc: (dy, saved) => {
        const [xs, fs] = saved as [tf.Tensor4D, tf.Tensor4D];
        return gradients(dy, xs, fs);
      },
    };
  };
  return tf.customGrad(forward)(x, filter);
}

/**
 * conv2d whose filter gradient is itself a convolution: dW[i, j, c, f] = Σ x[b, y·s + i, x·s + j, c] ·
 * dy[b, y, x, f] is x (batch and channels swapped) correlated with dy dilated by the stride, the
 * standard way TensorFlow derives it, and tfjs-cpu's Conv2D kernel is fast where its
 * Conv2DBackpropFilter is not.
 */
export function conv2dForTraining(x: tf.Tensor4D, filter: tf.Tensor4D, stride: number, padding: Padding): tf.Tensor4D {
  return withGradient(
    x,
    filter,
    (input, kernel) => tf.conv2d(input, kernel, stride, padding),
    (dy, xs, fs) => {
      const k = fs.shape[0];
      const padded = padLikeConv(xs, k, stride, padding, dy.shape[1], dy.shape[2]);
      // [C, Hp, Wp, B] correlated with [Ho, Wo, B, F] → [C, k', k', F] → [k, k, C, F].
      const correlation = tf.conv2d(padded.transpose([3, 1, 2, 0]) as tf.Tensor4D, dy.transpose([1, 2, 0, 3]) as tf.Tensor4D, 1, 'valid', 'NHWC', stride);
      const dFilter = cropTo(correlation, k).transpose([1, 2, 0, 3]);
      return [tf.conv2dTranspose(dy, fs, xs.shape, stride, padding), dFilter];
    },
  );
}

/**
 * depthwiseConv2d with the same trick per channel: batch and channels fold into one axis of a
 * depthwise correlation with dy, and the batch is summed out afterwards.
 */
export function depthwiseConv2dForTraining(x: tf.Tensor4D, filter: tf.Tensor4D, stride: number, padding: Padding): tf.Tensor4D {
  return withGradient(
    x,
    filter,
    (input, kernel) => tf.depthwiseConv2d(input, kernel, stride, padding),
    (dy, xs, fs) => {
      const [batch, outHeight, outWidth, channels] = dy.shape;
      const k = fs.shape[0];
      const padded = padLikeConv(xs, k, stride, padding, outHeight, outWidth);
      const folded = padded.transpose([1, 2, 0, 3]).reshape([1, padded.shape[1], padded.shape[2], batch * channels]) as tf.Tensor4D;
      const dyFolded = dy.transpose([1, 2, 0, 3]).reshape([outHeight, outWidth, batch * channels, 1]) as tf.Tensor4D;
      const correlation = cropTo(tf.depthwiseConv2d(folded, dyFolded, 1, 'valid', 'NHWC', stride), k);
      const dFilter = correlation.reshape([k, k, batch, channels]).sum(2).reshape(fs.shape);
      const dx = tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter: fs }, {
        strides: [stride, stride],
        pad: padding,
        dilations: [1, 1],
        inputShape: xs.shape,
      }) as tf.Tensor4D;
      return [dx, dFilter];
    },
  );
}
