/** DESIGN.md §5: constraints are applied analytically before any training; no strategy may propose a candidate that breaks a target's limits. */
import { describe, expect, it } from 'vitest';
import { createRng } from '../../../src/core/rng.ts';
import { defaultSearchSpace } from '../../../src/core/search-space.ts';
import { findPresetTarget, parseCustomTarget } from '../../../src/core/targets.ts';
import {
  type SearchProblem,
  InfeasibleSearchError,
  createSearchProblem,
  createStrategy,
  moboStrategy,
  predictedResources,
  strategyNames,
} from '../../../src/core/search/index.ts';
import { history } from './synthetic.ts';

const space = defaultSearchSpace({ height: 28, width: 28, channels: 1 }, 10);
const uno = findPresetTarget('arduino-uno')!;
const microbit = findPresetTarget('microbit-v1')!;


describe('feasibility filtering', () => {
  // Checked afresh, not through the problem's remembered predictions.
  const fits = (problem: SearchProblem, candidate: Parameters<SearchProblem['isFeasible']>[0]): boolean =>
    predictedResources(candidate, problem.targets, problem.accounting).fits;

  it.each([
    ['random', 3000],
    ['evolution', 3000],
  ] as const)('never lets %s propose a candidate that breaks the Arduino Uno’s limits (%i proposals, both accountings)', (name, proposals) => {
    for (const accounting of ['paper', 'deploy'] as const) {
      const problem = createSearchProblem({ space, targets: [uno], accounting });
      const strategy = createStrategy(name, problem);
      const past = history(problem, 24, `feasible ${name}`);
      for (let i = 0; i < proposals / 2; i++) expect(fits(problem, strategy.propose(past, createRng(`${name} ${i}`)))).toBe(true);
    }
  }, 30_000);

  it('never lets mobo propose a candidate that breaks the Arduino Uno’s limits (1,000 proposals, both accountings)', () => {
    for (const accounting of ['paper', 'deploy'] as const) {
      const problem = createSearchProblem({ space, targets: [uno], accounting });
      // A small pool keeps 1,000 proposals quick; every pool member passes the same filter.
      const strategy = moboStrategy(problem, { initialRandom: 4, poolSize: 24 });
      const past = history(problem, 12, `feasible mobo ${accounting}`);
      for (let i = 0; i < 500; i++) expect(fits(problem, strategy.propose(past, createRng(`mobo ${i}`)))).toBe(true);
    }
  }, 30_000);

  it('filters against every target at once', () => {
    const tiny = parseCustomTarget({ id: 'tiny', name: 'Tiny', core: 'cortex-m0', clockMhz: 16, sramBytes: 3 * 1024, flashBytes: 8 * 1024 });
    const problem = createSearchProblem({ space, targets: [microbit, tiny] });
    const strategy = createStrategy('random', problem);
    for (let i = 0; i < 300; i++) {
      const prediction = predictedResources(strategy.propose([], createRng(i)), [microbit, tiny], 'paper');
      expect(prediction.verdicts.every((v) => v.fits)).toBe(true);
      expect(prediction.flashBytes).toBeLessThanOrEqual(8 * 1024);
    }
  });

  it.each(strategyNames)('%s says the limits are too tight when nothing in the space fits', (name) => {
    const speck = parseCustomTarget({ id: 'speck', name: 'Speck', core: 'avr8', clockMhz: 8, sramBytes: 64, flashBytes: 1024 });
    const problem = createSearchProblem({ space, targets: [speck], maxDraws: 300 });
    // A full population from a roomier problem: none of its children fits either.
    const past = history(createSearchProblem({ space, targets: [microbit] }), 20, 'roomy');
    const strategy = createStrategy(name, problem);
    for (const trials of [[], past]) {
      expect(() => strategy.propose(trials, createRng(1))).toThrow(InfeasibleSearchError);
      expect(() => strategy.propose(trials, createRng(1))).toThrow(
        /none of 300 candidates drawn from the search space fits Speck in paper accounting \(the smallest needed [\d,]+ B of model size and [\d,]+ B of working memory, against 1,024 B and 64 B available\): the limits are too tight/,
      );
    }
  });
});

