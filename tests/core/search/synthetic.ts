/**
 * Synthetic objectives for testing the strategies without training: the error is a smooth function of
 * the candidate's capacity (predicted parameters, with pruning's loss of capacity) and depth, plus
 * small seeded noise; the byte objectives are the resource model's prediction. Nothing here claims to
 * model real accuracy; it only has the shape that makes search worth doing: bigger networks are more
 * accurate, deeper ones past three conv layers less so, networks of 1×1 kernels only or with a global
 * average pool over few channels lose accuracy, and pruning trades a little accuracy for size.
 */
import { isConvLike } from '../../../src/core/architecture.ts';
import { createRng } from '../../../src/core/rng.ts';
import {
  type Candidate,
  type Observation,
  type SearchProblem,
  type SearchStrategy,
  objectivesOf,
  observedHypervolume,
  randomStrategy,
} from '../../../src/core/search/index.ts';
import { standardNormal } from '../../../src/core/search/variates.ts';

/** Capacity lost per unit of sparsity: unstructured pruning costs less accuracy than the weights it removes. */
const capacityLoss = { none: 0, magnitude: 0.5, svd: 0.4, channels: 0, bc: 0 } as const;

export function syntheticError(candidate: Candidate, problem: SearchProblem, noise: number): number {
  const prediction = problem.predict(candidate);
  const { method, sparsity } = candidate.pruning;
  // Channel pruning (and Bayesian Compression) really shrink the network: the capacity is the smaller architecture's.
  const params = method === 'channels' || method === 'bc' ? prediction.estimate.params : prediction.estimate.params * (1 - capacityLoss[method] * sparsity);
  const capacity = Math.log10(Math.max(params, 1));
  const layers = prediction.architecture.layers;
  const convs = layers.filter(isConvLike);
  // An error of about 0.62 at 300 parameters, 0.37 at 2,000 and 0.04 at 100,000.
  const base = 0.02 + 0.7 / (1 + Math.exp(2.2 * (capacity - 3.3)));
  const depthPenalty = 0.04 * Math.max(0, convs.length - 3);
  // Only 1×1 kernels see no neighbouring pixels.
  const spatialPenalty = convs.length > 0 && convs.every((l) => l.kernel === 1) ? 0.15 : 0;
  // Global average pooling over few channels throws most of the information away.
  const head = layers.findIndex((l) => l.type === 'globalAvgPool');
  const lastConv = convs[convs.length - 1];
  const gapPenalty = head >= 0 && lastConv ? 0.15 * Math.max(0, (5 - Math.log2(lastConv.filters)) / 5) : 0;
  return Math.min(1, Math.max(0, base + depthPenalty + spatialPenalty + gapPenalty + noise));
}

/** Runs `budget` trials of `strategy` on the synthetic objectives; noise and proposals seeded by `seed`. */
export function runSynthetic(strategy: SearchStrategy, problem: SearchProblem, budget: number, seed: number | string): Observation[] {
  const root = createRng(seed);
  const history: Observation[] = [];
  for (let trial = 0; trial < budget; trial++) {
    const candidate = strategy.propose(history, root.fork(`propose ${trial}`));
    const noise = 0.005 * standardNormal(root.fork(`noise ${trial}`));
    const prediction = problem.predict(candidate);
    history.push({ candidate, objectives: objectivesOf(syntheticError(candidate, problem, noise), prediction), feasible: prediction.fits });
  }
  return history;
}

/** A history of `count` synthetic trials of random search, with one failed (3) and one over-the-limits (5) trial mixed in. */
export function history(problem: SearchProblem, count: number, seed: string): Observation[] {
  const trials = runSynthetic(randomStrategy(problem), problem, count, seed);
  trials[3] = { ...trials[3]!, objectives: null, feasible: false };
  trials[5] = { ...trials[5]!, objectives: [0.01, problem.bounds[1] * 2, problem.bounds[2] * 3], feasible: false };
  return trials;
}

export const finalHypervolume = (history: readonly Observation[], problem: SearchProblem): number => observedHypervolume(history, problem.bounds);

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
