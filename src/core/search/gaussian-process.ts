/**
 * Gaussian-process regression for mobo's surrogates (Rasmussen & Williams, Gaussian Processes for
 * Machine Learning, 2006, algorithm 2.1), in plain TypeScript.
 *
 * - Inputs are standardised per feature over the training points (a constant feature drops out);
 *   targets are standardised too, so the signal variance is 1.
 * - Kernel: Matérn 5/2 (R&W eq. 4.17), k(r) = (1 + √5·r + 5r²/3)·exp(−√5·r), where r² sums, over
 *   feature groups, the squared distance within the group divided by the group's length-scale².
 * - Hyperparameters by a small grid search on the log marginal likelihood (R&W eq. 2.30): each
 *   group's length-scale is the median pairwise distance in the group (the median heuristic) times
 *   0.5, 1, 2 or 4, searched at a noise variance of 0.01 of the signal's; then the noise variance
 *   (0.001, 0.01 or 0.1) at the best length-scales. 16 + 2 factorisations for two groups.
 */
import { median } from '../median.ts';
import type { Rng } from '../rng.ts';
import { choleskyWithJitter, solveLower, solveUpperTransposed } from './linear-algebra.ts';
import { standardNormal } from './variates.ts';

const lengthScaleMultipliers = [0.5, 1, 2, 4];
const noiseVariances = [1e-3, 1e-2, 1e-1];
const startingNoise = 1e-2;
const sqrt5 = Math.sqrt(5);

/** Matérn 5/2 of a scaled distance r, from r². */
function matern52(r2: number): number {
  const r = Math.sqrt(r2);
  return (1 + sqrt5 * r + (5 / 3) * r2) * Math.exp(-sqrt5 * r);
}

export interface Posterior {
  /** Mean of the latent function at each point, in the targets' units. */
  readonly mean: Float64Array;
  /** m×m row-major covariance of the latent function at the points, in the targets' units². */
  readonly covariance: Float64Array;
}

export interface GaussianProcess {
  /** Length-scale of each feature group, in standardised feature units; empty for a constant model. */
  readonly lengthScales: readonly number[];
  /** Noise variance relative to the signal variance. */
  readonly noise: number;
  /** The joint posterior of the latent function at `points`. */
  posterior(points: readonly Float64Array[]): Posterior;
}

/** A point standardised and split by feature group, constant features left out: one array per group. */
type GroupedPoint = readonly Float64Array[];

/** Squared distances between the points of `a` and those of `b`, one |a|×|b| matrix per feature group. */
function groupDistances(a: readonly GroupedPoint[], b: readonly GroupedPoint[], groupCount: number): Float64Array[] {
  const out: Float64Array[] = [];
  for (let g = 0; g < groupCount; g++) {
    const matrix = new Float64Array(a.length * b.length);
    for (let i = 0; i < a.length; i++) {
      const x = a[i]![g]!;
      for (let j = 0; j < b.length; j++) {
        const y = b[j]![g]!;
        let sum = 0;
        for (let f = 0; f < x.length; f++) {
          const d = x[f]! - y[f]!;
          sum += d * d;
        }
        matrix[i * b.length + j] = sum;
      }
    }
    out.push(matrix);
  }
  return out;
}

function kernelMatrix(distances: readonly Float64Array[], inverseSquaredScales: readonly number[], size: number): Float64Array {
  const k = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    let r2 = 0;
    for (let g = 0; g < distances.length; g++) r2 += distances[g]![i]! * inverseSquaredScales[g]!;
    k[i] = matern52(r2);
  }
  return k;
}

/** The median, or 1 when there is nothing to take it of (a neutral length-scale). */
const medianOr1 = (values: readonly number[]): number => (values.length === 0 ? 1 : median(values));

/** A model that knows only the targets' mean: used when the targets do not vary. */
function constantModel(value: number): GaussianProcess {
  return {
    lengthScales: [],
    noise: 0,
    posterior: (points) => ({ mean: new Float64Array(points.length).fill(value), covariance: new Float64Array(points.length * points.length) }),
  };
}

/**
 * Fits a Gaussian process to `targets` at `inputs` (all of one length); `groups[f]` is the feature
 * group of feature f, each group getting its own length-scale.
 */
export function fitGaussianProcess(inputs: readonly Float64Array[], targets: readonly number[], groups: Uint8Array): GaussianProcess {
  const n = inputs.length;
  if (n === 0 || targets.length !== n) throw new Error(`fitGaussianProcess: needs as many targets as inputs (at least one), got ${n} and ${targets.length}`);
  const yMean = targets.reduce((a, b) => a + b, 0) / n;
  const yStd = Math.sqrt(targets.reduce((a, b) => a + (b - yMean) ** 2, 0) / n);
  if (!(yStd > 1e-12 * Math.max(1, Math.abs(yMean)))) return constantModel(yMean);
  const y = Float64Array.from(targets, (t) => (t - yMean) / yStd);

  const d = inputs[0]!.length;
  const featureMean = new Float64Array(d);
  const featureScale = new Float64Array(d);
  for (const x of inputs) for (let f = 0; f < d; f++) featureMean[f]! += x[f]! / n;
  for (const x of inputs) for (let f = 0; f < d; f++) featureScale[f]! += (x[f]! - featureMean[f]!) ** 2 / n;
  for (let f = 0; f < d; f++) featureScale[f] = featureScale[f]! > 1e-18 ? 1 / Math.sqrt(featureScale[f]!) : 0;
  let groupCount = 0;
  for (const g of groups) groupCount = Math.max(groupCount, g + 1);
  // Features that vary over the training points, by group: constant ones would only add zeros.
  const active = Array.from({ length: groupCount }, (_, g) => Array.from({ length: d }, (_, f) => f).filter((f) => groups[f] === g && featureScale[f]! > 0));
  const standardise = (x: Float64Array): GroupedPoint => active.map((features) => Float64Array.from(features, (f) => (x[f]! - featureMean[f]!) * featureScale[f]!));
  const z = inputs.map(standardise);
  const distances = groupDistances(z, z, groupCount);
  const medians = distances.map((matrix) => {
    const pairs: number[] = [];
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (matrix[i * n + j]! > 0) pairs.push(Math.sqrt(matrix[i * n + j]!));
    return medianOr1(pairs);
  });

  // Coordinate-wise grid search: the length-scales at a middling noise, then the noise at those scales.
  let best: { logLikelihood: number; scales: number[]; noise: number; factor: Float64Array; alpha: Float64Array } | undefined;
  const tryFit = (scales: number[], noise: number): void => {
    const k = kernelMatrix(distances, scales.map((s) => 1 / (s * s)), n * n);
    for (let i = 0; i < n; i++) k[i * n + i]! += noise;
    const cholesky = choleskyWithJitter(k, n);
    if (!cholesky) return;
    const alpha = solveUpperTransposed(cholesky.factor, n, solveLower(cholesky.factor, n, y));
    let logLikelihood = -0.5 * n * Math.log(2 * Math.PI);
    for (let i = 0; i < n; i++) logLikelihood -= 0.5 * y[i]! * alpha[i]! + Math.log(cholesky.factor[i * n + i]!);
    if (!best || logLikelihood > best.logLikelihood) best = { logLikelihood, scales, noise, factor: cholesky.factor, alpha };
  };
  const combinations = lengthScaleMultipliers.length ** groupCount;
  for (let c = 0; c < combinations; c++) {
    tryFit(medians.map((m, g) => m * lengthScaleMultipliers[Math.floor(c / lengthScaleMultipliers.length ** g) % lengthScaleMultipliers.length]!), startingNoise);
  }
  const bestScales = best?.scales ?? medians;
  for (const noise of noiseVariances) if (noise !== startingNoise) tryFit(bestScales, noise);
  if (!best) return constantModel(yMean);
  const { scales, noise, factor, alpha } = best;
  const inverseSquaredScales = scales.map((s) => 1 / (s * s));

  return {
    lengthScales: scales,
    noise,
    posterior(points) {
      const m = points.length;
      const zs = points.map(standardise);
      // K* is n×m, Kss m×m.
      const cross = kernelMatrix(groupDistances(z, zs, groupCount), inverseSquaredScales, n * m);
      const prior = kernelMatrix(groupDistances(zs, zs, groupCount), inverseSquaredScales, m * m);
      const mean = new Float64Array(m);
      for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) mean[j]! += cross[i * m + j]! * alpha[i]!;
      // V = L⁻¹·K*, column by column, stored n×m.
      const v = new Float64Array(n * m);
      const column = new Float64Array(n);
      for (let j = 0; j < m; j++) {
        for (let i = 0; i < n; i++) column[i] = cross[i * m + j]!;
        const solved = solveLower(factor, n, column);
        for (let i = 0; i < n; i++) v[i * m + j] = solved[i]!;
      }
      const covariance = new Float64Array(m * m);
      const variance = yStd * yStd;
      for (let a = 0; a < m; a++) {
        for (let b = a; b < m; b++) {
          let reduction = 0;
          for (let i = 0; i < n; i++) reduction += v[i * m + a]! * v[i * m + b]!;
          const value = (prior[a * m + b]! - reduction) * variance;
          covariance[a * m + b] = value;
          covariance[b * m + a] = value;
        }
        mean[a] = yMean + mean[a]! * yStd;
      }
      return { mean, covariance };
    },
  };
}

/**
 * One joint draw from N(mean, covariance) (Thompson sampling of the whole pool at once): mean + L·ε
 * with L the Cholesky factor, jittered as needed. Should even that fail, the points are drawn
 * independently from their marginals.
 */
export function sampleJoint(posterior: Posterior, rng: Rng): Float64Array {
  const { mean, covariance } = posterior;
  const m = mean.length;
  const epsilon = Float64Array.from({ length: m }, () => standardNormal(rng));
  const cholesky = choleskyWithJitter(covariance, m);
  const sample = new Float64Array(mean);
  for (let i = 0; i < m; i++) {
    if (cholesky) {
      let sum = 0;
      for (let k = 0; k <= i; k++) sum += cholesky.factor[i * m + k]! * epsilon[k]!;
      sample[i]! += sum;
    } else {
      sample[i]! += Math.sqrt(Math.max(0, covariance[i * m + i]!)) * epsilon[i]!;
    }
  }
  return sample;
}
