/**
 * From float weights and calibrated activation ranges to the int8 numbers of the exported graph.
 * The formulas are those of the simulated int8 evaluation (src/tf/quantize.ts), step for step, so
 * that the exported model computes what the simulation measured:
 * - weights symmetric int8 in [−127, 127], zero point 0, scale = max |w| / 127 per output channel
 *   (conv, depthwise, pointwise) or per tensor (fully connected); an all-zero channel keeps scale 1;
 *   rounding half to even, in float32, as tf.round does;
 * - activations asymmetric int8: the range widened to contain 0, scale = (max − min) / 255,
 *   zero point = round(−128 − min / scale);
 * - biases int32 at scale input scale × weight scale (TFLite's 8-bit quantisation specification);
 * - pools and RESHAPE keep their input's parameters; SOFTMAX's output is 1/256 with zero point −128.
 */
import type { Architecture } from '../core/architecture.ts';
import { type GraphTensor, type TfliteGraph, softmaxOutput, tfliteGraph } from '../core/tflite-graph.ts';

export interface ActivationRange {
  readonly min: number;
  readonly max: number;
}

/** One weighted op's evaluated weights (masks, thresholds and gates folded in), in tfjs layout. */
export interface FloatOpWeights {
  readonly kernelShape: readonly number[];
  /** Row-major over kernelShape: conv [k, k, Cin, F], depthwise [k, k, C, 1], dense [N, U]. */
  readonly kernel: Float32Array;
  readonly bias: Float32Array;
}

export interface QuantParams {
  readonly scales: Float32Array;
  readonly zeroPoints: Int32Array;
}

export interface QuantizedModel {
  readonly graph: TfliteGraph;
  /** Per tensor: its quantisation (empty arrays for a tensor without). */
  readonly params: readonly QuantParams[];
  /** Per buffer: its bytes, little-endian (index 0, the sentinel, is empty). */
  readonly buffers: readonly Uint8Array[];
}

/** The export failed for a reason that names the op or the tensor. */
export class ExportError extends Error {
  override readonly name = 'ExportError';
}

/** Rounds half to even, as tf.round does. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Scale and zero point of an activation with a calibrated range (the simulation's formula). */
export function activationParams(range: ActivationRange): { scale: number; zeroPoint: number } {
  const min = Math.min(range.min, 0);
  const max = Math.max(range.max, 0);
  const scale = max > min ? (max - min) / 255 : 1;
  return { scale, zeroPoint: Math.round(-128 - min / scale) };
}

/** The int8 value of a float activation: round(x / scale) + zero point, clamped. */
export function quantizeValue(x: number, scale: number, zeroPoint: number): number {
  return Math.min(127, Math.max(-128, roundHalfEven(Math.fround(x / scale)) + zeroPoint));
}

const single = (scale: number, zeroPoint: number): QuantParams => ({ scales: Float32Array.of(scale), zeroPoints: Int32Array.of(zeroPoint) });
const none: QuantParams = { scales: new Float32Array(0), zeroPoints: new Int32Array(0) };

/**
 * Symmetric int8 quantisation of `values`, where `channelOf(i)` gives the channel of element i
 * (always 0 for per-tensor). Returns the int8 values and one scale per channel.
 */
function quantizeSymmetric(values: Float32Array, channels: number, channelOf: (i: number) => number): { q: Int8Array; scales: Float32Array } {
  const absMax = new Float32Array(channels);
  for (let i = 0; i < values.length; i++) {
    const c = channelOf(i);
    const a = Math.abs(values[i]!);
    if (a > absMax[c]!) absMax[c] = a;
  }
  const scales = new Float32Array(channels);
  for (let c = 0; c < channels; c++) scales[c] = absMax[c]! > 0 ? Math.fround(absMax[c]! / 127) : 1;
  const q = new Int8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = roundHalfEven(Math.fround(values[i]! / scales[channelOf(i)]!));
    q[i] = Math.min(127, Math.max(-127, v));
  }
  return { q, scales };
}

function checkShape(weights: FloatOpWeights, expected: readonly number[], where: string): void {
  const same = weights.kernelShape.length === expected.length && weights.kernelShape.every((d, i) => d === expected[i]);
  if (!same) throw new ExportError(`${where}: the kernel is [${weights.kernelShape.join(', ')}], the architecture needs [${expected.join(', ')}]`);
  const size = expected.reduce((a, b) => a * b, 1);
  if (weights.kernel.length !== size) throw new ExportError(`${where}: the kernel has ${weights.kernel.length} values, its shape needs ${size}`);
}

const bytesOf = (array: Int8Array | Int32Array): Uint8Array => {
  const out = new Uint8Array(array.byteLength);
  const view = new DataView(out.buffer);
  if (array instanceof Int8Array) out.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
  else array.forEach((v, i) => view.setInt32(4 * i, v, true));
  return out;
};

/**
 * Quantises a network for export. `weights` lists the weighted ops in the order of the network
 * (every op of expandOps but the pools); `ranges` holds one calibrated range per activation point
 * of the simulation (the input, then every op).
 */
export function quantizeModel(architecture: Architecture, weights: readonly FloatOpWeights[], ranges: readonly ActivationRange[]): QuantizedModel {
  const graph = tfliteGraph(architecture);
  const weighted = graph.operators.filter((o) => o.inputs.length === 3);
  if (weights.length !== weighted.length) throw new ExportError(`the network has ${weighted.length} ops with weights, ${weights.length} were given`);
  const points = 1 + graph.operators.filter((o) => o.point >= 0).length;
  if (ranges.length !== points) throw new ExportError(`${ranges.length} calibrated ranges for a network with ${points} activation points`);

  const params: QuantParams[] = graph.tensors.map(() => none);
  const buffers: Uint8Array[] = graph.buffers.map(() => new Uint8Array(0));
  const input = activationParams(ranges[0]!);
  params[graph.input] = single(input.scale, input.zeroPoint);

  let w = 0;
  for (const operator of graph.operators) {
    const output = operator.outputs[0]!;
    const from = operator.inputs[0]!;
    const inputScale = params[from]!.scales[0]!;
    const name = operator.op >= 0 ? `op ${operator.op} (${operator.builtin})` : operator.builtin;
    if (operator.builtin === 'SOFTMAX') params[output] = single(softmaxOutput.scale, softmaxOutput.zeroPoint);
    else if (operator.builtin === 'RESHAPE' || operator.builtin === 'MAX_POOL_2D' || operator.builtin === 'AVERAGE_POOL_2D') params[output] = params[from]!;
    else {
      const p = activationParams(ranges[operator.point]!);
      params[output] = single(p.scale, p.zeroPoint);
    }
    if (operator.builtin === 'MEAN') {
      const axis = graph.tensors[operator.inputs[1]!]!;
      buffers[axis.buffer] = bytesOf(Int32Array.of(1, 2));
      continue;
    }
    if (operator.inputs.length !== 3) continue;
    const given = weights[w++]!;
    const wt: GraphTensor = graph.tensors[operator.inputs[1]!]!;
    const bt: GraphTensor = graph.tensors[operator.inputs[2]!]!;
    const outChannels = bt.shape[0]!;
    if (given.bias.length !== outChannels) throw new ExportError(`${name}: the bias has ${given.bias.length} values, the architecture needs ${outChannels}`);
    let q: Int8Array;
    let scales: Float32Array;
    if (operator.builtin === 'FULLY_CONNECTED') {
      const [units, n] = [wt.shape[0]!, wt.shape[1]!];
      checkShape(given, [n, units], name);
      const quantized = quantizeSymmetric(given.kernel, 1, () => 0);
      scales = quantized.scales;
      // tfjs [N, U] → TFLite [U, N].
      q = new Int8Array(n * units);
      for (let i = 0; i < n; i++) for (let u = 0; u < units; u++) q[u * n + i] = quantized.q[i * units + u]!;
    } else if (operator.builtin === 'DEPTHWISE_CONV_2D') {
      const [, k, , c] = wt.shape as [number, number, number, number];
      checkShape(given, [k, k, c, 1], name);
      // tfjs [k, k, C, 1] and TFLite [1, k, k, C] hold the elements in the same order.
      const quantized = quantizeSymmetric(given.kernel, c, (i) => i % c);
      q = quantized.q;
      scales = quantized.scales;
    } else {
      const [f, k, , cin] = wt.shape as [number, number, number, number];
      checkShape(given, [k, k, cin, f], name);
      const quantized = quantizeSymmetric(given.kernel, f, (i) => i % f);
      scales = quantized.scales;
      // tfjs [k, k, Cin, F] → TFLite [F, k, k, Cin].
      q = new Int8Array(f * k * k * cin);
      const spatial = k * k * cin;
      for (let s = 0; s < spatial; s++) for (let o = 0; o < f; o++) q[o * spatial + s] = quantized.q[s * f + o]!;
    }
    buffers[wt.buffer] = bytesOf(q);
    params[operator.inputs[1]!] = { scales, zeroPoints: new Int32Array(scales.length) };
    const biasScales = new Float32Array(scales.length);
    for (let c = 0; c < scales.length; c++) biasScales[c] = inputScale * scales[c]!;
    const bias = new Int32Array(outChannels);
    for (let c = 0; c < outChannels; c++) {
      const scale = biasScales[scales.length === 1 ? 0 : c]!;
      const value = Math.round(given.bias[c]! / scale);
      if (!Number.isFinite(value) || Math.abs(value) > 2 ** 31 - 1) {
        throw new ExportError(`${name}: bias ${c} (${given.bias[c]}) does not fit int32 at scale ${scale}; the layer's weights or input range are degenerate`);
      }
      bias[c] = value;
    }
    buffers[bt.buffer] = bytesOf(bias);
    params[operator.inputs[2]!] = { scales: biasScales, zeroPoints: new Int32Array(biasScales.length) };
  }
  return { graph, params, buffers };
}
