/**
 * Structured channel pruning (Li et al., ICLR 2017): in every conv-like and dense layer the output
 * channels (and a downsampledConv's bottleneck channels) with the smallest L1 norms are removed for
 * real. The result is a smaller architecture and a new network holding the surviving weights, which
 * is what gets fine-tuned, estimated and exported.
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

/**
 * Removes `sparsity` of the channels of every prunable layer (at least one always stays) and builds
 * the smaller network. The original network is left as it is.
 */
export async function pruneChannels(network: Network, sparsity: number, seed?: number | string): Promise<ChannelPruning> {
  const architecture = network.architecture;
  const weights = await network.getWeights();
  const shapes = inferShapes(architecture);
  const kept: (KeptChannels | undefined)[] = [];
  const newWeights: { kernel: Float32Array; bias: Float32Array }[] = [];
  // Surviving channels of the current activation; after flatten, surviving flat positions.
  let current = all(architecture.input.channels);
  let op = 0;

  const take = (w: OpWeights, inputs: readonly number[] | null, outputs: readonly number[] | null, inputAxis: number, outputAxis: number): void => {
    const axes: (readonly number[] | null)[] = w.kernelShape.map(() => null);
    axes[inputAxis] = inputs;
    axes[outputAxis] = outputs;
    newWeights.push({ kernel: gatherAxes(w.kernel, w.kernelShape, axes), bias: outputs ? gatherAxes(w.bias, w.bias.length ? [w.bias.length] : [0], [outputs]) : w.bias.slice() });
  };
  const strongest = (w: OpWeights, axis: number): number[] => {
    const size = w.kernelShape[axis]!;
    return strongestChannels(l1Norms(w.kernel, w.kernelShape, axis), channelsLeft(size, sparsity));
  };

  architecture.layers.forEach((layer, index) => {
    const before: Shape = index === 0 ? { ...architecture.input, flat: false } : shapes[index - 1]!;
    if (layer.type === 'conv') {
      const w = weights[op++]!;
      const outputs = strongest(w, 3);
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
      const outputs = strongest(pointwise, 3);
      take(pointwise, current, outputs, 2, 3);
      kept[index] = { channels: outputs.length };
      current = outputs;
    } else if (layer.type === 'downsampledConv') {
      const pointwise = weights[op++]!;
      const bottleneck = strongest(pointwise, 3);
      take(pointwise, current, bottleneck, 2, 3);
      const conv = weights[op++]!;
      const outputs = strongest(conv, 3);
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
      const outputs = strongest(w, 1);
      take(w, current, outputs, 0, 1);
      kept[index] = { channels: outputs.length };
      current = outputs;
    }
    // Pools and globalAvgPool keep the channels they are given.
  });
  const classifier = weights[op]!;
  take(classifier, current, null, 0, 1);

  const smaller = prunedArchitecture(architecture, kept);
  const pruned = createNetwork(smaller, seed === undefined ? {} : { seed });
  const shapesNow = pruned.ops.map((o) => o.kernel.shape);
  pruned.setWeights(
    newWeights.map((w, i) => ({
      name: pruned.ops[i]!.name,
      kind: pruned.ops[i]!.kind,
      kernelShape: shapesNow[i]!,
      kernel: w.kernel,
      bias: w.bias,
      mask: null,
      logSigma2: null,
    })),
  );
  return { architecture: smaller, kept, network: pruned };
}
