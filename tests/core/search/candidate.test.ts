import { describe, expect, it } from 'vitest';
import { channelsLeft, minimumKeptFraction, prunedArchitecture } from '../../../src/core/pruning.ts';
import { estimate } from '../../../src/core/resources.ts';
import { createRng } from '../../../src/core/rng.ts';
import { defaultSearchSpace, whyNotInSpace } from '../../../src/core/search-space.ts';
import { findPresetTarget, withReserve } from '../../../src/core/targets.ts';
import {
  type Candidate,
  PruningSpaceError,
  candidateKey,
  defaultPruningSpace,
  mutateCandidate,
  mutatePruning,
  normalise,
  objectiveBounds,
  parsePruningSpace,
  predictedResources,
  sampleCandidate,
  samplePruning,
} from '../../../src/core/search/index.ts';
import { designExample } from '../../fixtures/design-example.ts';

const lenet = designExample;
const uno = findPresetTarget('arduino-uno')!;
const f446 = findPresetTarget('stm32f446re')!;
const esp32 = findPresetTarget('esp32')!;
const space = defaultSearchSpace({ height: 28, width: 28, channels: 1 }, 10);

describe('pruning space', () => {
  it('accepts the default: all five methods, sparsity 0.3 to 0.9', () => {
    expect(parsePruningSpace(defaultPruningSpace)).toEqual({ methods: ['none', 'magnitude', 'channels', 'svd', 'bc'], sparsity: { min: 0.3, max: 0.9 } });
  });

  it.each([
    [null, 'pruning', /must be a JSON object/],
    [{ methods: [], sparsity: { min: 0, max: 0.5 } }, 'pruning.methods', /non-empty list/],
    [{ methods: ['magnitude', 'lottery'], sparsity: { min: 0, max: 0.5 } }, 'pruning.methods', /unknown pruning method "lottery"/],
    [{ methods: ['svd', 'svd'], sparsity: { min: 0, max: 0.5 } }, 'pruning.methods', /lists "svd" more than once/],
    [{ methods: ['svd'] }, 'pruning.sparsity', /must be an object/],
    [{ methods: ['svd'], sparsity: { min: -0.1, max: 0.5 } }, 'pruning.sparsity.min', /from 0 up to \(not including\) 1, got -0.1/],
    [{ methods: ['svd'], sparsity: { min: 0.1, max: 1 } }, 'pruning.sparsity.max', /got 1$/],
    [{ methods: ['svd'], sparsity: { min: 0.1, max: '0.5' } }, 'pruning.sparsity.max', /got "0.5"/],
    [{ methods: ['svd'], sparsity: { min: 0.6, max: 0.5 } }, 'pruning.sparsity', /min \(0.6\) must not be greater than max \(0.5\)/],
    [{ methods: ['svd'], sparsity: { min: 0.1, max: 0.5, step: 0.1 } }, 'pruning.sparsity.step', /is not a field/],
    [{ method: ['svd'], sparsity: { min: 0.1, max: 0.5 } }, 'pruning.method', /is not a field/],
  ])('rejects %j naming %s', (value, field, reason) => {
    let error: unknown;
    try {
      parsePruningSpace(value);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(PruningSpaceError);
    expect((error as PruningSpaceError).field).toBe(field);
    expect((error as PruningSpaceError).message).toMatch(reason);
    expect((error as PruningSpaceError).message.startsWith(`${field}: `)).toBe(true);
  });

  it('samples every method, sparsity in range and rounded to hundredths, 0 for none', () => {
    const rng = createRng('pruning');
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const choice = samplePruning(defaultPruningSpace, rng);
      seen.add(choice.method);
      if (choice.method === 'none') expect(choice.sparsity).toBe(0);
      else {
        expect(choice.sparsity).toBeGreaterThanOrEqual(0.3);
        expect(choice.sparsity).toBeLessThanOrEqual(0.9);
        expect(Math.round(choice.sparsity * 100) / 100).toBe(choice.sparsity);
      }
    }
    expect([...seen].sort()).toEqual(['bc', 'channels', 'magnitude', 'none', 'svd']);
  });

  it('mutates pruning within the space, and says when nothing can change', () => {
    const rng = createRng('mutate pruning');
    for (let i = 0; i < 1000; i++) {
      const parent = samplePruning(defaultPruningSpace, rng);
      const child = mutatePruning(parent, defaultPruningSpace, rng)!;
      expect(child).not.toEqual(parent);
      if (child.method !== 'none') expect(child.sparsity).toBeGreaterThanOrEqual(0.3);
      expect(child.sparsity).toBeLessThanOrEqual(0.9);
    }
    expect(mutatePruning({ method: 'none', sparsity: 0 }, { methods: ['none'], sparsity: { min: 0.5, max: 0.5 } }, rng)).toBeUndefined();
    expect(mutatePruning({ method: 'svd', sparsity: 0.5 }, { methods: ['svd'], sparsity: { min: 0.5, max: 0.5 } }, rng)).toBeUndefined();
    // At the top of the range, a change that rounding would swallow still moves.
    const top = { methods: ['magnitude'] as const, sparsity: { min: 0.89, max: 0.9 } };
    for (let i = 0; i < 50; i++) expect(mutatePruning({ method: 'magnitude', sparsity: 0.9 }, top, rng)).toEqual({ method: 'magnitude', sparsity: 0.89 });
  });
});

describe('candidates', () => {
  it('samples architectures of the space with pruning of the pruning space, the same for the same seed', () => {
    const a = Array.from({ length: 50 }, (_, i) => sampleCandidate(space, defaultPruningSpace, createRng(`c${i}`)));
    const b = Array.from({ length: 50 }, (_, i) => sampleCandidate(space, defaultPruningSpace, createRng(`c${i}`)));
    expect(a).toEqual(b);
    for (const candidate of a) expect(whyNotInSpace(candidate.architecture, space)).toBeUndefined();
    expect(new Set(a.map(candidateKey)).size).toBeGreaterThan(45);
  });

  it('mutates either the architecture or the pruning, staying inside both spaces', () => {
    const rng = createRng('mutate');
    let architectureChanges = 0;
    let pruningChanges = 0;
    for (let i = 0; i < 300; i++) {
      const parent = sampleCandidate(space, defaultPruningSpace, rng);
      const { candidate: child, unchanged, description } = mutateCandidate(parent, space, defaultPruningSpace, rng);
      expect(unchanged).toBe(false);
      expect(candidateKey(child)).not.toBe(candidateKey(parent));
      expect(whyNotInSpace(child.architecture, space)).toBeUndefined();
      expect(description.length).toBeGreaterThan(0);
      if (child.pruning === parent.pruning) architectureChanges++;
      else {
        expect(child.architecture).toBe(parent.architecture);
        pruningChanges++;
      }
    }
    // A quarter of the mutations change the pruning.
    expect(pruningChanges).toBeGreaterThan(40);
    expect(architectureChanges).toBeGreaterThan(150);
  });

  it('changes only the pruning of an architecture outside the space, and reports when nothing can change', () => {
    const rng = createRng('outside');
    // LeNet's 32-unit dense layer is outside a space that only allows 16 units.
    const narrow = { ...space, denseUnits: [16] };
    const outside: Candidate = { architecture: lenet, pruning: { method: 'magnitude', sparsity: 0.5 } };
    expect(whyNotInSpace(lenet, narrow)).toMatch(/units 32/);
    const child = mutateCandidate(outside, narrow, defaultPruningSpace, rng);
    expect(child.candidate.architecture).toBe(lenet);
    expect(child.candidate.pruning).not.toEqual(outside.pruning);
    const stuck = mutateCandidate(outside, narrow, { methods: ['magnitude'], sparsity: { min: 0.5, max: 0.5 } }, rng);
    expect(stuck.unchanged).toBe(true);
    expect(stuck.candidate).toBe(outside);
  });
});

describe('predictedResources', () => {
  it('estimates an unpruned candidate as its architecture (README: 19,758 B and 6,760 B)', () => {
    const p = predictedResources({ architecture: lenet, pruning: { method: 'none', sparsity: 0 } }, [uno, f446], 'paper');
    expect(p.flashBytes).toBe(19_758);
    expect(p.sramBytes).toBe(6_760);
    expect(p.verdicts.map((v) => [v.targetId, v.fits])).toEqual([['arduino-uno', false], ['stm32f446re', true]]);
    expect(p.fits).toBe(false);
    expect(p.architecture).toBe(lenet);
  });

  it('estimates channel pruning on the smaller architecture, every conv-like and dense layer and bottleneck cut', () => {
    const p = predictedResources({ architecture: lenet, pruning: { method: 'channels', sparsity: 0.5 } }, [f446], 'paper');
    const kept = [{ channels: channelsLeft(8, 0.5) }, undefined, { channels: 8 }, { channels: 8, bottleneck: 2 }, undefined, undefined, { channels: 16 }];
    const smaller = prunedArchitecture(lenet, kept);
    expect(p.architecture).toEqual(smaller);
    expect(p.estimate.paper).toEqual(estimate(smaller, [f446]).paper);
    expect(p.flashBytes).toBeLessThan(19_758 / 2);
    expect(p.sramBytes).toBeLessThan(6_760);
  });

  it.each(['magnitude', 'svd'] as const)('estimates %s with (1 − sparsity) of each op’s weights non-zero', (method) => {
    const p = predictedResources({ architecture: lenet, pruning: { method, sparsity: 0.9 } }, [f446], 'paper');
    const dense = estimate(lenet, [f446]);
    for (const [i, op] of p.estimate.ops.entries()) {
      const weights = dense.ops[i]!.weights;
      expect(op.nonzeroWeights).toBe(Math.min(weights, Math.max(Math.ceil(minimumKeptFraction * weights), Math.round(0.1 * weights))));
    }
    const biases = dense.ops.reduce((n, op) => n + op.biases, 0);
    expect(p.flashBytes).toBe(p.estimate.nonzeroParams);
    expect(p.flashBytes - biases).toBeCloseTo(0.1 * (dense.params - biases), -1);
    // Unstructured pruning leaves the activations, so the working memory, as they are.
    expect(p.sramBytes).toBe(6_760);
    expect(p.architecture).toBe(lenet);
  });

  it('takes the first target’s numbers in deploy accounting, with a verdict per target', () => {
    const candidate: Candidate = { architecture: lenet, pruning: { method: 'none', sparsity: 0 } };
    const both = predictedResources(candidate, [f446, esp32], 'deploy');
    expect(both.flashBytes).toBe(both.estimate.targets[0]!.deploy.flashBytes);
    expect(both.sramBytes).toBe(both.estimate.targets[0]!.deploy.sramBytes);
    expect(both.verdicts.map((v) => v.accounting)).toEqual(['deploy', 'deploy']);
    const swapped = predictedResources(candidate, [esp32, f446], 'deploy');
    expect(swapped.flashBytes).toBe(both.estimate.targets[1]!.deploy.flashBytes);
    expect(() => predictedResources(candidate, [], 'deploy')).toThrow(/deploy accounting needs at least one target/);
    expect(predictedResources(candidate, [], 'paper').fits).toBe(true);
  });
});

describe('objective bounds', () => {
  it('bound paper bytes by the smallest available memory, deploy bytes by the first target’s, after the reserve', () => {
    const reserved = withReserve(f446, { flashBytes: 100 * 1024, sramBytes: 28 * 1024 });
    expect(objectiveBounds([esp32, reserved], 'paper')).toEqual([1, 412 * 1024, 100 * 1024]);
    // The ESP32's own reserve: 3,328 KB of flash beyond the application partition's share, 224 KB of SRAM.
    expect(objectiveBounds([esp32, reserved], 'deploy')).toEqual([1, 768 * 1024, 296 * 1024]);
    // The Uno keeps 2 KB of flash and 256 B of SRAM for the sketch by default.
    expect(objectiveBounds([uno], 'paper')).toEqual([1, 30 * 1024, 2 * 1024 - 256]);
    expect(() => objectiveBounds([], 'paper')).toThrow(/at least one target/);
  });

  it('normalise divides each objective by its bound', () => {
    expect(normalise([0.25, 1024, 512], [1, 4096, 2048])).toEqual([0.25, 0.25, 0.25]);
  });
});
