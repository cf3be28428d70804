/**
 * A network built from the architecture JSON as our own functional model: tf.Variables and a forward
 * function, not a tf.LayersModel, because pruning multiplies masks into the kernels, Sparse
 * Variational Dropout adds a log σ² per weight and samples the pre-activations in the forward pass,
 * and Bayesian Compression multiplies every output channel by a learnt, noisy gate.
 *
 * One weighted op per op of `expandOps` that has weights, with exactly its parameters (DESIGN.md §3):
 * conv [k, k, Cin, F] + F, depthwise [k, k, C, 1] + C, pointwise [1, 1, Cin, F] + F, dense [N, U] + U.
 * ReLU follows every conv-like and dense layer (DESIGN.md §2): a separableConv or downsampledConv
 * layer gets one ReLU after its second op and none between its two ops, as Keras' SeparableConv2D
 * and SpArSe's DownsampledConv2D do. The classifier has none: the forward pass returns logits.
 */
import * as tf from '@tensorflow/tfjs';
import type { Architecture, Padding } from '../core/architecture.ts';
import { type Op, expandOps, opName, opsPerLayer } from '../core/ops.ts';
import { bcLogAlphaThreshold } from '../core/pruning.ts';
import { createRng } from '../core/rng.ts';
import { glorotUniform, heNormal } from './init.ts';
import { applyKernel } from './kernels.ts';
import { keptByLogAlpha, initialLogSigma2, sampleReparameterised } from './variational.ts';
import type { ChannelGate, WeightedKind, WeightedOp } from './weighted-op.ts';
import { type OpWeights, countNonzeroWeights, downloadFloat32 } from './weights.ts';

type MutableOp = { -readonly [K in keyof WeightedOp]: WeightedOp[K] };

type Step =
  | { readonly type: 'weighted'; readonly op: number }
  | { readonly type: 'maxPool' | 'avgPool'; readonly size: number }
  | { readonly type: 'globalAvgPool' }
  | { readonly type: 'flatten' };

export interface ForwardOptions {
  /**
   * A training pass. With Sparse Variational Dropout on, it samples the pre-activations (local
   * reparameterisation) with `noiseSeed`, and with channel gates on, it samples the gates; otherwise
   * it is the same as evaluation.
   */
  readonly training?: boolean;
  /** Seed of the pass's noise; the trainer draws one per step. */
  readonly noiseSeed?: number;
  /**
   * Kernels and biases to use instead of the variables, per weighted op (e.g. fake-quantised ones);
   * they are used as they are, so they must already hold what evalKernel and evalBias fold in.
   */
  readonly weights?: readonly { readonly kernel: tf.Tensor; readonly bias: tf.Tensor }[];
  /**
   * Sees every activation an int8 graph would hold: the input (point 0), then the output of each op
   * (flatten is a reshape and makes none). What it returns goes on through the network.
   */
  readonly tap?: (point: number, activation: tf.Tensor) => tf.Tensor;
}

export interface NetworkOptions {
  /** Seed of the initial weights; each op draws from its own stream, so ops do not shift each other. */
  readonly seed?: number | string;
}

/** A variable holding `values`, without leaving the tensor it was made from behind. */
const newVariable = (values: Float32Array, shape: number[]): tf.Variable => tf.tidy(() => tf.variable(tf.tensor(values, shape, 'float32')));

/**
 * Starting gate posterior: μ = 1 (the gated network starts as the plain one) and log σ² = −9, so
 * α = σ²/μ² starts tiny; the values of the authors' code (Tutorial_BayesianCompressionForDL,
 * BayesianLayers.py, which adds N(0, 0.01) jitter that we leave out: the kernels already differ).
 */
export const initialGate = { mu: 1, logSigma2: -9 } as const;

/** Keeps log(μ² + ε) finite where μ = 0 (the authors' code uses the same 1e-8). */
const gateEpsilon = 1e-8;

/** The gate's log α = log σ² − log(μ² + 1e-8), per channel. */
export function gateLogAlpha(gate: ChannelGate): tf.Tensor1D {
  return tf.tidy(() => gate.logSigma2.sub(gate.mu.square().add(gateEpsilon).log()) as tf.Tensor1D);
}

/**
 * 1 for the channels that stay (log α ≤ the threshold), 0 for the others; when none would stay, the
 * one with the smallest log α (the earliest of equals) does, so that no layer is cut.
 */
export function keptGates(gate: ChannelGate): tf.Tensor1D {
  return tf.tidy(() => {
    const logAlphaValues = gateLogAlpha(gate);
    const kept = logAlphaValues.lessEqual(bcLogAlphaThreshold).cast('float32');
    const leastNoisy = tf.oneHot(logAlphaValues.argMin().reshape([1]) as tf.Tensor1D, logAlphaValues.size).reshape([-1]).cast('float32');
    return kept.add(leastNoisy.mul(tf.scalar(1).sub(kept.max()))) as tf.Tensor1D;
  });
}

/** The gate at evaluation: its posterior mean μ where the channel stays, 0 where it is removed. */
const deterministicGate = (gate: ChannelGate): tf.Tensor1D => tf.tidy(() => gate.mu.mul(keptGates(gate)) as tf.Tensor1D);

/**
 * One draw of the gates per example and channel, shaped to multiply a pre-activation of `rank`
 * ([batch, 1, 1, C] or [batch, C]): z = μ + σ·ε, ε ~ N(0, 1). The gate is shared by all positions
 * of a channel in one example, as the authors' convolutional layers share it.
 */
function sampleGate(gate: ChannelGate, batch: number, rank: number, seed: number): tf.Tensor {
  return tf.tidy(() => {
    const channels = gate.mu.size;
    const noise = tf.randomNormal([batch, channels], 0, 1, 'float32', seed);
    const z = gate.mu.add(gate.logSigma2.mul(0.5).exp().mul(noise));
    return rank === 4 ? z.reshape([batch, 1, 1, channels]) : z;
  });
}

function kernelShape(op: Op, kind: WeightedKind): number[] {
  const cin = op.input.channels;
  const cout = op.output.channels;
  if (kind === 'dense') return [cin, cout];
  if (kind === 'depthwise') return [op.kernel, op.kernel, cin, 1];
  return [op.kernel, op.kernel, cin, cout];
}

export class Network {
  readonly architecture: Architecture;
  readonly ops: readonly WeightedOp[];
  /** How many activations `tap` sees per forward pass. */
  readonly activationPoints: number;
  readonly #ops: MutableOp[];
  readonly #steps: readonly Step[];
  #disposed = false;

  private constructor(architecture: Architecture, ops: MutableOp[], steps: Step[]) {
    this.architecture = architecture;
    this.#ops = ops;
    this.ops = ops;
    this.#steps = steps;
    this.activationPoints = 1 + steps.filter((step) => step.type !== 'flatten').length;
  }

  /** Builds the network of a valid architecture; throws expandOps' ArchitectureError otherwise. */
  static create(architecture: Architecture, options: NetworkOptions = {}): Network {
    const expanded = expandOps(architecture);
    const rng = createRng(options.seed ?? 0).fork('init');
    const ops: MutableOp[] = [];
    const steps: Step[] = [];
    let cursor = 0;
    const addWeighted = (kind: WeightedKind, stride: number, padding: Padding, relu: boolean): void => {
      const op = expanded[cursor++]!;
      const shape = kernelShape(op, kind);
      const size = shape.reduce((a, b) => a * b, 1);
      if (size !== op.weights) throw new Error(`Network: ${opName(op)} would have ${size} weights, the resource model counts ${op.weights}`);
      const fanIn = kind === 'dense' ? shape[0]! : kind === 'depthwise' ? op.kernel * op.kernel : shape[0]! * shape[1]! * shape[2]!;
      const opRng = rng.fork(`op${ops.length}`);
      const isClassifier = op.layerType === 'classifier';
      const values = isClassifier ? glorotUniform(size, fanIn, op.output.channels, opRng) : heNormal(size, fanIn, opRng);
      steps.push({ type: 'weighted', op: ops.length });
      ops.push({
        index: ops.length,
        op,
        name: opName(op),
        kind,
        stride,
        padding,
        relu,
        kernel: newVariable(values, shape),
        bias: newVariable(new Float32Array(op.biases), [op.biases]),
        mask: null,
        logSigma2: null,
        channelAxis: kind === 'dense' ? 1 : kind === 'depthwise' ? 2 : 3,
        prunableChannels: kind !== 'depthwise' && !isClassifier,
        gate: null,
      });
    };
    for (const layer of architecture.layers) {
      if (layer.type === 'conv') addWeighted('conv', layer.stride, layer.padding, true);
      else if (layer.type === 'separableConv') {
        addWeighted('depthwise', layer.stride, layer.padding, false);
        addWeighted('pointwise', 1, 'valid', true);
      } else if (layer.type === 'downsampledConv') {
        addWeighted('pointwise', 1, 'valid', false);
        addWeighted('conv', layer.stride, layer.padding, true);
      } else if (layer.type === 'dense') addWeighted('dense', 1, 'valid', true);
      else if (layer.type === 'flatten') steps.push({ type: 'flatten' });
      else {
        steps.push(layer.type === 'globalAvgPool' ? { type: 'globalAvgPool' } : { type: layer.type, size: layer.size });
        cursor += opsPerLayer[layer.type];
      }
    }
    addWeighted('dense', 1, 'valid', false);
    return new Network(architecture, ops, steps);
  }

  get variationalDropout(): boolean {
    return this.#ops.some((op) => op.logSigma2 !== null);
  }

  /** Whether Bayesian Compression's channel gates are on. */
  get channelGates(): boolean {
    return this.#ops.some((op) => op.gate !== null);
  }

  /** Logits [batch, classes] of float32 images [batch, height, width, channels] scaled to 0–1. */
  apply(x: tf.Tensor4D, options: ForwardOptions = {}): tf.Tensor2D {
    this.#checkAlive();
    const { input } = this.architecture;
    if (x.rank !== 4 || x.shape[1] !== input.height || x.shape[2] !== input.width || x.shape[3] !== input.channels) {
      throw new Error(`Network: expected images of shape [batch, ${input.height}, ${input.width}, ${input.channels}], got [${x.shape.join(', ')}]`);
    }
    // tfjs-cpu's own filter-gradient kernels are slow; see kernels.ts.
    const cpuTraining = options.training === true && tf.getBackend() === 'cpu';
    return tf.tidy(() => {
      const tap = options.tap;
      let point = 0;
      let h: tf.Tensor = tap ? tap(point++, x) : x;
      for (const step of this.#steps) {
        if (step.type === 'flatten') {
          h = h.reshape([h.shape[0]!, -1]);
          continue;
        }
        if (step.type === 'weighted') h = this.#applyOp(this.#ops[step.op]!, h, options, cpuTraining);
        else if (step.type === 'globalAvgPool') h = h.mean([1, 2]);
        else if (step.type === 'maxPool') h = tf.maxPool(h as tf.Tensor4D, step.size, step.size, 'valid');
        else h = tf.avgPool(h as tf.Tensor4D, step.size, step.size, 'valid');
        if (tap) h = tap(point++, h);
      }
      return h as tf.Tensor2D;
    });
  }

  #applyOp(op: MutableOp, x: tf.Tensor, options: ForwardOptions, cpuTraining: boolean): tf.Tensor {
    const given = options.weights?.[op.index];
    const activation = op.relu ? 'relu' : 'linear';
    if (given !== undefined) return applyKernel(op, x, given.kernel, { bias: given.bias, activation, cpuTraining });
    if (options.training !== true || (op.logSigma2 === null && op.gate === null)) {
      return applyKernel(op, x, this.#evalKernel(op), { bias: this.#evalBias(op), activation, cpuTraining });
    }
    const theta = op.mask ? op.kernel.mul(op.mask) : op.kernel;
    // Distinct seeds per op: two ops of one pass must not draw the same noise.
    const seed = (options.noiseSeed ?? 0) * 1009 + op.index;
    let y: tf.Tensor;
    if (op.logSigma2 !== null) {
      const sigma2 = op.mask ? op.logSigma2.exp().mul(op.mask) : op.logSigma2.exp();
      y = sampleReparameterised(x, theta, sigma2, op.bias, (input, kernel) => applyKernel(op, input, kernel, { cpuTraining }), seed);
    } else y = applyKernel(op, x, theta, { bias: op.bias, cpuTraining });
    // Negative: never the seed of another op's weight noise.
    if (op.gate !== null) y = y.mul(sampleGate(op.gate, y.shape[0]!, y.rank, -seed - 1));
    return op.relu ? tf.relu(y) : y;
  }

  /**
   * θ · mask · (log α ≤ 3) · gate: the kernel as it is evaluated and deployed, with the evaluated
   * gate (see #evalBias) folded into each output channel. May return the variable itself.
   */
  #evalKernel(op: MutableOp): tf.Tensor {
    let kernel: tf.Tensor = op.kernel;
    if (op.mask) kernel = kernel.mul(op.mask);
    if (op.logSigma2) kernel = kernel.mul(keptByLogAlpha(op));
    // Gated ops are never depthwise, so their output channels are the kernel's last axis.
    if (op.gate) kernel = kernel.mul(deterministicGate(op.gate));
    return kernel;
  }

  /** The bias as it is evaluated: times the gate's posterior mean μ, or 0 for a removed channel. */
  #evalBias(op: MutableOp): tf.Tensor {
    return op.gate ? op.bias.mul(deterministicGate(op.gate)) : op.bias;
  }

  /** The evaluated kernel of op `index` (masks, the log α threshold and gates applied); the caller owns it. */
  evalKernel(index: number): tf.Tensor {
    const op = this.#op(index);
    return tf.tidy(() => this.#evalKernel(op).clone());
  }

  /**
   * The evaluated bias of op `index` (its gates applied); the caller owns it. Code that pairs
   * `evalKernel` with `op.bias` is right only while the gates are off.
   */
  evalBias(index: number): tf.Tensor {
    const op = this.#op(index);
    return tf.tidy(() => this.#evalBias(op).clone());
  }

  /** Every tensor the optimiser trains: kernels, biases and, when on, log σ² and the gates' μ and log σ². */
  trainableVariables(): tf.Variable[] {
    this.#checkAlive();
    return this.#ops.flatMap((op) => [
      op.kernel,
      op.bias,
      ...(op.logSigma2 ? [op.logSigma2] : []),
      ...(op.gate ? [op.gate.mu, op.gate.logSigma2] : []),
    ]);
  }

  /**
   * Sets (or with null removes) the binary mask of op `index`: 1 keeps a weight, 0 prunes it. The
   * network keeps its own copy; it multiplies the mask into the kernel in every forward pass, and the
   * trainer re-applies it to the kernel after every step so that pruned weights stay exactly 0.
   */
  setMask(index: number, mask: tf.Tensor | Float32Array | null): void {
    const op = this.#op(index);
    const shape = op.kernel.shape;
    const size = op.kernel.size;
    if (mask !== null && (mask instanceof Float32Array ? mask.length : mask.size) !== size) {
      throw new Error(`setMask: ${op.name} has ${size} weights, the mask has ${mask instanceof Float32Array ? mask.length : mask.size}`);
    }
    op.mask?.dispose();
    op.mask = mask === null ? null : tf.keep(tf.tidy(() => (mask instanceof Float32Array ? tf.tensor(mask.slice(), shape) : mask.reshape(shape).cast('float32'))));
  }

  /** Multiplies every mask into its kernel, so that pruned weights are exactly 0 in the variables too. */
  applyMasks(): void {
    for (const op of this.#ops) {
      const mask = op.mask;
      if (mask) tf.tidy(() => op.kernel.assign(op.kernel.mul(mask)));
    }
  }

  get hasMasks(): boolean {
    return this.#ops.some((op) => op.mask !== null);
  }

  /** Turns Sparse Variational Dropout on: a trainable log σ² per weight, starting at −10. */
  enableVariationalDropout(logSigma2 = initialLogSigma2): void {
    this.#checkAlive();
    for (const op of this.#ops) op.logSigma2 ??= newVariable(new Float32Array(op.kernel.size).fill(logSigma2), op.kernel.shape);
  }

  /** Turns it off. The kernels are left as they are; call `pruneByLogAlpha` first to keep what it learnt. */
  disableVariationalDropout(): void {
    for (const op of this.#ops) {
      op.logSigma2?.dispose();
      op.logSigma2 = null;
    }
  }

  /**
   * Makes Sparse Variational Dropout's choice permanent: every weight with log α > 3 is masked (the
   * mask combines with any mask already set), then log σ² is dropped.
   */
  pruneByLogAlpha(): void {
    for (const op of this.#ops) {
      if (op.logSigma2 === null) continue;
      const kept = keptByLogAlpha(op);
      const mask = op.mask ? tf.tidy(() => kept.mul(op.mask!)) : kept;
      this.setMask(op.index, mask);
      tf.dispose([kept, mask]);
    }
    this.disableVariationalDropout();
    this.applyMasks();
  }

  /**
   * Turns Bayesian Compression's gates on: a trainable μ and log σ² per output channel of every op
   * with `prunableChannels`. Call it before training: the trainer fixes its variables when it starts.
   */
  enableChannelGates(initial: { readonly mu?: number; readonly logSigma2?: number } = {}): void {
    this.#checkAlive();
    const mu = initial.mu ?? initialGate.mu;
    const logSigma2 = initial.logSigma2 ?? initialGate.logSigma2;
    for (const op of this.#ops) {
      if (!op.prunableChannels || op.gate !== null) continue;
      const channels = op.bias.size;
      op.gate = { mu: newVariable(new Float32Array(channels).fill(mu), [channels]), logSigma2: newVariable(new Float32Array(channels).fill(logSigma2), [channels]) };
    }
  }

  /** Turns the gates off and forgets them; `removeGatedChannels` (pruning/bayesian-compression.ts) keeps what they learnt. */
  disableChannelGates(): void {
    for (const op of this.#ops) {
      if (op.gate) tf.dispose([op.gate.mu, op.gate.logSigma2]);
      op.gate = null;
    }
  }

  /** Sets the gate posterior of op `index` (after enableChannelGates); each array has one value per output channel. */
  setChannelGate(index: number, values: { readonly mu?: Float32Array; readonly logSigma2?: Float32Array }): void {
    const op = this.#op(index);
    const gate = op.gate;
    if (gate === null) throw new Error(`setChannelGate: ${op.name} has no channel gates; enable them first`);
    for (const [variable, given] of [[gate.mu, values.mu], [gate.logSigma2, values.logSigma2]] as const) {
      if (given === undefined) continue;
      if (given.length !== variable.size) throw new Error(`setChannelGate: ${op.name} has ${variable.size} output channels, got ${given.length} values`);
      tf.tidy(() => variable.assign(tf.tensor1d(given.slice())));
    }
  }

  /** 0/1 per output channel of op `index`: which channels the gates keep (see `keptGates`); the caller owns it. */
  keptChannels(index: number): tf.Tensor1D {
    const op = this.#op(index);
    if (op.gate === null) throw new Error(`keptChannels: ${op.name} has no channel gates`);
    return keptGates(op.gate);
  }

  /** Parameters per weighted op (kernel + bias sizes), to compare with the resource model. */
  paramCounts(): number[] {
    return this.#ops.map((op) => op.kernel.size + op.bias.size);
  }

  /**
   * Plain copies of every op's weights, in op order, in one download; they can be transferred
   * between threads. Channel gates are not among them: they live only between training and the
   * removal of channels.
   */
  async getWeights(): Promise<OpWeights[]> {
    this.#checkAlive();
    const ops = this.#ops;
    const tensors: tf.Tensor[] = [];
    for (const op of ops) tensors.push(op.kernel, op.bias, ...(op.mask ? [op.mask] : []), ...(op.logSigma2 ? [op.logSigma2] : []));
    const values = await downloadFloat32(tensors);
    let next = 0;
    return ops.map((op) => ({
      name: op.name,
      kind: op.kind,
      kernelShape: op.kernel.shape.slice(),
      kernel: values[next++]!,
      bias: values[next++]!,
      mask: op.mask ? values[next++]! : null,
      logSigma2: op.logSigma2 ? values[next++]! : null,
    }));
  }

  /**
   * Writes weights read by getWeights (of this or of an identical architecture). A mask is set or
   * removed as given; log σ² is written when both sides have it, and switches Sparse Variational
   * Dropout on when only the weights do. Every shape is checked before anything is written.
   */
  setWeights(weights: readonly OpWeights[]): void {
    this.#checkAlive();
    const ops = this.#ops;
    if (weights.length !== ops.length) {
      throw new Error(`setWeights: the network has ${ops.length} ops with weights, the weights are for ${weights.length}`);
    }
    ops.forEach((op, i) => {
      const w = weights[i]!;
      const shape = op.kernel.shape;
      if (w.kernelShape.length !== shape.length || w.kernelShape.some((d, axis) => d !== shape[axis]) || w.kernel.length !== op.kernel.size) {
        throw new Error(`setWeights: ${op.name} has a kernel of shape [${shape.join(', ')}], the weights have [${w.kernelShape.join(', ')}]`);
      }
      if (w.bias.length !== op.bias.size) throw new Error(`setWeights: ${op.name} has ${op.bias.size} biases, the weights have ${w.bias.length}`);
    });
    if (weights.some((w) => w.logSigma2 !== null)) this.enableVariationalDropout();
    ops.forEach((op, i) => {
      const w = weights[i]!;
      // Copies: tfjs's CPU backend would otherwise keep the caller's arrays as the variables' storage.
      tf.tidy(() => {
        op.kernel.assign(tf.tensor(w.kernel.slice(), op.kernel.shape));
        op.bias.assign(tf.tensor(w.bias.slice(), op.bias.shape));
      });
      this.setMask(i, w.mask);
      if (w.logSigma2 !== null) this.setLogSigma2(i, w.logSigma2);
    });
  }

  /** Non-zero weights per op of the evaluated kernels (after masks and the log α threshold). */
  nonzeroWeights(): Promise<number[]> {
    this.#checkAlive();
    return countNonzeroWeights(this.#ops.map((op) => tf.tidy(() => this.#evalKernel(op).clone())));
  }

  /** Sets log σ² of op `index` (after enableVariationalDropout); used by setWeights. */
  setLogSigma2(index: number, values: Float32Array): void {
    const op = this.#op(index);
    if (op.logSigma2 === null) throw new Error(`setLogSigma2: ${op.name} has no log σ²; enable Sparse Variational Dropout first`);
    tf.tidy(() => op.logSigma2!.assign(tf.tensor(values.slice(), op.kernel.shape)));
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const op of this.#ops) {
      op.kernel.dispose();
      op.bias.dispose();
      op.mask?.dispose();
      op.logSigma2?.dispose();
      op.mask = null;
      op.logSigma2 = null;
    }
    this.disableChannelGates();
  }

  #op(index: number): MutableOp {
    this.#checkAlive();
    const op = this.#ops[index];
    if (op === undefined) throw new Error(`Network: there is no weighted op ${index}; it has ${this.#ops.length}`);
    return op;
  }

  #checkAlive(): void {
    if (this.#disposed) throw new Error('Network: this network was disposed');
  }
}

/** Shorthand for `Network.create`. */
export const createNetwork = (architecture: Architecture, options?: NetworkOptions): Network => Network.create(architecture, options);
