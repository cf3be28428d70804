/**
 * The pure parts of the pruning methods: which weights or channels go,
 * and what the architecture becomes. src/tf applies them to real tensors.
 *
 * - magnitude: gradual magnitude pruning on the schedule of Zhu & Gupta, "To prune, or not to prune"
 *   (arXiv:1710.01878, eq. 1): s_t = s_f + (s_i − s_f)·(1 − (t − t0)/(n·Δt))³.
 * - channels: structured pruning that ranks the filters of each layer by L1 norm (Li et al., "Pruning
 *   Filters for Efficient ConvNets", ICLR 2017) and removes the weakest for real.
 * - svd: Sparse Variational Dropout (Molchanov, Ashukha, Vetrov, ICML 2017), thresholded at log α = 3.
 * - Bayesian Compression (Louizos, Ullrich & Welling, NeurIPS 2017): a noisy gate per output channel
 *   under a log-uniform prior; channels whose gate has log α above 3 are removed for real.
 */
import { type Architecture, type Layer, isConvLike, layerLabel } from './architecture.ts';

export type PruningMethod = 'none' | 'magnitude' | 'channels' | 'svd' | 'bc';
export const pruningMethods: readonly PruningMethod[] = ['none', 'magnitude', 'channels', 'svd', 'bc'];

/** Molchanov et al. 2017 drop a weight when log α = log σ² − log θ² exceeds 3 (α > e³ ≈ 20). */
export const svdLogAlphaThreshold = 3;

/**
 * Bayesian Compression removes an output channel when its gate's log α = log σ² − log μ² exceeds 3.
 * The gates use Molchanov et al.'s variational-dropout parameterisation and KL approximation, so
 * Molchanov et al.'s threshold carries over with its meaning: α > e³ ≈ 20 is a dropout rate
 * α/(1 + α) above 95 %, a signal-to-noise ratio μ/σ = 1/√α below 0.23. The authors' own tutorial
 * code (KarenUllrich/Tutorial_BayesianCompressionForDL, example.py) picks a threshold per layer by
 * hand instead (−2.8, −3, −5 for LeNet-300-100); a search over many networks needs one rule for
 * all, and the same one as 'svd' keeps the two methods comparable.
 */
export const bcLogAlphaThreshold = 3;

/**
 * Bayesian Compression's strength: a trial's `sparsity` s in [0, 1) scales the KL term by
 * 10^(0.5 + 1.5s), from about 3 to 100 (9 to 71 over the default range 0.3–0.9). The ELBO's own
 * weight (1) removes only dead channels in a trial of a few epochs. Measured on examples/digits-cnn.json
 * (conv 8, separableConv 16, dense 32; 99.2 % before) with the recipe's 15 + 8 epochs: s = 0.3 kept
 * 8/16/20 channels at 98.6 %, 0.5 kept 8/10/17 at 98.6 %, 0.6 kept 8/8/13 at 98.3 %, 0.9 kept 5/4/8 at
 * 88.9 %. A scale of 100 or more collapsed layers to a few channels. Every trial's fine-tuning is
 * about the same number of steps (training-recipe.ts), so the scale means the same on every dataset.
 */
export function bcKlScale(strength: number): number {
  if (!(strength >= 0 && strength < 1)) throw new RangeError(`the Bayesian Compression strength must be at least 0 and below 1, got ${strength}`);
  return 10 ** (0.5 + 1.5 * strength);
}

export interface GradualSchedule {
  readonly initialSparsity: number;
  readonly finalSparsity: number;
  /** First and last step at which the masks are updated; after `endStep` the sparsity stays final. */
  readonly beginStep: number;
  readonly endStep: number;
}

/** Target sparsity at `step` (Zhu & Gupta, eq. 1): cubic from initial to final between begin and end. */
export function gradualSparsity(step: number, schedule: GradualSchedule): number {
  const { initialSparsity: si, finalSparsity: sf, beginStep, endStep } = schedule;
  if (step <= beginStep) return step < beginStep ? 0 : si;
  if (step >= endStep || endStep <= beginStep) return sf;
  const progress = (step - beginStep) / (endStep - beginStep);
  return sf + (si - sf) * (1 - progress) ** 3;
}

/**
 * A 0/1 mask keeping the largest-magnitude weights so that `floor(sparsity · n)` of the `n` weights
 * are zero. Ties are broken by position (earlier weights are kept), so the result is deterministic.
 * Weights already at zero are pruned first.
 */
export function magnitudeMask(weights: Float32Array, sparsity: number): Uint8Array {
  if (!(sparsity >= 0 && sparsity <= 1)) throw new RangeError(`sparsity must be from 0 to 1, got ${sparsity}`);
  const n = weights.length;
  const prune = Math.floor(sparsity * n);
  const mask = new Uint8Array(n).fill(1);
  if (prune === 0) return mask;
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => Math.abs(weights[a]!) - Math.abs(weights[b]!) || b - a);
  for (let i = 0; i < prune; i++) mask[order[i]!] = 0;
  return mask;
}

/** Every op keeps at least this fraction of its weights (and at least one), so no path is cut. */
export const minimumKeptFraction = 0.02;

/**
 * Masks for all ops at once, pruning `floor(sparsity · N)` of the N weights with the smallest
 * magnitudes across the whole network (global magnitude pruning), except that each op keeps its
 * largest `ceil(minimumKeptFraction · n)` weights. A single threshold puts the sparsity where the
 * weights are: in the large dense layers that dominate the model size, rather than cutting a 72-weight
 * depthwise op as hard as a 3,000-weight dense one (Gale, Elsen & Hooker, "The State of Sparsity in
 * Deep Neural Networks", 2019, compare both). Ties keep the earlier weight (op order, then position).
 */
export function globalMagnitudeMasks(kernels: readonly Float32Array[], sparsity: number): Uint8Array[] {
  if (!(sparsity >= 0 && sparsity <= 1)) throw new RangeError(`sparsity must be from 0 to 1, got ${sparsity}`);
  const masks = kernels.map((k) => new Uint8Array(k.length).fill(1));
  const total = kernels.reduce((n, k) => n + k.length, 0);
  const protectedCount = kernels.reduce((n, k) => n + Math.min(k.length, Math.max(1, Math.ceil(minimumKeptFraction * k.length))), 0);
  const prune = Math.min(Math.floor(sparsity * total), total - protectedCount);
  if (prune <= 0) return masks;
  // Candidates: every weight but each op's protected largest ones.
  const candidates: { op: number; index: number; magnitude: number }[] = [];
  kernels.forEach((kernel, op) => {
    const keep = Math.min(kernel.length, Math.max(1, Math.ceil(minimumKeptFraction * kernel.length)));
    const byMagnitude = Array.from(kernel.keys()).sort((a, b) => Math.abs(kernel[b]!) - Math.abs(kernel[a]!) || a - b);
    for (const index of byMagnitude.slice(keep)) candidates.push({ op, index, magnitude: Math.abs(kernel[index]!) });
  });
  candidates.sort((a, b) => a.magnitude - b.magnitude || b.op - a.op || b.index - a.index);
  for (let i = 0; i < prune; i++) masks[candidates[i]!.op]![candidates[i]!.index] = 0;
  return masks;
}

/**
 * Indices (ascending) of the `keep` channels with the largest L1 norms; ties keep the earlier channel.
 */
export function strongestChannels(l1Norms: readonly number[], keep: number): number[] {
  if (!Number.isInteger(keep) || keep < 1 || keep > l1Norms.length) {
    throw new RangeError(`must keep from 1 to ${l1Norms.length} channels, got ${keep}`);
  }
  const order = l1Norms.map((_, i) => i).sort((a, b) => l1Norms[b]! - l1Norms[a]! || a - b);
  return order.slice(0, keep).sort((a, b) => a - b);
}

/** Channels left when a fraction `sparsity` of `total` is removed: at least one always stays. */
export function channelsLeft(total: number, sparsity: number): number {
  if (!(sparsity >= 0 && sparsity < 1)) throw new RangeError(`channel sparsity must be at least 0 and below 1, got ${sparsity}`);
  return Math.max(1, Math.round(total * (1 - sparsity)));
}

/** Surviving channels of one layer after structured pruning. */
export interface KeptChannels {
  /** Output filters (conv-like) or units (dense). */
  readonly channels?: number;
  /** Bottleneck channels of a downsampledConv. */
  readonly bottleneck?: number;
}

/** How many output channels (and bottleneck channels) one layer had and has after structured pruning. */
export interface LayerChannelCount {
  readonly layerIndex: number;
  /** e.g. `layers[3] (downsampledConv)`. */
  readonly label: string;
  readonly before: number;
  readonly after: number;
  readonly bottleneck?: { readonly before: number; readonly after: number };
}

/** Channels before and after, per conv-like and dense layer, of an architecture and its pruned form. */
export function channelCounts(architecture: Architecture, pruned: Architecture): LayerChannelCount[] {
  if (pruned.layers.length !== architecture.layers.length) {
    throw new RangeError(`channelCounts: the pruned architecture has ${pruned.layers.length} layers, the original ${architecture.layers.length}`);
  }
  const counts: LayerChannelCount[] = [];
  architecture.layers.forEach((layer, layerIndex) => {
    const after = pruned.layers[layerIndex]!;
    if (after.type !== layer.type) throw new RangeError(`channelCounts: ${layerLabel(layerIndex, layer.type)} became a ${after.type} layer`);
    const label = layerLabel(layerIndex, layer.type);
    if (layer.type === 'downsampledConv' && after.type === 'downsampledConv') {
      counts.push({ layerIndex, label, before: layer.filters, after: after.filters, bottleneck: { before: layer.bottleneck, after: after.bottleneck } });
    } else if (isConvLike(layer) && isConvLike(after)) counts.push({ layerIndex, label, before: layer.filters, after: after.filters });
    else if (layer.type === 'dense' && after.type === 'dense') counts.push({ layerIndex, label, before: layer.units, after: after.units });
  });
  return counts;
}

/**
 * The smaller architecture that structured pruning leaves: each layer's filters, units and
 * bottleneck replaced by the surviving counts (indexed like `architecture.layers`). Pools, flatten
 * and the head are unchanged; the classifier keeps its classes.
 */
export function prunedArchitecture(architecture: Architecture, kept: readonly (KeptChannels | undefined)[]): Architecture {
  const layers = architecture.layers.map((layer, index): Layer => {
    const k = kept[index];
    if (!k) return layer;
    const check = (value: number | undefined, declared: number, field: string): number => {
      if (value === undefined) return declared;
      if (!Number.isInteger(value) || value < 1 || value > declared) {
        throw new RangeError(`${layerLabel(index, layer.type)}: kept ${field} must be from 1 to ${declared}, got ${value}`);
      }
      return value;
    };
    if (layer.type === 'downsampledConv') {
      return { ...layer, filters: check(k.channels, layer.filters, 'channels'), bottleneck: check(k.bottleneck, layer.bottleneck, 'bottleneck') };
    }
    if (isConvLike(layer)) return { ...layer, filters: check(k.channels, layer.filters, 'channels') };
    if (layer.type === 'dense') return { ...layer, units: check(k.channels, layer.units, 'channels') };
    return layer;
  });
  return { ...architecture, layers };
}
