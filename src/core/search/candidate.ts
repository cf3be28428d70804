/**
 * A search candidate (DESIGN.md §5): an architecture of the search space together with its pruning
 * method and strength, which SpArSe searches like any other hyperparameter. This file samples and
 * mutates candidates and predicts their resources analytically, before any training.
 */
import type { Architecture } from '../architecture.ts';
import { type Mutation, mutateArchitecture } from '../mutation.ts';
import { type Measurement, expandOps } from '../ops.ts';
import { type KeptChannels, type PruningMethod, channelsLeft, minimumKeptFraction, prunedArchitecture } from '../pruning.ts';
import { type Accounting, type Estimate, type Verdict, estimate } from '../resources.ts';
import type { Rng } from '../rng.ts';
import { sampleArchitecture } from '../sampler.ts';
import { type SearchSpace, SearchSpaceError } from '../search-space.ts';
import type { Target } from '../targets.ts';
import { type FlashBytes, type SramBytes, flashBytes, sramBytes } from '../units.ts';
import { type PruningSpace, clampSparsity } from './pruning-space.ts';
import { standardNormal } from './variates.ts';

/**
 * How a candidate is pruned. `sparsity` is the fraction of weights removed (magnitude, and the
 * expected outcome of svd, whose real sparsity is set by its log α threshold during training), the
 * fraction of channels removed in every conv-like and dense layer (channels), and 0 for none.
 */
export interface PruningChoice {
  readonly method: PruningMethod;
  readonly sparsity: number;
}

export interface Candidate {
  /** An architecture of the search space, before any pruning. */
  readonly architecture: Architecture;
  readonly pruning: PruningChoice;
}

/** A pruning choice drawn uniformly: a method of the space, then a sparsity in its range (0 for none). */
export function samplePruning(space: PruningSpace, rng: Rng): PruningChoice {
  const method = rng.pick(space.methods);
  if (method === 'none') return { method, sparsity: 0 };
  return { method, sparsity: clampSparsity(space.sparsity.min + rng.next() * (space.sparsity.max - space.sparsity.min), space) };
}

/** An architecture drawn from the search space and a pruning choice drawn from the pruning space. */
export function sampleCandidate(space: SearchSpace, pruning: PruningSpace, rng: Rng): Candidate {
  return { architecture: sampleArchitecture(space, rng), pruning: samplePruning(pruning, rng) };
}

/**
 * Step of a sparsity change: μNAS adds N(0, 0.05²) to the sparsity and clips it to its range
 * (Liberis et al. 2021, eliberis/uNAS search_algorithms/aging_evolution.py, `evolve`).
 */
const sparsityStep = 0.05;

/**
 * Another pruning choice: another method of the space, or (for a method other than none) a sparsity
 * moved by a Gaussian step. Returns undefined when the space leaves no other choice.
 */
export function mutatePruning(choice: PruningChoice, space: PruningSpace, rng: Rng): PruningChoice | undefined {
  const others = space.methods.filter((method) => method !== choice.method);
  const canMove = choice.method !== 'none' && space.sparsity.max > space.sparsity.min;
  if (others.length === 0 && !canMove) return undefined;
  if (!canMove || (others.length > 0 && rng.chance(0.5))) {
    const method = rng.pick(others);
    if (method === 'none') return { method, sparsity: 0 };
    // Coming from none there is no strength to keep, so one is drawn.
    return choice.method === 'none' ? samplePruning({ ...space, methods: [method] }, rng) : { method, sparsity: clampSparsity(choice.sparsity, space) };
  }
  let sparsity = clampSparsity(choice.sparsity + sparsityStep * standardNormal(rng), space);
  if (sparsity === choice.sparsity) {
    // Rounding swallowed the step: move one step of rounding, towards the side that has room.
    const up = clampSparsity(choice.sparsity + 0.01, space);
    sparsity = up !== choice.sparsity ? up : clampSparsity(choice.sparsity - 0.01, space);
  }
  return { method: choice.method, sparsity };
}

export interface CandidateMutation {
  readonly candidate: Candidate;
  /** What changed, in words; `unchanged` is true when no change was possible. */
  readonly description: string;
  readonly unchanged: boolean;
}

/** Share of mutations that change the pruning rather than the architecture, when both can change. */
const pruningMutationShare = 0.25;

/**
 * A child of `parent`: one mutation of the architecture (mutation.ts) or one change of its pruning.
 * When one kind cannot change anything (or the architecture is outside the space), the other is
 * tried; when neither can, the parent is returned with `unchanged` set.
 */
export function mutateCandidate(parent: Candidate, space: SearchSpace, pruning: PruningSpace, rng: Rng): CandidateMutation {
  const pruningFirst = rng.chance(pruningMutationShare);
  for (const kind of pruningFirst ? (['pruning', 'architecture'] as const) : (['architecture', 'pruning'] as const)) {
    if (kind === 'pruning') {
      const choice = mutatePruning(parent.pruning, pruning, rng);
      if (choice) return { candidate: { architecture: parent.architecture, pruning: choice }, description: describePruningChange(parent.pruning, choice), unchanged: false };
    } else {
      const mutation = architectureMutation(parent.architecture, space, rng);
      if (mutation !== undefined && mutation.operator !== 'none') return { candidate: { architecture: mutation.architecture, pruning: parent.pruning }, description: mutation.description, unchanged: false };
    }
  }
  return { candidate: parent, description: 'left unchanged: neither the architecture nor the pruning can change within their spaces', unchanged: true };
}

/**
 * mutateArchitecture, or undefined when the parent is not inside the space (a trial of an earlier
 * space, say), which leaves its pruning as the only thing to change.
 */
function architectureMutation(parent: Architecture, space: SearchSpace, rng: Rng): Mutation | undefined {
  try {
    return mutateArchitecture(parent, space, rng);
  } catch (error) {
    if (error instanceof SearchSpaceError) return undefined;
    throw error;
  }
}

function describePruningChange(from: PruningChoice, to: PruningChoice): string {
  const show = (c: PruningChoice): string => (c.method === 'none' ? 'no pruning' : `${c.method} pruning at sparsity ${c.sparsity}`);
  return `changed ${show(from)} to ${show(to)}`;
}

/** A string equal for equal candidates (same layers, same pruning), for spotting repeats. */
export function candidateKey(candidate: Candidate): string {
  return `${candidate.pruning.method}:${candidate.pruning.sparsity}|${JSON.stringify(candidate.architecture.layers)}`;
}

// ---------------------------------------------------------------------------------------------
// Resources predicted before training
// ---------------------------------------------------------------------------------------------

export interface PredictedResources {
  /** What was estimated: the candidate's architecture, or the smaller one that channel pruning leaves. */
  readonly architecture: Architecture;
  readonly estimate: Estimate;
  readonly accounting: Accounting;
  /** One verdict per target, in `accounting`. */
  readonly verdicts: readonly Verdict[];
  /** Fits every target. */
  readonly fits: boolean;
  /** The flash-side objective: model size (paper) or the first target's flash (deploy). */
  readonly flashBytes: FlashBytes;
  /** The SRAM-side objective: working memory (paper) or the first target's SRAM (deploy). */
  readonly sramBytes: SramBytes;
}

/** Surviving channels of every conv-like and dense layer, as src/tf/pruning/channels.ts removes them. */
function keptChannels(architecture: Architecture, sparsity: number): (KeptChannels | undefined)[] {
  return architecture.layers.map((layer): KeptChannels | undefined => {
    if (layer.type === 'downsampledConv') return { channels: channelsLeft(layer.filters, sparsity), bottleneck: channelsLeft(layer.bottleneck, sparsity) };
    if (layer.type === 'conv' || layer.type === 'separableConv') return { channels: channelsLeft(layer.filters, sparsity) };
    if (layer.type === 'dense') return { channels: channelsLeft(layer.units, sparsity) };
    return undefined;
  });
}

/**
 * Non-zero weights expected after unstructured pruning: (1 − sparsity) of each op's weights, but at
 * least the share every op keeps under global magnitude pruning (pruning.ts, minimumKeptFraction).
 * Global pruning spreads the zeros unevenly over the ops; the total is the same, so the paper model
 * size matches, while the deploy encoding of each op may differ from what training produces.
 */
function expectedNonzero(architecture: Architecture, sparsity: number): Measurement {
  const measurement: { nonzeroWeights: number[] }[] = [];
  for (const op of expandOps(architecture)) {
    if (op.weights === 0) continue;
    const kept = Math.min(op.weights, Math.max(Math.ceil(minimumKeptFraction * op.weights), Math.round((1 - sparsity) * op.weights)));
    (measurement[op.layerIndex] ??= { nonzeroWeights: [] }).nonzeroWeights.push(kept);
  }
  return measurement;
}

/**
 * The analytic estimate of a candidate before training, pruning included: channel pruning is
 * estimated on the smaller architecture it leaves, magnitude and svd with (1 − sparsity) of each op's
 * weights non-zero. Bayesian Compression learns how many channels go; it is expected to remove the
 * share of channels its strength says (about what the digits networks lost at that strength), and
 * the trial's measured resources, on the architecture it really leaves, have the last word. Gives each target's verdict in `accounting` and the two byte objectives. Deploy
 * numbers are per target, so the objectives take the first target's; deploy accounting needs one.
 */
export function predictedResources(candidate: Candidate, targets: readonly Target[], accounting: Accounting): PredictedResources {
  if (accounting === 'deploy' && targets.length === 0) throw new Error('predictedResources: deploy accounting needs at least one target');
  const { method, sparsity } = candidate.pruning;
  let architecture = candidate.architecture;
  let measurement: Measurement | undefined;
  if ((method === 'channels' || method === 'bc') && sparsity > 0) architecture = prunedArchitecture(architecture, keptChannels(architecture, sparsity));
  else if ((method === 'magnitude' || method === 'svd') && sparsity > 0) measurement = expectedNonzero(architecture, sparsity);
  const result = estimate(architecture, targets, measurement ? { measurement } : {});
  const verdicts = result.targets.map((t) => t.verdicts[accounting]);
  const first = result.targets[0];
  const deploy = accounting === 'deploy' && first !== undefined;
  return {
    architecture,
    estimate: result,
    accounting,
    verdicts,
    fits: verdicts.every((verdict) => verdict.fits),
    flashBytes: deploy ? first.deploy.flashBytes : flashBytes(result.paper.modelSizeBytes),
    sramBytes: deploy ? first.deploy.sramBytes : sramBytes(result.paper.workingMemoryBytes),
  };
}
