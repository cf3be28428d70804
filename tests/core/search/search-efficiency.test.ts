/**
 * DESIGN.md §5 / issue 4 item 8: at equal budget, over several seeds, mobo and evolution beat random
 * search on the final hypervolume. Synthetic objectives (synthetic.ts) stand in for training, so the
 * comparison takes seconds and is exactly repeatable.
 */
import { describe, expect, it } from 'vitest';
import { defaultSearchSpace } from '../../../src/core/search-space.ts';
import { findPresetTarget, withReserve } from '../../../src/core/targets.ts';
import { type StrategyName, createSearchProblem, createStrategy } from '../../../src/core/search/index.ts';
import { finalHypervolume, median, runSynthetic } from './synthetic.ts';

const space = defaultSearchSpace({ height: 28, width: 28, channels: 1 }, 10);
const budget = 50;
const seeds = [0, 1, 2, 3, 4, 5, 6];

function hypervolumes(name: StrategyName, targetId: string, accounting: 'paper' | 'deploy'): number[] {
  // The whole memory of the board, no reserve for other code: the shares of candidates that fit
  // below were measured so, and the comparison is about the strategies, not the reserve.
  const target = withReserve(findPresetTarget(targetId)!, { sramBytes: 0, flashBytes: 0 });
  const problem = createSearchProblem({ space, targets: [target], accounting });
  return seeds.map((seed) => {
    const trials = runSynthetic(createStrategy(name, problem), problem, budget, seed);
    expect(trials.every((o) => o.feasible)).toBe(true);
    return finalHypervolume(trials, problem);
  });
}

describe(`hypervolume after ${budget} trials, median of ${seeds.length} seeds`, () => {
  // micro:bit v1 (16 KB SRAM, 256 KB flash), paper accounting: about three in four random candidates fit.
  const random = median(hypervolumes('random', 'microbit-v1', 'paper'));

  it('evolution beats random', () => {
    expect(median(hypervolumes('evolution', 'microbit-v1', 'paper'))).toBeGreaterThan(random);
  });

  // About 10 s on the 2-core development machine: 350 proposals, each fitting Gaussian processes.
  it('mobo beats random', { timeout: 40_000 }, () => {
    expect(median(hypervolumes('mobo', 'microbit-v1', 'paper'))).toBeGreaterThan(random);
  });

  it('evolution beats random under a tight target in deploy accounting (Arduino Uno: one in eight candidates fits)', () => {
    expect(median(hypervolumes('evolution', 'arduino-uno', 'deploy'))).toBeGreaterThan(median(hypervolumes('random', 'arduino-uno', 'deploy')));
  });
});
