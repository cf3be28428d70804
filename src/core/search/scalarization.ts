/**
 * Random scalarisations: one number from several minimised objectives, with weights drawn afresh at
 * each step so that, over a study, every part of the Pareto front gets searched (Paria, Kandasamy &
 * Póczos, "A Flexible Framework for Multi-Objective Bayesian Optimization using Random
 * Scalarizations", UAI 2019, which SpArSe follows).
 */
import type { Rng } from '../rng.ts';
import type { Point } from './pareto.ts';

/**
 * Weights drawn uniformly from the simplex (a flat Dirichlet): normalised standard exponentials
 * (Devroye, Non-Uniform Random Variate Generation, 1986, ch. V.2). 1 − next() lies in (0, 1], so every
 * logarithm is finite.
 */
export function flatDirichlet(rng: Rng, count: number): number[] {
  const draws = Array.from({ length: count }, () => -Math.log(1 - rng.next()));
  const total = draws.reduce((a, b) => a + b, 0);
  // All draws are 0 only when next() returned 0 every time; fall back on equal weights.
  return total > 0 ? draws.map((d) => d / total) : draws.map(() => 1 / count);
}

/**
 * ParEGO's small linear term that breaks ties between points with the same maximum (Knowles, "ParEGO:
 * a hybrid algorithm with on-line landscape approximation", IEEE TEC 2006, ρ = 0.05).
 */
export const augmentation = 0.05;

/**
 * Augmented Chebyshev scalarisation of minimised objectives already normalised so that 0 is ideal
 * (here: divided by the bounds): max_i wᵢ·fᵢ + ρ·Σ wᵢ·fᵢ. Lower is better.
 */
export function chebyshev(normalised: Point, weights: readonly number[]): number {
  let worst = -Infinity;
  let sum = 0;
  for (let i = 0; i < normalised.length; i++) {
    const weighted = weights[i]! * normalised[i]!;
    if (weighted > worst) worst = weighted;
    sum += weighted;
  }
  return worst + augmentation * sum;
}
