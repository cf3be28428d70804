/**
 * What every search strategy shares (DESIGN.md §5): the problem it searches (search space, pruning
 * space, targets, accounting), the observations of the trials so far, the analytic feasibility test
 * that rejects candidates breaking a target's limits before any training, and the interface itself.
 */
import type { Accounting } from '../resources.ts';
import { formatBytes } from '../units.ts';
import type { Rng } from '../rng.ts';
import { type SearchSpace, assertSearchSpace } from '../search-space.ts';
import type { Target } from '../targets.ts';
import { type Candidate, type PredictedResources, candidateKey, predictedResources } from './candidate.ts';
import { hypervolume } from './hypervolume.ts';
import { type Objectives, normalise, objectiveBounds } from './objectives.ts';
import { paretoFront } from './pareto.ts';
import { type PruningSpace, defaultPruningSpace, parsePruningSpace } from './pruning-space.ts';

export type StrategyName = 'random' | 'mobo' | 'evolution';
export const strategyNames: readonly StrategyName[] = ['random', 'mobo', 'evolution'];

/** One trial as the strategies see it. */
export interface Observation {
  readonly candidate: Candidate;
  /** (error, flash-side bytes, SRAM-side bytes) as measured; null when the trial failed or was skipped. */
  readonly objectives: Objectives | null;
  /** The measured model fits every target in the study's accounting. */
  readonly feasible: boolean;
  /**
   * Measured after fewer epochs than planned: the trial was stopped early as unlikely to reach the
   * front. Its error then is worse than it might have become, but it was below what comparable trials
   * reached, so it still tells a surrogate where not to look; it never counts towards the front.
   */
  readonly partial?: boolean;
  /**
   * Trained, but its accuracy is hardly above chance (study-objectives.ts, `isNotLearning`): a small
   * network that learnt nothing is no trade-off, so it never counts towards the front; surrogates
   * still learn its error.
   */
  readonly notLearning?: boolean;
}

export interface SearchProblem {
  readonly space: SearchSpace;
  readonly pruning: PruningSpace;
  /** At least one; in deploy accounting the first one gives the byte objectives. */
  readonly targets: readonly Target[];
  readonly accounting: Accounting;
  /** What each objective is divided by (objectiveBounds): feasible candidates lie in [0, 1]³. */
  readonly bounds: Objectives;
  /** How many candidates a strategy draws, at most, looking for one that fits, before it gives up. */
  readonly maxDraws: number;
  /** predictedResources in the problem's targets and accounting, remembered per candidate object. */
  predict(candidate: Candidate): PredictedResources;
  /** The analytic test applied before any training: the predicted resources fit every target. */
  isFeasible(candidate: Candidate): boolean;
}

/**
 * Draws per proposal before giving up. Sampling plus estimating takes about 30 µs, so this bounds a
 * hopeless proposal to well under a second; on 28×28×1 with the default spaces about one random
 * candidate in eight fits an Arduino Uno (2 KB SRAM, 32 KB flash), so a feasible space is never
 * mistaken for an infeasible one.
 */
export const defaultMaxDraws = 10_000;

export interface SearchProblemOptions {
  readonly space: SearchSpace;
  readonly pruning?: PruningSpace;
  readonly targets: readonly Target[];
  /** `paper` (SpArSe's) unless said otherwise. */
  readonly accounting?: Accounting;
  readonly maxDraws?: number;
}

/** A search problem; throws when the spaces are invalid or no target is given. */
export function createSearchProblem(options: SearchProblemOptions): SearchProblem {
  assertSearchSpace(options.space);
  const pruning = parsePruningSpace(options.pruning ?? defaultPruningSpace);
  const { targets, space } = options;
  if (targets.length === 0) throw new Error('a search needs at least one target: its memory decides which candidates are feasible');
  const accounting = options.accounting ?? 'paper';
  const maxDraws = options.maxDraws ?? defaultMaxDraws;
  if (!Number.isInteger(maxDraws) || maxDraws < 1) throw new Error(`maxDraws must be a positive integer, got ${maxDraws}`);
  const predictions = new WeakMap<Candidate, PredictedResources>();
  const predict = (candidate: Candidate): PredictedResources => {
    let prediction = predictions.get(candidate);
    if (!prediction) {
      prediction = predictedResources(candidate, targets, accounting);
      predictions.set(candidate, prediction);
    }
    return prediction;
  };
  return {
    space,
    pruning,
    targets,
    accounting,
    bounds: objectiveBounds(targets, accounting),
    maxDraws,
    predict,
    isFeasible: (candidate) => predict(candidate).fits,
  };
}

/** No candidate that fits the targets was found: the limits are too tight for the search space. */
export class InfeasibleSearchError extends Error {
  override readonly name = 'InfeasibleSearchError';
}

/**
 * The first of up to `problem.maxDraws` candidates from `draw` that passes the feasibility test.
 * Throws an InfeasibleSearchError that says how close the draws came when none fits.
 *
 * With `avoid` (candidateKey of candidates already proposed to a batch or pending in another worker),
 * a fitting candidate whose key is in it is passed over; when every fitting draw was one of them,
 * the first such draw is returned rather than nothing (the space holds no other). Without `avoid`,
 * or with an empty one, the draws and the result are exactly those of a plain call.
 */
export function drawFeasible(problem: SearchProblem, draw: () => Candidate, avoid?: ReadonlySet<string>): Candidate {
  let smallestFlash = Infinity;
  let smallestSram = Infinity;
  let repeat: Candidate | undefined;
  for (let i = 0; i < problem.maxDraws; i++) {
    const candidate = draw();
    const prediction = problem.predict(candidate);
    if (prediction.fits) {
      if (avoid === undefined || avoid.size === 0 || !avoid.has(candidateKey(candidate))) return candidate;
      repeat ??= candidate;
      continue;
    }
    smallestFlash = Math.min(smallestFlash, prediction.flashBytes);
    smallestSram = Math.min(smallestSram, prediction.sramBytes);
  }
  if (repeat) return repeat;
  const names = problem.targets.map((t) => t.name).join(', ');
  const [flashName, sramName] = problem.accounting === 'paper' ? ['model size', 'working memory'] : ['flash', 'SRAM'];
  throw new InfeasibleSearchError(
    `none of ${problem.maxDraws.toLocaleString('en')} candidates drawn from the search space fits ${names} in ${problem.accounting} accounting ` +
      `(the smallest needed ${formatBytes(smallestFlash)} of ${flashName} and ${formatBytes(smallestSram)} of ${sramName}, against ${formatBytes(problem.bounds[1])} and ${formatBytes(problem.bounds[2])} available): ` +
      'the limits are too tight for this space. Choose a target with more memory, lower its reserve, or allow smaller layers, fewer filters, larger strides or stronger pruning.',
  );
}

export interface SearchStrategy {
  readonly name: StrategyName;
  /**
   * The next candidate to train, given every trial so far. It always passes `problem.isFeasible`;
   * the same history and the same random stream give the same candidate.
   */
  propose(history: readonly Observation[], rng: Rng): Candidate;
  /**
   * `size` candidates to train at once (parallel trials, batch.ts), given every trial so far and the
   * `pending` ones: proposed earlier but not yet observed (running in other workers). Every one
   * passes `problem.isFeasible`; none repeats a pending candidate or another of the batch while the
   * space holds others. The batch is proposed one candidate at a time from the one `rng` stream, the
   * first exactly as `propose` would (so a batch of 1 with nothing pending is `propose`'s candidate),
   * each later one seeing the pending candidates and those chosen before it. Throws, in words, when
   * `size` is not a positive integer.
   */
  proposeBatch(history: readonly Observation[], pending: readonly Candidate[], size: number, rng: Rng): Candidate[];
}

/** Observations that count towards the front: fully trained, measured, learning, and fitting every target. */
export function isMeasuredFeasible(observation: Observation): observation is Observation & { readonly objectives: Objectives } {
  return observation.feasible && observation.objectives !== null && observation.partial !== true && observation.notLearning !== true;
}

/** Indices into `history` of its Pareto front: feasible measured trials that no other one dominates. */
export function observedFront(history: readonly Observation[]): number[] {
  const indices = history.flatMap((o, i) => (isMeasuredFeasible(o) ? [i] : []));
  return paretoFront(indices.map((i) => history[i]!.objectives!)).map((k) => indices[k]!);
}

/** Hypervolume of the feasible measured trials, normalised by `bounds`, against (1, 1, 1). */
export function observedHypervolume(history: readonly Observation[], bounds: Objectives): number {
  return hypervolume(history.filter(isMeasuredFeasible).map((o) => normalise(o.objectives, bounds)));
}
