import { describe, expect, it } from 'vitest';
import { createRng } from '../../../src/core/rng.ts';
import { type SearchSpace, defaultSearchSpace } from '../../../src/core/search-space.ts';
import { findPresetTarget } from '../../../src/core/targets.ts';
import { assertBatchSize } from '../../../src/core/search/batch.ts';
import { moboLie } from '../../../src/core/search/mobo.ts';
import { type Candidate, InfeasibleSearchError, candidateKey, createSearchProblem, createStrategy, randomStrategy, strategyNames } from '../../../src/core/search/index.ts';
import { history } from './synthetic.ts';

const space = defaultSearchSpace({ height: 28, width: 28, channels: 1 }, 10);
const microbit = findPresetTarget('microbit-v1')!;
const problem = createSearchProblem({ space, targets: [microbit] });
// 24 trials (one failed, one over the limits): past mobo's random start (8) and evolution's population (16).
const past = history(problem, 24, 'batch');
const keys = (candidates: readonly Candidate[]): string[] => candidates.map(candidateKey);

describe.each(strategyNames)('%s: batches of proposals', (name) => {
  const strategy = createStrategy(name, problem);

  it('a batch of 1 with nothing pending is the single proposal, and leaves the stream where it does', () => {
    for (const length of [0, 5, 24]) {
      for (const seed of ['one', 'two']) {
        const single = createRng(seed);
        const batched = createRng(seed);
        expect(strategy.proposeBatch(past.slice(0, length), [], 1, batched)).toEqual([strategy.propose(past.slice(0, length), single)]);
        expect(batched.state()).toEqual(single.state());
      }
    }
  });

  it('is deterministic for the same history, pending candidates and seed', () => {
    const pending = randomStrategy(problem).proposeBatch(past, [], 2, createRng('pending'));
    const a = strategy.proposeBatch(past, pending, 3, createRng('seed'));
    const b = createStrategy(name, problem).proposeBatch(structuredClone(past), structuredClone(pending), 3, createRng('seed'));
    expect(b).toEqual(a);
    expect(strategy.proposeBatch(past, pending, 3, createRng('other'))).not.toEqual(a);
  });

  it('holds 4 distinct feasible candidates, none of them pending (nor, for mobo and evolution, tried)', () => {
    const pending = strategy.proposeBatch(past, [], 3, createRng('running'));
    const batch = strategy.proposeBatch(past, pending, 4, createRng('batch'));
    expect(batch).toHaveLength(4);
    expect(new Set(keys(batch)).size).toBe(4);
    for (const candidate of batch) expect(problem.isFeasible(candidate)).toBe(true);
    const running = new Set(keys(pending));
    for (const key of keys(batch)) expect(running.has(key)).toBe(false);
    if (name !== 'random') {
      const tried = new Set(keys(past.map((o) => o.candidate)));
      for (const key of keys(batch)) expect(tried.has(key)).toBe(false);
    }
  });

  it('does not propose a pending candidate again, even what the same stream would propose', () => {
    for (const length of [3, 24]) {
      const seen = past.slice(0, length);
      const running = strategy.propose(seen, createRng('same'));
      const [next] = strategy.proposeBatch(seen, [running], 1, createRng('same'));
      expect(problem.isFeasible(next!)).toBe(true);
      expect(candidateKey(next!)).not.toBe(candidateKey(running));
    }
  });

  it('is random draws before the random start is over', () => {
    const start = past.slice(0, 4);
    const pending = randomStrategy(problem).proposeBatch(start, [], 2, createRng('pending'));
    expect(strategy.proposeBatch(start, pending, 4, createRng('start'))).toEqual(randomStrategy(problem).proposeBatch(start, pending, 4, createRng('start')));
  });

  it('refuses a size that is not a positive integer, in words', () => {
    for (const size of [0, -1, 1.5, Number.NaN]) {
      expect(() => strategy.proposeBatch(past, [], size, createRng('size'))).toThrow(
        /a batch of proposals needs a size that is a positive integer \(the number of trials to run at once\), got/,
      );
    }
    expect(() => strategy.proposeBatch(past, [], 0, createRng('size'))).toThrow(/got 0$/);
  });
});

describe('mobo batches', () => {
  const mobo = createStrategy('mobo', problem);

  it('differ from repeating one proposal: the same stream state proposes one candidate, the batch four', () => {
    const repeated = [1, 2, 3, 4].map(() => mobo.propose(past, createRng('repeat')));
    expect(new Set(keys(repeated)).size).toBe(1);
    const batch = mobo.proposeBatch(past, [], 4, createRng('repeat'));
    expect(batch[0]).toEqual(repeated[0]);
    expect(new Set(keys(batch)).size).toBe(4);
  });

  it('let pending candidates change what is proposed', () => {
    const pending = randomStrategy(problem).proposeBatch(past, [], 3, createRng('fantasy'));
    const without = mobo.proposeBatch(past, [], 4, createRng('spread'));
    const withPending = mobo.proposeBatch(past, pending, 4, createRng('spread'));
    expect(withPending).not.toEqual(without);
  });

  it('give the surrogates a fantasy for each pending candidate, not only leave it out of the pool', () => {
    // Pending copies of tried candidates leave the pool as it was (tried ones are never in it) and
    // the stream draws the same numbers; only the fantasies, the best trials lied down to the mean
    // error, change the surrogates, and with them the proposal.
    const best = past
      .filter((o) => o.objectives !== null && o.feasible)
      .sort((a, b) => a.objectives![0] - b.objectives![0])
      .slice(0, 4)
      .map((o) => o.candidate);
    const seeds = ['f1', 'f2', 'f3', 'f4', 'f5', 'f6'];
    const changed = seeds.filter((seed) => candidateKey(mobo.proposeBatch(past, best, 1, createRng(seed))[0]!) !== candidateKey(mobo.propose(past, createRng(seed))));
    expect(changed.length).toBeGreaterThan(0);
  });

  it('lies with the mean of the observed values (constant liar, CL-mean)', () => {
    expect(moboLie([0.2, 0.4, 0.9])).toBeCloseTo(0.5, 12);
    expect(moboLie([-1, 1])).toBe(0);
  });
});

describe('assertBatchSize', () => {
  it('accepts positive integers and names the problem otherwise', () => {
    expect(() => assertBatchSize(1)).not.toThrow();
    expect(() => assertBatchSize(8)).not.toThrow();
    expect(() => assertBatchSize(-2)).toThrow('a batch of proposals needs a size that is a positive integer (the number of trials to run at once), got -2');
    expect(() => assertBatchSize(Number.POSITIVE_INFINITY)).toThrow(/got Infinity/);
  });
});

describe('a space smaller than the batch', () => {
  // Two candidates in all: one 3×3 conv of 4 or 8 filters, then a flatten; no pruning.
  const tiny: SearchSpace = {
    ...space,
    convLayers: { min: 1, max: 1 },
    denseLayers: { min: 0, max: 0 },
    convTypes: ['conv'],
    filters: [4, 8],
    kernels: [3],
    strides: [2],
    paddings: ['same'],
    pooling: { ...space.pooling, probability: 0 },
    heads: ['flatten'],
  };
  const pruning = { methods: ['none' as const], sparsity: { min: 0, max: 0 } };

  it('holds every candidate of the space once, then repeats rather than failing', () => {
    const small = createSearchProblem({ space: tiny, pruning, targets: [microbit], maxDraws: 200 });
    const random = randomStrategy(small);
    const two = random.proposeBatch([], [], 2, createRng('tiny'));
    expect(new Set(keys(two)).size).toBe(2);
    const three = random.proposeBatch([], [], 3, createRng('tiny'));
    expect(three).toHaveLength(3);
    expect(new Set(keys(three)).size).toBe(2);
    for (const candidate of three) expect(small.isFeasible(candidate)).toBe(true);
  });

  it('still says so in words when nothing fits', () => {
    const tooSmall = { ...microbit, name: 'nothing', flashBytes: 1, sramBytes: 1 } as unknown as typeof microbit;
    const none = createSearchProblem({ space: tiny, pruning, targets: [tooSmall], maxDraws: 50 });
    expect(() => randomStrategy(none).proposeBatch([], [], 2, createRng('none'))).toThrow(InfeasibleSearchError);
  });
});
