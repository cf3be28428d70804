/**
 * The parallel-trials bench's arithmetic (bench/bench-parallel.ts): what the polls of the trials
 * table make of each trial's claim and end, trials per hour over the window from the first claim to
 * the last end (skipped trials and start-up left out), and the ratio against the goal.
 */
import { describe, expect, it } from 'vitest';
import type { TrialStatus } from '../../src/contracts/trial.ts';
import { type TrialSighting, claimGaps, defaultParallelBench, recordPoll, startUpSeconds, summariseParallel, throughputOf } from '../../bench/bench-parallel.ts';

const row = (index: number, status: TrialStatus, worker: string | null = 'a') => ({ index, status, worker });

describe('recordPoll', () => {
  it('keeps when a trial was first seen and when it was first seen ended', () => {
    const sightings = new Map<number, TrialSighting>();
    recordPoll(sightings, [row(0, 'running')], 5);
    recordPoll(sightings, [row(0, 'running'), row(1, 'running', 'b')], 6);
    recordPoll(sightings, [row(0, 'completed'), row(1, 'running', 'b')], 15);
    recordPoll(sightings, [row(0, 'completed'), row(1, 'stopped', 'b')], 16);
    recordPoll(sightings, [row(0, 'completed'), row(1, 'stopped', 'b')], 20);
    expect(sightings.get(0)).toEqual({ index: 0, worker: 'a', claimedAt: 5, endedAt: 15, status: 'completed' });
    expect(sightings.get(1)).toEqual({ index: 1, worker: 'b', claimedAt: 6, endedAt: 16, status: 'stopped' });
  });

  it('a trial put back in the queue and trained again keeps its first claim and its last end', () => {
    const sightings = new Map<number, TrialSighting>();
    recordPoll(sightings, [row(0, 'running')], 1);
    recordPoll(sightings, [row(0, 'queued', null)], 2);
    expect(sightings.get(0)?.endedAt).toBeUndefined();
    recordPoll(sightings, [row(0, 'running', 'b')], 3);
    recordPoll(sightings, [row(0, 'completed', 'b')], 9);
    expect(sightings.get(0)).toEqual({ index: 0, worker: 'b', claimedAt: 1, endedAt: 9, status: 'completed' });
  });
});

describe('throughputOf', () => {
  const sighting = (index: number, claimedAt: number, endedAt: number | undefined, status: TrialStatus, worker = 'a'): TrialSighting => ({
    index,
    worker,
    claimedAt,
    status,
    ...(endedAt !== undefined ? { endedAt } : {}),
  });

  it('counts trials that ended trained, stopped or failed over the window from the first claim to the last end', () => {
    const sightings = [sighting(0, 10, 40, 'completed'), sighting(1, 12, 70, 'stopped', 'b'), sighting(2, 40, 100, 'failed'), sighting(3, 70, 70, 'skipped', 'b')];
    // Three trials in 90 s: 120 per hour; the skipped one never trained.
    expect(throughputOf(sightings)).toEqual({ endedTrials: 3, windowSeconds: 90, trialsPerHour: 120 });
  });

  it('is null when nothing ended', () => {
    expect(throughputOf([])).toBeNull();
    expect(throughputOf([sighting(0, 10, undefined, 'running')])).toBeNull();
  });

  it("reads each worker's start-up from its first claim", () => {
    expect(startUpSeconds([sighting(0, 4.04, 20, 'completed'), sighting(1, 5.5, 30, 'completed', 'b'), sighting(2, 20, 30, 'completed')])).toEqual([4, 5.5]);
  });
});

describe('claimGaps', () => {
  it("measures each worker's wait from the end of its trial to its next claim", () => {
    const sightings: TrialSighting[] = [
      { index: 0, worker: 'a', claimedAt: 2, endedAt: 10, status: 'completed' },
      { index: 1, worker: 'b', claimedAt: 3, endedAt: 12, status: 'completed' },
      { index: 2, worker: 'a', claimedAt: 11.5, endedAt: 20, status: 'stopped' },
      { index: 3, worker: 'b', claimedAt: 12.25, status: 'running' },
      { index: 4, worker: 'a', claimedAt: 23, endedAt: 30, status: 'completed' },
    ];
    expect(claimGaps(sightings).sort((x, y) => x - y)).toEqual([0.25, 1.5, 3]);
  });
});

describe('summariseParallel', () => {
  const run = (seed: number, workers: number, trialsPerHour: number, best: number, hypervolume: number) => ({
    seed,
    workers,
    loadAverageBefore: 0,
    processSeconds: [],
    startUpSeconds: [],
    throughput: { endedTrials: 1, windowSeconds: 1, trialsPerHour },
    trials: {},
    medianTrialSeconds: 10,
    busyShare: 0.9,
    medianClaimGapSeconds: 0.1,
    atEnd: { bestTestAccuracy: best, hypervolume },
    atBudget: { bestTestAccuracy: best, hypervolume },
  });

  it('takes the ratio per seed, its median against 0.8 × P, and the medians of quality with their differences', () => {
    const runs = [run(1, 1, 100, 0.9, 0.5), run(1, 2, 150, 0.92, 0.5), run(2, 1, 100, 0.9, 0.6), run(2, 2, 170, 0.9, 0.7), run(3, 1, 200, 0.8, 0.4), run(3, 2, 400, 0.95, 0.4)];
    const { perWorkers, comparisons } = summariseParallel(runs, defaultParallelBench);
    expect(perWorkers[1]!.trialsPerHour).toBe(100);
    expect(perWorkers[2]!.trialsPerHour).toBe(170);
    const twoOverOne = comparisons['2over1']!;
    expect(twoOverOne.throughputRatioBySeed).toEqual([
      { seed: 1, ratio: 1.5 },
      { seed: 2, ratio: 1.7 },
      { seed: 3, ratio: 2 },
    ]);
    expect(twoOverOne.medianThroughputRatio).toBe(1.7);
    expect(twoOverOne.goalRatio).toBe(1.6);
    expect(twoOverOne.throughputGoalMet).toBe(true);
    // Medians: accuracy 0.9 → 0.92, hypervolume 0.5 → 0.5.
    expect(twoOverOne.bestTestAccuracyDifference.atEnd).toBe(0.02);
    expect(twoOverOne.hypervolumeDifference.atEnd).toBe(0);
    expect(twoOverOne.qualityGoalMet).toBe(true);
  });
});
