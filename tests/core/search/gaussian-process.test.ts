import { describe, expect, it } from 'vitest';
import { parseArchitecture } from '../../../src/core/architecture.ts';
import { createRng } from '../../../src/core/rng.ts';
import { defaultSearchSpace } from '../../../src/core/search-space.ts';
import { findPresetTarget } from '../../../src/core/targets.ts';
import { candidateEncoder, resourceGroup, structureGroup } from '../../../src/core/search/encoding.ts';
import { fitGaussianProcess, sampleJoint } from '../../../src/core/search/gaussian-process.ts';
import { predictedResources, sampleCandidate, defaultPruningSpace } from '../../../src/core/search/index.ts';
import { cholesky, choleskyWithJitter, solveLower, solveUpperTransposed } from '../../../src/core/search/linear-algebra.ts';

describe('linear algebra', () => {
  it('factors a symmetric positive definite matrix: L·Lᵀ = A', () => {
    // A = L·Lᵀ with L = [[2,0,0],[1,3,0],[−1,0.5,1]].
    const a = Float64Array.from([4, 2, -2, 2, 10, 0.5, -2, 0.5, 2.25]);
    const l = cholesky(a, 3)!;
    expect([...l].map((v) => Math.round(v * 1e12) / 1e12)).toEqual([2, 0, 0, 1, 3, 0, -1, 0.5, 1]);
    const x = solveUpperTransposed(l, 3, solveLower(l, 3, Float64Array.from([1, 2, 3])));
    // A·x = b
    for (let i = 0; i < 3; i++) expect(a[i * 3]! * x[0]! + a[i * 3 + 1]! * x[1]! + a[i * 3 + 2]! * x[2]!).toBeCloseTo([1, 2, 3][i]!, 12);
  });

  it('refuses an indefinite matrix and jitters a singular one', () => {
    expect(cholesky(Float64Array.from([1, 2, 2, 1]), 2)).toBeUndefined();
    const singular = Float64Array.from([1, 1, 1, 1]);
    expect(cholesky(singular, 2)).toBeUndefined();
    const jittered = choleskyWithJitter(singular, 2)!;
    expect(jittered.jitter).toBeGreaterThan(0);
    expect(jittered.jitter).toBeLessThan(1e-6);
    expect(choleskyWithJitter(Float64Array.from([1, 0, 0, 1]), 2)!.jitter).toBe(0);
  });
});

describe('Gaussian process', () => {
  const f = (x: number): number => Math.sin(3 * x) + 0.5 * x;
  const train = Array.from({ length: 15 }, (_, i) => (2 * i) / 14);
  const inputs = train.map((x) => Float64Array.of(x));
  const groups = new Uint8Array(1);

  it('interpolates a smooth function, with little variance at the data and more away from it', () => {
    const gp = fitGaussianProcess(inputs, train.map(f), groups);
    const test = [0.07, 0.5, 1.03, 1.61, 1.93];
    const { mean, covariance } = gp.posterior(test.map((x) => Float64Array.of(x)));
    test.forEach((x, i) => expect(Math.abs(mean[i]! - f(x))).toBeLessThan(0.05));
    const atData = gp.posterior([Float64Array.of(train[7]!)]).covariance[0]!;
    const far = gp.posterior([Float64Array.of(4)]).covariance[0]!;
    expect(atData).toBeLessThan(0.05 * far);
    for (let i = 0; i < test.length; i++) for (let j = 0; j < test.length; j++) expect(covariance[i * 5 + j]).toBe(covariance[j * 5 + i]);
  });

  it('gives a constant model for constant targets', () => {
    const gp = fitGaussianProcess(inputs, train.map(() => 0.3), groups);
    expect(gp.lengthScales).toEqual([]);
    const { mean, covariance } = gp.posterior([Float64Array.of(0.2), Float64Array.of(9)]);
    for (const m of mean) expect(m).toBeCloseTo(0.3, 12);
    expect([...covariance]).toEqual([0, 0, 0, 0]);
  });

  it('fits a longer length-scale to a feature group the targets ignore', () => {
    const rng = createRng('groups');
    const points = Array.from({ length: 40 }, () => Float64Array.of(rng.next(), rng.next(), rng.next(), rng.next()));
    const gp = fitGaussianProcess(points, points.map((p) => Math.sin(4 * p[0]!) + p[1]!), Uint8Array.of(0, 0, 1, 1));
    const [relevant, ignored] = gp.lengthScales;
    expect(ignored!).toBeGreaterThan(relevant!);
  });

  it('draws joint samples deterministically, centred on the posterior mean', () => {
    const gp = fitGaussianProcess(inputs, train.map(f), groups);
    const posterior = gp.posterior([Float64Array.of(0.33), Float64Array.of(2.5)]);
    expect(sampleJoint(posterior, createRng(1))).toEqual(sampleJoint(posterior, createRng(1)));
    const rng = createRng(2);
    const sums = [0, 0];
    for (let i = 0; i < 2000; i++) sampleJoint(posterior, rng).forEach((v, j) => (sums[j]! += v / 2000));
    sums.forEach((s, j) => expect(Math.abs(s - posterior.mean[j]!)).toBeLessThan(0.1 * Math.sqrt(posterior.covariance[j * 3]!) + 0.01));
  });

  it('rejects mismatched data', () => {
    expect(() => fitGaussianProcess([], [], groups)).toThrow(/at least one/);
    expect(() => fitGaussianProcess(inputs, [1], groups)).toThrow(/as many targets as inputs/);
  });
});

describe('candidate encoding', () => {
  const space = defaultSearchSpace({ height: 28, width: 28, channels: 1 }, 10);
  const encoder = candidateEncoder(space);
  const targets = [findPresetTarget('stm32f446re')!];

  it('has a fixed length for the space: 4 conv slots of 12, 3 globals, 2 dense slots of 2, 6 pruning, 5 resources', () => {
    expect(encoder.length).toBe(4 * 12 + 3 + 2 * 2 + 6 + 5);
    expect([...encoder.groups].filter((g) => g === structureGroup)).toHaveLength(61);
    expect([...encoder.groups].slice(61).every((g) => g === resourceGroup)).toBe(true);
  });

  it('encodes layers slot by slot, the pruning, and the log of the resources', () => {
    const architecture = parseArchitecture({
      input: { height: 28, width: 28, channels: 1 },
      classes: 10,
      layers: [
        { type: 'conv', filters: 8, kernel: 3, stride: 1, padding: 'valid' },
        { type: 'maxPool', size: 2 },
        { type: 'downsampledConv', filters: 16, bottleneck: 4, kernel: 5, stride: 2, padding: 'same' },
        { type: 'flatten' },
        { type: 'dense', units: 32 },
      ],
    });
    const candidate = { architecture, pruning: { method: 'magnitude' as const, sparsity: 0.7 } };
    const prediction = predictedResources(candidate, targets, 'paper');
    const x = encoder.encode(candidate, prediction);
    expect([...x.slice(0, 12)]).toEqual([1, 1, 0, 0, 3, Math.log2(3), 0, 0, 0, 1, 1, 1]);
    expect([...x.slice(12, 24)]).toEqual([1, 0, 0, 1, 4, Math.log2(5), 1, 2, 1, 0, 0, 0]);
    expect([...x.slice(24, 48)].every((v) => v === 0)).toBe(true);
    expect([...x.slice(48, 51)]).toEqual([2, 1, 1]);
    expect([...x.slice(51, 55)]).toEqual([1, 5, 0, 0]);
    // One-hot of none, magnitude, channels, svd, bc; then the sparsity.
    expect([...x.slice(55, 61)]).toEqual([0, 1, 0, 0, 0, 0.7]);
    expect(x[61]).toBeCloseTo(Math.log1p(prediction.estimate.params), 12);
    expect(x[64]).toBeCloseTo(Math.log1p(prediction.flashBytes), 12);
    expect(x[65]).toBeCloseTo(Math.log1p(prediction.sramBytes), 12);
  });

  it('gives different candidates different encodings', () => {
    const rng = createRng('encode');
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const c = sampleCandidate(space, defaultPruningSpace, rng);
      seen.add(encoder.encode(c, predictedResources(c, targets, 'paper')).join(','));
    }
    expect(seen.size).toBeGreaterThan(190);
  });
});
