/**
 * SpArSe's multi-objective Bayesian optimisation (Fedorov et al., NeurIPS 2019, §4; DESIGN.md §5):
 *
 * 1. The first `initialRandom` proposals are random, until the surrogates have data.
 * 2. A candidate pool is made by random sampling and by morphing (mutating) members of the current
 *    Pareto front; members that break a target's limits are dropped analytically, before any
 *    training, and so are candidates already tried.
 * 3. Gaussian-process surrogates (gaussian-process.ts, over encoding.ts's features) model each
 *    objective: the error directly, and each byte objective as the log ratio of the measured to the
 *    predicted value. The analytic prediction is the surrogate's mean, so where the measurements match
 *    it (structured pruning, no pruning) the byte objectives are exact, and where they do not (svd,
 *    whose sparsity training decides) the process learns the gap.
 * 4. Acquisition by Thompson sampling under a random Chebyshev scalarisation (Paria et al. 2019):
 *    one joint posterior draw of the objectives over the whole pool, normalised by the bounds (the
 *    space the hypervolume is measured in, so the origin is the ideal and the bounds the nadir),
 *    scalarised with weights drawn from a flat Dirichlet afresh at each step; the pool member with
 *    the lowest value is proposed. (Rescaling by the ideal and nadir of the trials so far, as ParEGO
 *    does, spent many trials on tiny inaccurate networks and gave a lower hypervolume than random
 *    search on the synthetic benchmarks; the bounds did not.)
 * 5. A batch (batch.ts) is proposed one candidate at a time. The candidates pending in other workers
 *    and those already chosen for the batch are left out of the pool and enter the three surrogates
 *    as fantasies: observations at their features whose value is a constant lie. This is the
 *    constant liar of Ginsbourger, Le Riche & Carraro ("Kriging is well-suited to parallelize
 *    optimization", in Computational Intelligence in Expensive Optimization Problems, Springer
 *    2010): propose a batch sequentially, refitting the model each time with a fake value L at the
 *    points chosen so far, L the minimum, the mean or the maximum of the observed values (their
 *    other heuristic, the Kriging believer, lies with the model's own mean there). This uses the
 *    mean of each surrogate's own training targets (CL-mean): it is the constant the process
 *    standardises its targets by, so the lie leaves the prior mean where it was, hardly changes the
 *    scale, and does not pull the hyperparameter search with an extreme fake value as min or max
 *    would; meanwhile the variance at a pending candidate's features collapses and its neighbourhood
 *    reverts towards the average, so a Thompson draw is no longer lucky there and the next proposal
 *    looks elsewhere. The Kriging believer would keep a promising neighbourhood promising, and so
 *    keep proposing next to a pending candidate. Fantasies never count towards the random start, the
 *    front or the morph parents: they only shape the surrogates.
 */
import type { Rng } from '../rng.ts';
import { proposeSequentially } from './batch.ts';
import { type Candidate, candidateKey, mutateCandidate, sampleCandidate } from './candidate.ts';
import { candidateEncoder } from './encoding.ts';
import { type GaussianProcess, fitGaussianProcess, sampleJoint } from './gaussian-process.ts';
import { normalise } from './objectives.ts';
import { paretoFront } from './pareto.ts';
import { chebyshev, flatDirichlet } from './scalarization.ts';
import { type Observation, type SearchProblem, type SearchStrategy, drawFeasible, isMeasuredFeasible } from './strategy.ts';

export interface MoboOptions {
  /** Random proposals before the surrogates are used (counting trials with objectives). */
  readonly initialRandom?: number;
  /** Candidates scored per proposal. */
  readonly poolSize?: number;
  /** Share of the pool made by morphing Pareto-front members; the rest is sampled at random. */
  readonly morphShare?: number;
}

/**
 * SpArSe starts its BO from a handful of random configurations; 8 leaves most of a 40–60 trial
 * browser budget to the model. A pool of 200, half morphs, keeps a proposal well under a second with
 * a hundred observations (the joint draw costs O(pool³)).
 */
export const defaultMoboOptions: Required<MoboOptions> = { initialRandom: 8, poolSize: 200, morphShare: 0.5 };

/** Tries per wanted pool member, so that a tight target cannot make the pool loop for long. */
const triesPerMember = 20;

function checkOptions(options: MoboOptions): Required<MoboOptions> {
  const merged = { ...defaultMoboOptions, ...options };
  if (!Number.isInteger(merged.initialRandom) || merged.initialRandom < 2) throw new Error(`mobo: initialRandom must be an integer of at least 2, got ${merged.initialRandom}`);
  if (!Number.isInteger(merged.poolSize) || merged.poolSize < 1) throw new Error(`mobo: poolSize must be a positive integer, got ${merged.poolSize}`);
  if (!(merged.morphShare >= 0 && merged.morphShare <= 1)) throw new Error(`mobo: morphShare must be from 0 to 1, got ${merged.morphShare}`);
  return merged;
}

/** Feasible, untried, distinct candidates: morphs of the front first, then random draws. */
function candidatePool(
  problem: SearchProblem,
  history: readonly Observation[],
  parents: readonly Candidate[],
  size: number,
  morphs: number,
  rng: Rng,
  avoid: ReadonlySet<string> = new Set(),
): Candidate[] {
  const seen = new Set(history.map((o) => candidateKey(o.candidate)));
  for (const key of avoid) seen.add(key);
  const pool: Candidate[] = [];
  const offer = (candidate: Candidate): void => {
    const key = candidateKey(candidate);
    if (seen.has(key) || !problem.isFeasible(candidate)) return;
    seen.add(key);
    pool.push(candidate);
  };
  for (let tries = 0; tries < morphs * triesPerMember && pool.length < morphs && parents.length > 0; tries++) {
    const mutation = mutateCandidate(rng.pick(parents), problem.space, problem.pruning, rng);
    if (!mutation.unchanged) offer(mutation.candidate);
  }
  const tries = Math.min(problem.maxDraws, size * triesPerMember);
  for (let t = 0; t < tries && pool.length < size; t++) offer(sampleCandidate(problem.space, problem.pruning, rng));
  return pool;
}

/** log(measured / predicted), or 0 when either is not a positive number (nothing to learn from). */
function logRatio(measured: number, predicted: number): number {
  const ratio = Math.log(measured / predicted);
  return Number.isFinite(ratio) ? ratio : 0;
}

/**
 * The constant lie a surrogate is given at each fantasy (a candidate pending or chosen for the
 * batch): the mean of its observed targets, Ginsbourger et al.'s CL-mean (see the header, step 5).
 */
export function moboLie(observed: readonly number[]): number {
  return observed.reduce((sum, value) => sum + value, 0) / observed.length;
}

export function moboStrategy(problem: SearchProblem, options: MoboOptions = {}): SearchStrategy {
  const { initialRandom, poolSize, morphShare } = checkOptions(options);
  const encoder = candidateEncoder(problem.space);
  const random = (rng: Rng, avoid?: ReadonlySet<string>): Candidate => drawFeasible(problem, () => sampleCandidate(problem.space, problem.pruning, rng), avoid);

  /**
   * A proposal given `fantasies` (pending or already chosen for a batch, with `avoid` their keys):
   * they are not proposed again and enter the surrogates with the constant lie (`moboLie`). With no
   * fantasies this is the single proposal, draw for draw.
   */
  function proposeWith(history: readonly Observation[], rng: Rng, fantasies: readonly Candidate[] = [], avoid?: ReadonlySet<string>): Candidate {
    const measured = history.filter((o) => o.objectives !== null);
    if (measured.length < initialRandom) return random(rng, avoid);

    // Morph the front of the feasible trials, or of all fully trained ones while none is feasible;
    // the surrogates below learn from every measured trial, those stopped early included.
    const feasible = measured.filter(isMeasuredFeasible);
    const complete = measured.filter((o) => o.partial !== true);
    const basis = feasible.length > 0 ? feasible : complete.length > 0 ? complete : measured;
    const parents = paretoFront(basis.map((o) => o.objectives!)).map((i) => basis[i]!.candidate);
    const pool = candidatePool(problem, history, parents, poolSize, Math.round(poolSize * morphShare), rng, avoid);
    if (pool.length === 0) return random(rng, avoid);

    const encode = (c: Candidate): Float64Array => encoder.encode(c, problem.predict(c));
    const inputs = [...measured.map((o) => encode(o.candidate)), ...fantasies.map(encode)];
    const points = pool.map(encode);
    const targets = [
      measured.map((o) => o.objectives![0]),
      measured.map((o) => logRatio(o.objectives![1], problem.predict(o.candidate).flashBytes)),
      measured.map((o) => logRatio(o.objectives![2], problem.predict(o.candidate).sramBytes)),
    ];
    const models: GaussianProcess[] = targets.map((observed) => {
      const lie = moboLie(observed);
      return fitGaussianProcess(inputs, [...observed, ...fantasies.map(() => lie)], encoder.groups);
    });
    // A model without length-scales is constant: its draw is its mean, and costs nothing.
    const draws = models.map((model) => {
      const posterior = model.posterior(points);
      return model.lengthScales.length === 0 ? posterior.mean : sampleJoint(posterior, rng);
    });

    const weights = flatDirichlet(rng, 3);

    let best = 0;
    let bestScore = Infinity;
    pool.forEach((candidate, j) => {
      const prediction = problem.predict(candidate);
      const objectives = [draws[0]![j]!, prediction.flashBytes * Math.exp(draws[1]![j]!), prediction.sramBytes * Math.exp(draws[2]![j]!)] as const;
      const score = chebyshev(normalise(objectives, problem.bounds), weights);
      if (score < bestScore) {
        bestScore = score;
        best = j;
      }
    });
    return pool[best]!;
  }

  return {
    name: 'mobo',
    propose: (history, rng) => proposeWith(history, rng),
    proposeBatch: (history, pending, size, rng) => proposeSequentially(pending, size, rng, (avoid, avoidKeys, stream) => proposeWith(history, stream, avoid, avoidKeys)),
  };
}
