/**
 * Convolution training on tfjs's WASM backend (4.22): the three gradient kernels it lacks, and
 * a faster form of one it has, all built from the kernels it runs through XNNPACK. With them
 * registered, tfjs's own gradients of conv2d, depthwiseConv2d, maxPool and their fused forms work
 * and are fast on WASM, for our trainer and for `fit` alike.
 *
 * Missing in tfjs-backend-wasm 4.22, added here:
 * - Conv2DBackpropFilter and DepthwiseConv2dNativeBackpropFilter, as TensorFlow derives them: the
 *   padded input correlated with dy dilated by the stride, batch and channels swapped (the same
 *   algebra as kernels.ts uses for tfjs-cpu with ops; here at the kernel level, where ops may not
 *   be called): dW[i, j, c, f] = Σ_b,y,x xPadded[b, y·s + i, x·s + j, c] · dy[b, y, x, f].
 * - DepthwiseConv2dNativeBackpropInput, as the input gradient below.
 * Present but replaced here (measured on the reference CNN's shapes, batch 32, 2-core machine):
 * - Conv2DBackpropInput, a plain C loop: 8.2 ms for a 14×14×8 → 16 stride-1 layer, against 1.3 ms
 *   as a convolution: dy spread out by the stride (zeros between), correlated with the filter
 *   turned by 180° and its channels swapped, padded so that the result is the input's window.
 * - MaxPoolGrad, for windows that do not overlap (stride = size, as all our pools): tfjs-wasm's
 *   gives a window whose values are all negative the gradient at its first element, not at its
 *   maximum (and its MaxPoolWithArgmax returns index 0 for such windows), and it took 7.1 ms for
 *   32×28×28×8. Here each window's first maximum is found with ArgMax and dy is put there, as
 *   TensorFlow does: 5.2 ms. Overlapping windows keep tfjs-wasm's kernel (our networks have none,
 *   and a max pool there always follows a ReLU, so its inputs are never negative).
 *
 * Every intermediate buffer is freed before a kernel returns. Only dilation 1, NHWC and a channel
 * multiplier of 1 are handled: all that our networks and Keras' layers use. tests/tf/wasm-kernels
 * checks each kernel against tfjs-cpu.
 */
import * as tf from '@tensorflow/tfjs';

type Info = tf.TensorInfo;
type Backend = tf.KernelBackend;
interface KernelArgs {
  readonly inputs: tf.NamedTensorInfoMap;
  readonly backend: Backend;
  readonly attrs: tf.NamedAttrMap;
}
type Keep = (info: Info) => Info;

/** The kernels found at registration, by name: ours call these, never the registry (which holds ours, and not the originals). */
const wasmKernels = new Map<string, tf.KernelFunc>();

function call(backend: Backend, name: string, inputs: Record<string, Info>, attrs: Record<string, unknown> = {}): Info {
  const kernel = wasmKernels.get(name);
  if (kernel === undefined) throw new Error(`tfjs's WASM backend has no ${name} kernel, which its convolution gradients need`);
  return kernel({ inputs, attrs: attrs as tf.NamedAttrMap, backend }) as Info;
}

/** Runs `build` with a `keep` that records intermediate buffers, and frees them all when it returns. */
function withScratch(backend: Backend, build: (keep: Keep) => Info): Info {
  const scratch: Info[] = [];
  try {
    return build((info) => {
      scratch.push(info);
      return info;
    });
  } finally {
    for (const info of scratch) backend.disposeData(info.dataId);
  }
}

interface Geometry {
  readonly strideHeight: number;
  readonly strideWidth: number;
  readonly filterHeight: number;
  readonly filterWidth: number;
  readonly top: number;
  readonly bottom: number;
  readonly left: number;
  readonly right: number;
}

/** Strides, filter size and padding as tfjs computes them for the forward convolution. */
function geometry(xShape: readonly number[], filterShape: readonly number[], attrs: tf.NamedAttrMap, depthwise: boolean): Geometry {
  const dilations = (attrs['dilations'] as number | [number, number] | undefined) ?? 1;
  if (typeof dilations === 'number' ? dilations !== 1 : dilations.some((d) => d !== 1)) throw new Error('the WASM convolution gradients handle dilation 1 only');
  const dataFormat = (attrs['dataFormat'] as string | undefined) ?? 'NHWC';
  if (dataFormat !== 'NHWC') throw new Error(`the WASM convolution gradients handle NHWC only, not ${dataFormat}`);
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs['strides'] as number | [number, number],
    1,
    attrs['pad'] as 'same' | 'valid' | number,
    attrs['dimRoundingMode'] as 'floor' | 'round' | 'ceil' | undefined,
    depthwise,
  );
  const { strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const { top, bottom, left, right } = info.padInfo;
  return { strideHeight, strideWidth, filterHeight, filterWidth, top, bottom, left, right };
}

function checkMultiplier(filterShape: readonly number[]): void {
  if (filterShape[3] !== 1) throw new Error(`the WASM depthwise gradients handle a channel multiplier of 1 only, not ${filterShape[3]}`);
}

/** x padded as the forward convolution pads it (x itself when it needs none). */
function padInput(backend: Backend, x: Info, g: Geometry, keep: Keep): Info {
  if (g.top + g.bottom + g.left + g.right === 0) return x;
  return keep(call(backend, 'PadV2', { x }, { paddings: [[0, 0], [g.top, g.bottom], [g.left, g.right], [0, 0]], constantValue: 0 }));
}

/** `info` cut to `size` from the origin, or itself when it has that shape already. */
function cropTo(backend: Backend, info: Info, size: readonly number[], keep: Keep): Info {
  if (info.shape.every((side, i) => side === size[i])) return info;
  return keep(call(backend, 'Slice', { x: info }, { begin: size.map(() => 0), size }));
}

function conv2DBackpropFilter({ inputs, backend, attrs }: KernelArgs): Info {
  const { x, dy } = inputs as { x: Info; dy: Info };
  const filterShape = attrs['filterShape'] as number[];
  const g = geometry(x.shape, filterShape, attrs, false);
  return withScratch(backend, (keep) => {
    const padded = padInput(backend, x, g, keep);
    // [C, Hp, Wp, B] correlated with [Ho, Wo, B, F] dilated by the stride → [C, ≥k, ≥k, F].
    const xT = keep(call(backend, 'Transpose', { x: padded }, { perm: [3, 1, 2, 0] }));
    const dyT = keep(call(backend, 'Transpose', { x: dy }, { perm: [1, 2, 0, 3] }));
    const dilations = [g.strideHeight, g.strideWidth];
    const correlation = keep(call(backend, 'Conv2D', { x: xT, filter: dyT }, { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations }));
    // Taps past k×k come from rows or columns the stride left unused.
    const cropped = cropTo(backend, correlation, [filterShape[2]!, g.filterHeight, g.filterWidth, filterShape[3]!], keep);
    return call(backend, 'Transpose', { x: cropped }, { perm: [1, 2, 0, 3] });
  });
}

function depthwiseBackpropFilter({ inputs, backend, attrs }: KernelArgs): Info {
  const { x, dy } = inputs as { x: Info; dy: Info };
  const filterShape = attrs['filterShape'] as number[];
  checkMultiplier(filterShape);
  const g = geometry(x.shape, filterShape, attrs, true);
  const [batch, outHeight, outWidth, channels] = dy.shape as [number, number, number, number];
  return withScratch(backend, (keep) => {
    const padded = padInput(backend, x, g, keep);
    // Batch and channels fold into one axis of a depthwise correlation with dy; the batch is summed out.
    const xT = keep(call(backend, 'Transpose', { x: padded }, { perm: [1, 2, 0, 3] }));
    const folded = keep(call(backend, 'Reshape', { x: xT }, { shape: [1, padded.shape[1]!, padded.shape[2]!, batch * channels] }));
    const dyT = keep(call(backend, 'Transpose', { x: dy }, { perm: [1, 2, 0, 3] }));
    const dyFolded = keep(call(backend, 'Reshape', { x: dyT }, { shape: [outHeight, outWidth, batch * channels, 1] }));
    const dilations = [g.strideHeight, g.strideWidth];
    const correlation = keep(call(backend, 'DepthwiseConv2dNative', { x: folded, filter: dyFolded }, { strides: [1, 1], pad: 'valid', dilations }));
    const cropped = cropTo(backend, correlation, [1, g.filterHeight, g.filterWidth, batch * channels], keep);
    const perImage = keep(call(backend, 'Reshape', { x: cropped }, { shape: [g.filterHeight, g.filterWidth, batch, channels] }));
    const summed = keep(call(backend, 'Sum', { x: perImage }, { axis: [2], keepDims: false }));
    return call(backend, 'Reshape', { x: summed }, { shape: filterShape });
  });
}

/**
 * dy [B, Ho, Wo, C] with stride − 1 zeros between rows and between columns, and none after the
 * last: [B, (Ho − 1)·sh + 1, (Wo − 1)·sw + 1, C]. dy itself at stride 1.
 */
function spreadByStride(backend: Backend, dy: Info, strideHeight: number, strideWidth: number, keep: Keep): Info {
  const [batch, outHeight, outWidth, channels] = dy.shape as [number, number, number, number];
  let spread = dy;
  if (strideHeight > 1) {
    // Each row gets sh − 1 zero rows after it (as a padded axis of length 1), then the last ones are cut.
    const rows = keep(call(backend, 'Reshape', { x: spread }, { shape: [batch, outHeight, 1, outWidth * channels] }));
    const padded = keep(call(backend, 'PadV2', { x: rows }, { paddings: [[0, 0], [0, 0], [0, strideHeight - 1], [0, 0]], constantValue: 0 }));
    const flat = keep(call(backend, 'Reshape', { x: padded }, { shape: [batch, outHeight * strideHeight, outWidth, channels] }));
    spread = cropTo(backend, flat, [batch, (outHeight - 1) * strideHeight + 1, outWidth, channels], keep);
  }
  if (strideWidth > 1) {
    const height = spread.shape[1]!;
    const columns = keep(call(backend, 'Reshape', { x: spread }, { shape: [batch * height, outWidth, 1, channels] }));
    const padded = keep(call(backend, 'PadV2', { x: columns }, { paddings: [[0, 0], [0, 0], [0, strideWidth - 1], [0, 0]], constantValue: 0 }));
    const flat = keep(call(backend, 'Reshape', { x: padded }, { shape: [batch, height, outWidth * strideWidth, channels] }));
    spread = cropTo(backend, flat, [batch, height, (outWidth - 1) * strideWidth + 1, channels], keep);
  }
  return spread;
}

/**
 * dx of a convolution or depthwise convolution: dx[i] = Σ_m spread(dy)[i + top + m − (k − 1)] ·
 * turned[m], with `turned` the filter turned by 180°. So: spread dy, pad it by k − 1 − top before
 * and as much after as makes the result as long as the input, and correlate. The padding is
 * explicit, so XNNPACK pads as it convolves; no padded copy is made.
 */
function inputGradient(backend: Backend, dy: Info, filter: Info, inputShape: readonly number[], attrs: tf.NamedAttrMap, depthwise: boolean): Info {
  const g = geometry(inputShape, filter.shape, attrs, depthwise);
  return withScratch(backend, (keep) => {
    const spread = spreadByStride(backend, dy, g.strideHeight, g.strideWidth, keep);
    const flipped = keep(call(backend, 'Reverse', { x: filter }, { dims: [0, 1] }));
    // A convolution's filter [k, k, C, F] becomes [k, k, F, C]: dy's channels in, the input's out.
    const turned = depthwise ? flipped : keep(call(backend, 'Transpose', { x: flipped }, { perm: [0, 1, 3, 2] }));
    const before = (k: number, pad: number): number => k - 1 - pad;
    const after = (side: number, pad: number, spreadSide: number): number => side + pad - spreadSide;
    const pad = [
      [0, 0],
      [before(g.filterHeight, g.top), after(inputShape[1]!, g.top, spread.shape[1]!)],
      [before(g.filterWidth, g.left), after(inputShape[2]!, g.left, spread.shape[2]!)],
      [0, 0],
    ];
    const convAttrs = { strides: [1, 1], pad, dilations: [1, 1], dataFormat: 'NHWC' };
    return call(backend, depthwise ? 'DepthwiseConv2dNative' : 'Conv2D', { x: spread, filter: turned }, convAttrs);
  });
}

/**
 * dy of a max pool put at each window's first maximum, for windows that do not overlap: the input
 * (cropped to whole windows, or padded with −∞ for "same") is cut into windows, ArgMax finds the
 * first maximum of each in row-major order, and a one-hot of it times dy goes back into place.
 */
function maxPoolGrad({ inputs, backend, attrs }: KernelArgs): Info {
  const { dy, input } = inputs as { dy: Info; input: Info };
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs['filterSize'] as number | [number, number],
    attrs['strides'] as number | [number, number],
    1,
    attrs['pad'] as 'same' | 'valid' | number,
    attrs['dimRoundingMode'] as 'floor' | 'round' | 'ceil' | undefined,
  );
  const { batchSize: batch, inHeight, inWidth, inChannels: channels, outHeight, outWidth, strideHeight: sh, strideWidth: sw, filterHeight, filterWidth } = info;
  const { top, left } = info.padInfo;
  if (sh !== filterHeight || sw !== filterWidth) return wasmKernels.get('MaxPoolGrad')!({ inputs, backend, attrs }) as Info;
  return withScratch(backend, (keep) => {
    // The input as whole windows: [B, Ho·sh, Wo·sw, C], starting `top`, `left` before the input.
    const windowHeight = outHeight * sh;
    const windowWidth = outWidth * sw;
    const before = [top, left];
    const after = [Math.max(0, windowHeight - top - inHeight), Math.max(0, windowWidth - left - inWidth)];
    const padded =
      before[0]! + before[1]! + after[0]! + after[1]! > 0
        ? keep(call(backend, 'PadV2', { x: input }, { paddings: [[0, 0], [before[0], after[0]], [before[1], after[1]], [0, 0]], constantValue: -Infinity }))
        : input;
    const tiled = cropTo(backend, padded, [batch, windowHeight, windowWidth, channels], keep);
    const sixD = [batch, outHeight, sh, outWidth, sw, channels];
    const split = keep(call(backend, 'Reshape', { x: tiled }, { shape: sixD }));
    // [B, Ho, Wo, C, sh, sw]: each window's values in row-major order, last.
    const windows = keep(call(backend, 'Transpose', { x: split }, { perm: [0, 1, 3, 5, 2, 4] }));
    const rows = keep(call(backend, 'Reshape', { x: windows }, { shape: [-1, sh * sw] }));
    const first = keep(call(backend, 'ArgMax', { x: rows }, { axis: 1 }));
    // tfjs-wasm's OneHot writes int32 whatever dtype it is asked for.
    const oneHotInt = keep(call(backend, 'OneHot', { indices: first }, { depth: sh * sw, onValue: 1, offValue: 0, dtype: 'int32' }));
    const oneHot = keep(call(backend, 'Cast', { x: oneHotInt }, { dtype: 'float32' }));
    const dyColumn = keep(call(backend, 'Reshape', { x: dy }, { shape: [-1, 1] }));
    const placed = keep(call(backend, 'Multiply', { a: oneHot, b: dyColumn }));
    const placedWindows = keep(call(backend, 'Reshape', { x: placed }, { shape: [batch, outHeight, outWidth, channels, sh, sw] }));
    const back = keep(call(backend, 'Transpose', { x: placedWindows }, { perm: [0, 1, 4, 2, 5, 3] }));
    const grid = keep(call(backend, 'Reshape', { x: back }, { shape: [batch, windowHeight, windowWidth, channels] }));
    // Back to the input's own extent: rows and columns no window covered get 0, padding is cut.
    const rest = [Math.max(0, inHeight + top - windowHeight), Math.max(0, inWidth + left - windowWidth)];
    const extended = rest[0]! + rest[1]! > 0 ? keep(call(backend, 'PadV2', { x: grid }, { paddings: [[0, 0], [0, rest[0]], [0, rest[1]], [0, 0]], constantValue: 0 })) : grid;
    return call(backend, 'Slice', { x: extended }, { begin: [0, top, left, 0], size: [batch, inHeight, inWidth, channels] });
  });
}

function conv2DBackpropInput({ inputs, backend, attrs }: KernelArgs): Info {
  const { dy, filter } = inputs as { dy: Info; filter: Info };
  return inputGradient(backend, dy, filter, attrs['inputShape'] as number[], attrs, false);
}

function depthwiseBackpropInput({ inputs, backend, attrs }: KernelArgs): Info {
  const { dy, filter } = inputs as { dy: Info; filter: Info };
  checkMultiplier(filter.shape);
  return inputGradient(backend, dy, filter, attrs['inputShape'] as number[], attrs, true);
}

/** Kernels tfjs-backend-wasm 4.22 does not have. */
const added: Readonly<Record<string, tf.KernelFunc>> = {
  Conv2DBackpropFilter: conv2DBackpropFilter as tf.KernelFunc,
  DepthwiseConv2dNativeBackpropFilter: depthwiseBackpropFilter as tf.KernelFunc,
  DepthwiseConv2dNativeBackpropInput: depthwiseBackpropInput as tf.KernelFunc,
};
/** Kernels it has, replaced (see the file comment). */
const replaced: Readonly<Record<string, tf.KernelFunc>> = {
  Conv2DBackpropInput: conv2DBackpropInput as tf.KernelFunc,
  MaxPoolGrad: maxPoolGrad as tf.KernelFunc,
};
/** What the kernels above call (MaxPoolGrad is tfjs-wasm's own, kept for overlapping windows). */
const used = ['Conv2D', 'DepthwiseConv2dNative', 'PadV2', 'Transpose', 'Slice', 'Sum', 'Reshape', 'Reverse', 'ArgMax', 'OneHot', 'Cast', 'Multiply', 'MaxPoolGrad'];

let registered = false;

/**
 * Registers the kernels above for the 'wasm' backend. Call it after importing
 * @tensorflow/tfjs-backend-wasm and before training; a second call does nothing. A kernel that a
 * later tfjs adds itself is kept, not replaced.
 */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  for (const name of used) {
    const kernel = tf.getKernel(name, 'wasm');
    if (kernel === undefined) throw new Error(`tfjs's WASM backend is not loaded, or has no ${name} kernel: import @tensorflow/tfjs-backend-wasm first`);
    wasmKernels.set(name, kernel.kernelFunc);
  }
  for (const [kernelName, kernelFunc] of Object.entries(added)) {
    if (tf.getKernel(kernelName, 'wasm') === undefined) tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc });
  }
  for (const [kernelName, kernelFunc] of Object.entries(replaced)) {
    const original = tf.getKernel(kernelName, 'wasm');
    tf.unregisterKernel(kernelName, 'wasm');
    // The original's setup (binding its C function) still has to run when the backend starts: ours may fall back to it.
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc, ...(original?.setupFunc ? { setupFunc: original.setupFunc } : {}) });
  }
  registered = true;
}
