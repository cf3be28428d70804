import { describe, expect, it } from 'vitest';
import { createRng } from '../../../src/core/rng.ts';
import { defaultSearchSpace } from '../../../src/core/search-space.ts';
import { findPresetTarget } from '../../../src/core/targets.ts';
import {
  type StrategyName,
  createSearchProblem,
  createStrategy,
  strategyOptionsFor,
  evolutionStrategy,
  moboStrategy,
  observedFront,
  observedHypervolume,
  strategyNames,
} from '../../../src/core/search/index.ts';
import { history, runSynthetic } from './synthetic.ts';

const space = defaultSearchSpace({ height: 28, width: 28, channels: 1 }, 10);
const microbit = findPresetTarget('microbit-v1')!;


describe('determinism', () => {
  it.each(strategyNames)('%s: the same history and seed give the same proposal, whatever was proposed before', (name) => {
    const make = () => {
      const problem = createSearchProblem({ space, targets: [microbit] });
      return { problem, strategy: createStrategy(name, problem) };
    };
    const a = make();
    const b = make();
    const past = history(a.problem, 24, 'determinism');
    const first = a.strategy.propose(past, createRng('seed'));
    // Another proposal in between must not change what the same inputs give.
    a.strategy.propose(past.slice(0, 20), createRng('other'));
    expect(a.strategy.propose(past, createRng('seed'))).toEqual(first);
    expect(b.strategy.propose(structuredClone(past), createRng('seed'))).toEqual(first);
    const others = [1, 2, 3, 4, 5].map((s) => JSON.stringify(a.strategy.propose(past, createRng(s))));
    expect(new Set(others).size).toBeGreaterThan(1);
  });

  it('starts every strategy with the same random candidates for the same seeds', () => {
    const problem = createSearchProblem({ space, targets: [microbit] });
    const runs = strategyNames.map((name) => runSynthetic(createStrategy(name, problem), problem, 8, 'start'));
    expect(runs[1]!.map((o) => o.candidate)).toEqual(runs[0]!.map((o) => o.candidate));
    expect(runs[2]!.map((o) => o.candidate)).toEqual(runs[0]!.map((o) => o.candidate));
  });
});

describe('strategy construction', () => {
  const problem = createSearchProblem({ space, targets: [microbit] });

  it('builds each strategy by name and rejects unknown names', () => {
    for (const name of strategyNames) expect(createStrategy(name, problem).name).toBe(name);
    expect(() => createStrategy('annealing' as StrategyName, problem)).toThrow('unknown search strategy "annealing"; expected one of random, mobo, evolution');
  });

  it('rejects unusable options and problems', () => {
    expect(() => moboStrategy(problem, { initialRandom: 1 })).toThrow(/initialRandom must be an integer of at least 2/);
    expect(() => moboStrategy(problem, { poolSize: 0 })).toThrow(/poolSize/);
    expect(() => moboStrategy(problem, { morphShare: 1.5 })).toThrow(/morphShare/);
    expect(() => evolutionStrategy(problem, { populationSize: 0 })).toThrow(/populationSize/);
    expect(() => evolutionStrategy(problem, { sampleSize: 2.5 })).toThrow(/sampleSize/);
    expect(() => createSearchProblem({ space, targets: [] })).toThrow(/at least one target/);
    expect(() => createSearchProblem({ space, targets: [microbit], maxDraws: 0 })).toThrow(/maxDraws/);
    expect(() => createSearchProblem({ space, targets: [microbit], pruning: { methods: ['magic'], sparsity: { min: 0, max: 0.5 } } as never })).toThrow(
      'pruning.methods: unknown pruning method "magic"',
    );
  });
});

describe('observed front and hypervolume', () => {
  it('count only feasible trials with objectives', () => {
    const problem = createSearchProblem({ space, targets: [microbit] });
    const past = history(problem, 30, 'front');
    const front = observedFront(past);
    expect(front).not.toContain(3);
    expect(front).not.toContain(5);
    const feasibleOnly = past.filter((o) => o.feasible && o.objectives !== null);
    expect(observedHypervolume(past, problem.bounds)).toBe(observedHypervolume(feasibleOnly, problem.bounds));
    expect(observedHypervolume(past, problem.bounds)).toBeGreaterThan(0);
  });
});

describe('mobo speed', () => {
  it('proposes from 100 observations and a pool of 200 in well under a second', () => {
    const problem = createSearchProblem({ space, targets: [microbit] });
    const past = history(problem, 100, 'speed');
    const strategy = createStrategy('mobo', problem);
    const times = [1, 2, 3].map((seed) => {
      const start = performance.now();
      strategy.propose(past, createRng(seed));
      return performance.now() - start;
    });
    expect(times.sort((x, y) => x - y)[1]).toBeLessThan(1000);
  });

  it('scales the random start to a small trial budget, and keeps the defaults for large or time-only budgets', () => {
    expect(strategyOptionsFor(12)).toEqual({ mobo: { initialRandom: 4 }, evolution: { populationSize: 4, sampleSize: 2 } });
    expect(strategyOptionsFor(6)).toEqual({ mobo: { initialRandom: 3 }, evolution: { populationSize: 4, sampleSize: 2 } });
    expect(strategyOptionsFor(60)).toEqual({ mobo: { initialRandom: 8 }, evolution: { populationSize: 16, sampleSize: 8 } });
    expect(strategyOptionsFor(undefined)).toEqual({});
  });
});
