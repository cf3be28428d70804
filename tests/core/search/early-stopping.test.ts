import { describe, expect, it } from 'vitest';
import { type Candidate, type EpochCurve, type Observation, judgeEpoch, observedFront, observedHypervolume } from '../../../src/core/search/index.ts';

const curve = (accuracies: number[], bytes: [number, number]): EpochCurve => ({ valAccuracyByEpoch: accuracies, bytes });

describe('judgeEpoch (the median stopping rule among trials that could dominate)', () => {
  const earlier = [curve([0.8, 0.9], [1000, 500]), curve([0.7, 0.85], [2000, 800]), curve([0.78, 0.88], [1500, 900]), curve([0.5], [100, 100])];

  it('stops a trial below the median of the earlier trials at most as large, at that epoch, and says so', () => {
    // Peers for bytes (2000, 900): the first three and the small one (4); epoch 1 median of 0.8, 0.7, 0.78, 0.5 = 0.74.
    expect(judgeEpoch(1, 0.31, [2000, 900], earlier)).toBe(
      'epoch 1: validation accuracy 31.0 % is below the median (74.0 %) of the 4 earlier trials at most as large, at that epoch',
    );
    // At epoch 2 only three reached it: median of 0.9, 0.85, 0.88 = 0.88.
    expect(judgeEpoch(2, 0.87, [2000, 900], earlier)).toBe(
      'epoch 2: validation accuracy 87.0 % is below the median (88.0 %) of the 3 earlier trials at most as large, at that epoch',
    );
  });

  it('lets a trial at or above the median go on', () => {
    expect(judgeEpoch(1, 0.74, [2000, 900], earlier)).toBeUndefined();
    expect(judgeEpoch(2, 0.95, [2000, 900], earlier)).toBeUndefined();
  });

  it('compares only with trials at most as large in both objectives, and needs three of them', () => {
    // For (1500, 900): peers are the first (1000, 500), the third (1500, 900) and the small one: three.
    expect(judgeEpoch(1, 0.6, [1500, 900], earlier)).toMatch(/median \(78\.0 %\) of the 3 earlier trials/);
    // For (1000, 600): only the first and the small one are at most as large: too few to judge.
    expect(judgeEpoch(1, 0.1, [1000, 600], earlier)).toBeUndefined();
    // Smaller than every earlier trial: never stopped.
    expect(judgeEpoch(1, 0.01, [50, 50], earlier)).toBeUndefined();
  });

  it('takes its own minimum number of peers', () => {
    expect(judgeEpoch(1, 0.1, [1000, 600], earlier, { minPeers: 2 })).toMatch(/^epoch 1: validation accuracy 10\.0 % is below the median \(65\.0 %\) of the 2 earlier/);
    expect(judgeEpoch(1, 0.1, [2000, 900], [], { minPeers: 0 })).toBeUndefined();
  });
});

describe('a trial stopped early (a partial observation)', () => {
  const candidate = { architecture: { input: { height: 8, width: 8, channels: 1 }, classes: 10, layers: [{ type: 'flatten' }] }, pruning: { method: 'none', sparsity: 0 } } as Candidate;
  const full: Observation = { candidate, objectives: [0.3, 500, 300], feasible: true };
  // Better in every objective: it would dominate the full one, if it counted.
  const partial: Observation = { candidate, objectives: [0.1, 100, 100], feasible: true, partial: true };

  it('never counts towards the front or the hypervolume', () => {
    expect(observedFront([full, partial])).toEqual([0]);
    expect(observedHypervolume([full, partial], [1, 1000, 1000])).toBeCloseTo(0.7 * 0.5 * 0.7, 12);
    expect(observedFront([partial])).toEqual([]);
  });
});
