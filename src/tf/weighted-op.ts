/**
 * The types of a network's weighted ops, apart from the network that builds them: the kernels, the
 * Sparse Variational Dropout maths and the quantiser take an op, and the network imports all of
 * them, so these types live in a module that imports nothing of src/tf.
 */
import type * as tf from '@tensorflow/tfjs';
import type { Padding } from '../core/architecture.ts';
import type { Op } from '../core/ops.ts';

export type WeightedKind = 'conv' | 'depthwise' | 'pointwise' | 'dense';

/** One op with weights. `index` is its place among the weighted ops: masks and weights use it. */
export interface WeightedOp {
  readonly index: number;
  /** The op of `expandOps` it implements (shapes, params, MACs). */
  readonly op: Op;
  /** `opName(op)`, e.g. `layers[2] (separableConv) depthwise`. */
  readonly name: string;
  readonly kind: WeightedKind;
  readonly stride: number;
  readonly padding: Padding;
  readonly relu: boolean;
  readonly kernel: tf.Variable;
  readonly bias: tf.Variable;
  /** Binary (1 keep, 0 pruned), shaped like the kernel, multiplied into it in every forward pass. */
  readonly mask: tf.Tensor | null;
  /** Sparse Variational Dropout's log σ² per weight, or null when it is off. */
  readonly logSigma2: tf.Variable | null;
  /** Kernel axis of the output channels: 3 for conv and pointwise, 2 for depthwise, 1 for dense. */
  readonly channelAxis: number;
  /**
   * Whether its output channels can be removed: true for every conv, pointwise and dense op (a
   * downsampledConv's bottleneck included) but the classifier, whose outputs are the classes. A
   * depthwise op has no channels of its own: they follow its input.
   */
  readonly prunableChannels: boolean;
  /** Bayesian Compression's gates over the output channels, or null when they are off. */
  readonly gate: ChannelGate | null;
}

/**
 * Bayesian Compression's multiplicative gate z_j on each output channel j (Louizos, Ullrich &
 * Welling 2017), with the posterior q(z_j) = N(μ_j, σ²_j); both are [channels] and trained. The gate
 * multiplies the channel's pre-activation, bias included, so a gate of 0 makes the channel output
 * exactly 0 and it can be removed without changing anything.
 */
export interface ChannelGate {
  readonly mu: tf.Variable;
  readonly logSigma2: tf.Variable;
}
