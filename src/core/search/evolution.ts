/**
 * Aging evolution (Real, Aggarwal, Huang & Le, "Regularized Evolution for Image Classifier
 * Architecture Search", AAAI 2019), multi-objective as in μNAS (Liberis, Dudziak & Lane, "μNAS:
 * Constrained Neural Architecture Search for Microcontrollers", EuroMLSys 2021; their code is
 * eliberis/uNAS, search_algorithms/aging_evolution.py):
 *
 * - the population is the `populationSize` most recent trials with objectives (failed and skipped
 *   trials have none), so old members age out whatever their fitness; until it is full, proposals
 *   are random, as μNAS's initial population is;
 * - a tournament draws `sampleSize` members with replacement (as μNAS does) and the fittest wins,
 *   under scalarisation weights drawn afresh for each tournament;
 * - the winner is mutated (candidate.ts: an architecture morph or a pruning change) until the child
 *   passes the feasibility test and has not been tried before.
 * - A batch (batch.ts) holds one tournament per candidate, each drawn afresh; a child that is pending
 *   in another worker or already in the batch counts as tried.
 *
 * Fitness (evolutionFitness) scalarises the objectives normalised by the bounds, f = value / bound,
 * as −Σ wᵢ·ln(1 − fᵢ) with w from a flat Dirichlet; lower is better. With equal weights it ranks
 * trials by Π(1 − fᵢ), the hypervolume a trial dominates on its own, the quantity the study is judged
 * by; random weights lean each tournament towards one objective so that the whole front gets
 * explored. μNAS's own fitness, max over objectives of min(fᵢ, 10)/λᵢ with λᵢ ~ U(0, 1), is a random
 * Chebyshev scalarisation; on our synthetic benchmarks (tests/core/search) it gave a lower final
 * hypervolume at budgets of 50 trials, where the log-volume form did better.
 */
import type { Rng } from '../rng.ts';
import { proposeSequentially } from './batch.ts';
import { type Candidate, candidateKey, mutateCandidate, sampleCandidate } from './candidate.ts';
import { type Objectives, normalise } from './objectives.ts';
import { flatDirichlet } from './scalarization.ts';
import { type Observation, type SearchProblem, type SearchStrategy, drawFeasible } from './strategy.ts';

export interface EvolutionOptions {
  /** Most recent trials that form the population. */
  readonly populationSize?: number;
  /** Members drawn (with replacement) for each tournament. */
  readonly sampleSize?: number;
}

/**
 * μNAS runs 2,000 trials with a population of 100 and tournaments of 25; a browser study runs tens
 * of trials, so the population is 16 (two thirds of a 50-trial budget is left to evolution) and the
 * tournament 8: with so few generations, a stronger selection did better on the synthetic benchmarks.
 */
export const defaultEvolutionOptions: Required<EvolutionOptions> = { populationSize: 16, sampleSize: 8 };

/** Mutations of one tournament winner before a new tournament is held. */
const mutationsPerWinner = 10;

/** Stands in for 1 − f when a trial reaches a bound, so that the logarithm stays finite. */
const smallestRoom = 1e-9;

/**
 * Fitness of a trial under tournament weights (lower is better): −Σ wᵢ·ln(1 − fᵢ) over the
 * normalised objectives fᵢ = value / bound. A trial at or past a bound scores as if it had 1e-9 of
 * room left there (≈ 20.7·wᵢ), plus its excess, so that among such trials the nearer one wins.
 */
export function evolutionFitness(objectives: Objectives, bounds: Objectives, weights: readonly number[]): number {
  const scaled = normalise(objectives, bounds);
  let fitness = 0;
  for (let i = 0; i < scaled.length; i++) {
    const f = scaled[i]!;
    fitness -= weights[i]! * Math.log(Math.max(1 - f, smallestRoom));
    if (f > 1) fitness += f - 1;
  }
  return fitness;
}

type Measured = Observation & { readonly objectives: Objectives };

export function evolutionStrategy(problem: SearchProblem, options: EvolutionOptions = {}): SearchStrategy {
  const { populationSize, sampleSize } = { ...defaultEvolutionOptions, ...options };
  if (!Number.isInteger(populationSize) || populationSize < 1) throw new Error(`evolution: populationSize must be a positive integer, got ${populationSize}`);
  if (!Number.isInteger(sampleSize) || sampleSize < 1) throw new Error(`evolution: sampleSize must be a positive integer, got ${sampleSize}`);
  const random = (rng: Rng, avoid?: ReadonlySet<string>): Candidate => drawFeasible(problem, () => sampleCandidate(problem.space, problem.pruning, rng), avoid);

  function tournament(population: readonly Measured[], rng: Rng): Candidate {
    const weights = flatDirichlet(rng, 3);
    let winner = population[0]!;
    let best = Infinity;
    for (let i = 0; i < sampleSize; i++) {
      const member = rng.pick(population);
      const fitness = evolutionFitness(member.objectives, problem.bounds, weights);
      if (fitness < best) {
        best = fitness;
        winner = member;
      }
    }
    return winner.candidate;
  }

  /** A proposal that repeats no key of `avoid` (pending or chosen for a batch) where the space allows. */
  function proposeAvoiding(history: readonly Observation[], rng: Rng, avoid?: ReadonlySet<string>): Candidate {
    const measured = history.filter((o): o is Measured => o.objectives !== null);
    if (measured.length < populationSize) return random(rng, avoid);
    const population = measured.slice(-populationSize);
    const tried = new Set(history.map((o) => candidateKey(o.candidate)));
    for (const key of avoid ?? []) tried.add(key);
    let parent = tournament(population, rng);
    for (let attempt = 1; attempt <= problem.maxDraws; attempt++) {
      const mutation = mutateCandidate(parent, problem.space, problem.pruning, rng);
      if (!mutation.unchanged && problem.isFeasible(mutation.candidate) && !tried.has(candidateKey(mutation.candidate))) return mutation.candidate;
      if (attempt % mutationsPerWinner === 0) parent = tournament(population, rng);
    }
    // No new child of the population fits: fall back on the space itself (which says so if nothing fits).
    return random(rng, avoid);
  }

  return {
    name: 'evolution',
    propose: (history, rng) => proposeAvoiding(history, rng),
    proposeBatch: (history, pending, size, rng) => proposeSequentially(pending, size, rng, (_avoid, avoidKeys, stream) => proposeAvoiding(history, stream, avoidKeys)),
  };
}
