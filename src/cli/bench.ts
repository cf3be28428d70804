/**
 * `npm run bench`: throughput benchmarks, printed as one JSON document on stdout (progress on
 * stderr). A benchmark, not a test: these machines are shared and noisy, so each figure is the
 * median of several timed rounds after a warm-up, and nothing here passes or fails.
 */
import { availableParallelism, cpus } from 'node:os';
import type { Architecture } from '../core/architecture.ts';
import { estimate } from '../core/resources.ts';
import { createRng } from '../core/rng.ts';
import { sampleArchitecture } from '../core/sampler.ts';
import { defaultSearchSpace } from '../core/search-space.ts';
import { findPresetTarget, presetTargets } from '../core/targets.ts';
import { runCli } from './common.ts';
import { ProgressBar } from './progress.ts';

interface Throughput {
  readonly perSecond: number;
  readonly rounds: readonly number[];
  readonly unit: string;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Calls `work(i)` repeatedly for `seconds` per round; returns the median rate over `rounds` rounds. */
function measure(unit: string, work: (i: number) => unknown, progress: ProgressBar, rounds = 5, seconds = 1): Throughput {
  let sink = 0;
  const warmUpEnd = performance.now() + 300;
  for (let i = 0; performance.now() < warmUpEnd; i++) sink ^= work(i) ? 1 : 0;
  const rates: number[] = [];
  for (let round = 0; round < rounds; round++) {
    let count = 0;
    const start = performance.now();
    const end = start + seconds * 1000;
    // Check the clock every 256 calls so that reading it costs nothing next to the work.
    while (performance.now() < end) {
      for (let j = 0; j < 256; j++) sink ^= work(count++) ? 1 : 0;
    }
    rates.push(Math.round(count / ((performance.now() - start) / 1000)));
    progress.tick();
  }
  if (sink === 2) process.stderr.write(''); // keeps the results observably used
  return { perSecond: median(rates), rounds: rates, unit };
}

async function main(): Promise<void> {
  const input = { height: 28, width: 28, channels: 1 };
  const space = defaultSearchSpace(input, 10);
  const rng = createRng('bench');
  // A fixed pool of sampled architectures: the estimator sees the variety a search screens.
  const pool: Architecture[] = Array.from({ length: 4096 }, () => sampleArchitecture(space, rng));
  const oneTarget = [findPresetTarget('arduino-uno')!];

  const progress = new ProgressBar('bench', 15);
  const estimatorOneTarget = measure('architectures/s', (i) => estimate(pool[i & 4095]!, oneTarget).paper, progress);
  const estimatorAllTargets = measure('architectures/s', (i) => estimate(pool[i & 4095]!, presetTargets).paper, progress);
  const samplerRng = createRng('bench-sampler');
  const sampler = measure('architectures/s', () => sampleArchitecture(space, samplerRng), progress);
  progress.done();

  const goal = 200_000;
  const report = {
    machine: { cpus: availableParallelism(), model: cpus()[0]?.model ?? 'unknown', node: process.version },
    estimator: {
      description: 'estimate() of one sampled 28×28×1 architecture (ops, paper and deploy totals, verdicts) per call',
      oneTarget: { ...estimatorOneTarget, targets: 1 },
      allPresetTargets: { ...estimatorAllTargets, targets: presetTargets.length },
      // Issue #2: at least 200,000 estimates per second on one target, so a search can screen a
      // million candidates before it trains one.
      goal: { estimatesPerSecond: goal, measuredOverGoal: Number((estimatorOneTarget.perSecond / goal).toFixed(2)) },
    },
    sampler: {
      description: 'sampleArchitecture() from the default search space, 28×28×1 input, 10 classes',
      ...sampler,
    },
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

void runCli('bench', main);
