/**
 * Structured channel pruning (Li et al., ICLR 2017): in every conv-like and dense layer the output
 * channels (and a downsampledConv's bottleneck channels) with the smallest L1 norms are removed for
 * real. The result is a smaller architecture and a new network holding the surviving weights, which
 * is what gets fine-tuned, estimated and exported. `removeChannels` does the removal for any choice
 * of channels; Bayesian Compression (bayesian-compression.ts) uses it with the channels its gates keep.
 */
import { type Architecture, type Shape, inferShapes } from '../../core/architecture.ts';
import { type KeptChannels, channelsLeft, prunedArchitecture, strongestChannels } from '../../core/pruning.ts';
import { type Network, createNetwork } from '../network.ts';
import type { OpWeights } from '../weights.ts';

/** L1 norm of each slice along `axis` of a row-major array of `shape`. */
export function l1Norms(values: Float32Array, shape: readonly number[], axis: number): number[] {
  const size = shape[axis]!;
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const norms = new Array<number>(size).fill(0);
  for (let i = 0; i < values.length; i++) norms[Math.floor(i / inner) % size]! += Math.abs(values[i]!);
  return norms;
}

/** The sub-array of a row-major array keeping, on each axis, the listed indices (null: all). */
export function gatherAxes(values: Float32Array, shape: readonly number[], keep: readonly (readonly number[] | null)[]): Float32Array {
  const lists = shape.map((size, axis) => keep[axis] ?? Array.from({ length: size }, (_, i) => i));
  const strides = shape.map((_, axis) => shape.slice(axis + 1).reduce((a, b) => a * b, 1));
  const out = new Float32Array(lists.reduce((n, list) => n * list.length, 1));
  let next = 0;
  const walk = (axis: number, offset: number): void => {
    const list = lists[axis]!;
    if (axis === shape.length - 1) {
      for (const index of list) out[next++] = values[offset + index]!;
      return;
    }
    for (const index of list) walk(axis + 1, offset + index * strides[axis]!);
  };
  walk(0, 0);
  return out;
}

const all = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

export interface ChannelPruning {
  readonly architecture: Architecture;
  readonly kept: readonly (KeptChannels | undefined)[];
  /** A new network of the smaller architecture with the surviving weights; the caller owns it. */
  readonly network: Network;
}

/** What removing channels reads of each weighted op: its kernel and bias, row-major over `kernelShape`. */
export type OpSlices = Pick<OpWeights, 'kernelShape' | 'kernel' | 'bias'>;

export interface ChannelRemoval {
  /**
   * The output channels that stay (ascending, at least one) of weighted op `op`, whose output
   * channels lie on kernel axis `axis`. Asked once per op with `prunableChannels`, in op order.
   */
  readonly outputs: (op: number, weights: OpSlices, axis: number) => readonly number[];
  /**
   * Whether the removed channels output exactly 0 (a gate of 0 multiplied them out). A
   * separableConv's depthwise op still adds its bias to such a channel, a constant that the
   * pointwise op after it sums; with this on, that constant is carried into the pointwise bias, so
   * removing the channel changes nothing. Off for L1 pruning, whose removed channels are only weak.
   */
  readonly removedOutputZero?: boolean;
  /** Seed the new network is created with; every weight it draws is then overwritten. */
  readonly seed?: number | string;
}

/**
 * Removes the chosen output channels of every prunable op from `weights` (in op order, e.g. what
 * `getWeights` gives), and the matching input slices of the op after, and builds the smaller
 * network holding what is left. The one mechanism behind L1 channel pruning and Bayesian Compression.
 */
export function removeChannels(architecture: Architecture, weights: readonly OpSlices[], removal: ChannelRemoval): ChannelPruning {
  const shapes = inferShapes(architecture);
  const kept: (KeptChannels | undefined)[] = [];
  const newWeights: { kernel: Float32Array; bias: Float32Array }[] = [];
  // Surviving channels of the current activation; after flatten, surviving flat positions.
  let current: readonly number[] = all(architecture.input.channels);
  let op = 0;

  const take = (w: OpSlices, inputs: readonly number[] | null, outputs: readonly number[] | null, inputAxis: number, outputAxis: number, bias = w.bias): void => {
    const axes: (readonly number[] | null)[] = w.kernelShape.map(() => null);
    axes[inputAxis] = inputs;
    axes[outputAxis] = outputs;
    newWeights.push({ kernel: gatherAxes(w.kernel, w.kernelShape, axes), bias: outputs ? gatherAxes(bias, [bias.length], [outputs]) : bias.slice() });
  };
  const chosen = (w: OpSlices, axis: number): readonly number[] => {
    const index = op - 1;
    const size = w.kernelShape[axis]!;
    const outputs = removal.outputs(index, w, axis);
    const valid = outputs.length >= 1 && outputs.every((c, i) => Number.isInteger(c) && c >= 0 && c < size && (i === 0 || c > outputs[i - 1]!));
    if (!valid) throw new RangeError(`removeChannels: weighted op ${index} must keep ascending channels from 0 to ${size - 1}, at least one; got [${outputs.join(', ')}]`);
    return outputs;
  };

  architecture.layers.forEach((layer, index) => {
    const before: Shape = index === 0 ? { ...architecture.input, flat: false } : shapes[index - 1]!;
    if (layer.type === 'conv') {
      const w = weights[op++]!;
      const outputs = chosen(w, 3);
      take(w, current, outputs, 2, 3);
      kept[index] = { channels: outputs.length };
      current = outputs;
    } else if (layer.type === 'separableConv') {
      const depthwise = weights[op++]!;
      // The depthwise kernel [k, k, C, 1] and its bias follow the surviving input channels.
      newWeights.push({
        kernel: gatherAxes(depthwise.kernel, depthwise.kernelShape, [null, null, current, null]),
        bias: gatherAxes(depthwise.bias, [depthwise.bias.length], [current]),
      });
      const pointwise = weights[op++]!;
      const outputs = chosen(pointwise, 3);
      const bias = removal.removedOutputZero ? withRemovedDepthwiseBias(pointwise, depthwise.bias, current) : pointwise.bias;
      take(pointwise, current, outputs, 2, 3, bias);
      kept[index] = { channels: outputs.length };
      current = outputs;
    } else if (layer.type === 'downsampledConv') {
      const pointwise = weights[op++]!;
      const bottleneck = chosen(pointwise, 3);
      take(pointwise, current, bottleneck, 2, 3);
      const conv = weights[op++]!;
      const outputs = chosen(conv, 3);
      take(conv, bottleneck, outputs, 2, 3);
      kept[index] = { channels: outputs.length, bottleneck: bottleneck.length };
      current = outputs;
    } else if (layer.type === 'flatten') {
      // NHWC flattening: position (h, w, c) becomes (h·W + w)·C + c.
      const positions: number[] = [];
      for (let hw = 0; hw < before.height * before.width; hw++) for (const c of current) positions.push(hw * before.channels + c);
      current = positions;
    } else if (layer.type === 'dense') {
      const w = weights[op++]!;
      const outputs = chosen(w, 1);
      take(w, current, outputs, 0, 1);
      kept[index] = { channels: outputs.length };
      current = outputs;
    }
    // Pools and globalAvgPool keep the channels they are given.
  });
  const classifier = weights[op]!;
  take(classifier, current, null, 0, 1);

  const smaller = prunedArchitecture(architecture, kept);
  const pruned = createNetwork(smaller, removal.seed === undefined ? {} : { seed: removal.seed });
  pruned.setWeights(
    newWeights.map((w, i) => ({
      name: pruned.ops[i]!.name,
      kind: pruned.ops[i]!.kind,
      kernelShape: pruned.ops[i]!.kernel.shape,
      kernel: w.kernel,
      bias: w.bias,
      mask: null,
      logSigma2: null,
    })),
  );
  return { architecture: smaller, kept, network: pruned };
}

/**
 * The pointwise bias plus what the removed input channels still feed it: a channel whose input is
 * all 0 leaves the depthwise op as its bias b_c everywhere, and the 1×1 kernel [1, 1, C, F] turns
 * that into b_c·W[c, f] on every position of output f.
 */
function withRemovedDepthwiseBias(pointwise: OpSlices, depthwiseBias: Float32Array, surviving: readonly number[]): Float32Array {
  const bias = pointwise.bias.slice();
  const filters = bias.length;
  const stays = new Set(surviving);
  for (let c = 0; c < depthwiseBias.length; c++) {
    if (stays.has(c) || depthwiseBias[c] === 0) continue;
    for (let f = 0; f < filters; f++) bias[f]! += depthwiseBias[c]! * pointwise.kernel[c * filters + f]!;
  }
  return bias;
}

/**
 * Removes `sparsity` of the channels of every prunable layer (at least one always stays), the ones
 * with the smallest L1 norms, and builds the smaller network. The original network is left as it is.
 */
export async function pruneChannels(network: Network, sparsity: number, seed?: number | string): Promise<ChannelPruning> {
  const weights = await network.getWeights();
  return removeChannels(network.architecture, weights, {
    outputs: (_op, w, axis) => strongestChannels(l1Norms(w.kernel, w.kernelShape, axis), channelsLeft(w.kernelShape[axis]!, sparsity)),
    ...(seed === undefined ? {} : { seed }),
  });
}
