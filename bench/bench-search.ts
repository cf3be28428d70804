/**
 * Search efficiency for `npm run bench -- --only search` (issue 10): studies with a time budget, as
 * a user runs them, for each dataset, strategy and with or without early stopping, over several
 * seeds. Each run keeps its timeline (when each trial ended, its status, test accuracy and
 * feasibility), and every figure comes from it: the time to the first feasible model of at least 95 %
 * test accuracy, the best feasible test accuracy after N minutes, and the hypervolume against wall
 * time. Reported as medians and ratios; a benchmark, so nothing passes or fails on the numbers.
 */
import * as tf from '@tensorflow/tfjs';
import type { Study, StudyConfig, StudyTrial, StrategyName } from '../src/contracts/study.ts';
import { studyTrainingDefaults } from '../src/contracts/study.ts';
import { observationOf } from '../src/contracts/study-objectives.ts';
import { epochsPerTrial } from '../src/core/training-recipe.ts';
import { defaultPruningSpace } from '../src/core/search/index.ts';
import { defaultSearchSpace } from '../src/core/search-space.ts';
import { loadBuiltinDataset } from '../src/data/builtin.ts';
import type { Dataset } from '../src/data/dataset.ts';
import { nodeReader } from '../src/data/read-node.ts';
import { MemoryStudyStore } from '../src/engine/memory-store.ts';
import { runStudy, studyHypervolume } from '../src/engine/study-runner.ts';
import { selectBackend } from '../src/tf/backend.ts';
import { ProgressBar } from '../src/cli/progress.ts';
import { median } from '../src/core/median.ts';

/** One kind of study the bench runs, over every seed. */
export interface SearchBenchCase {
  readonly dataset: 'digits' | 'mnist';
  readonly strategy: StrategyName;
  readonly earlyStopping: boolean;
  readonly minutes: number;
}

export interface SearchBenchOptions {
  readonly cases: readonly SearchBenchCase[];
  readonly seeds: readonly number[];
  readonly target: string;
  /** Test accuracy the "time to" figure waits for. */
  readonly accuracyGoal: number;
}

const strategies: readonly StrategyName[] = ['random', 'mobo', 'evolution'];

/**
 * Every strategy with and without early stopping on digits (2 minutes each); on MNIST (10 minutes
 * each), mobo with and without it and random with it. About 36 + 90 minutes with three seeds.
 */
export const defaultSearchBench: SearchBenchOptions = {
  cases: [
    ...strategies.flatMap((strategy) => [true, false].map((earlyStopping) => ({ dataset: 'digits' as const, strategy, earlyStopping, minutes: 2 }))),
    { dataset: 'mnist', strategy: 'mobo', earlyStopping: true, minutes: 10 },
    { dataset: 'mnist', strategy: 'mobo', earlyStopping: false, minutes: 10 },
    { dataset: 'mnist', strategy: 'random', earlyStopping: true, minutes: 10 },
  ],
  seeds: [1, 2, 3],
  target: 'arduino-uno',
  accuracyGoal: 0.95,
};

/** A trial as it ended, seconds after the study started. */
interface TimelineEntry {
  readonly seconds: number;
  readonly trial: StudyTrial;
}

const round = (value: number, digits: number): number => Number(value.toFixed(digits));

/** A fully trained trial that fits every target (a stopped one never counts toward the goal). */
const isFeasibleCompleted = (t: StudyTrial, config: StudyConfig): boolean => t.status === 'completed' && observationOf(t, config).feasible;

function configFor(c: SearchBenchCase, dataset: Dataset, seed: number, target: string): StudyConfig {
  const { height, width, channels } = dataset.train;
  return {
    name: `bench ${c.strategy} on ${c.dataset}${c.earlyStopping ? '' : ', no early stopping'}, seed ${seed}`,
    dataset: c.dataset,
    targets: [target],
    accounting: 'paper',
    searchSpace: defaultSearchSpace({ height, width, channels }, dataset.classNames.length),
    pruning: defaultPruningSpace,
    strategy: c.strategy,
    budget: { minutes: c.minutes },
    epochs: epochsPerTrial(dataset.train.count),
    ...studyTrainingDefaults,
    seed,
    earlyStopping: c.earlyStopping,
  };
}

/** What one run's timeline says: when the goal was first reached, the best accuracy and hypervolume by each checkpoint. */
function readTimeline(timeline: readonly TimelineEntry[], config: StudyConfig, goal: number, checkpoints: readonly number[]) {
  const feasible = timeline.filter((e) => isFeasibleCompleted(e.trial, config));
  const reached = feasible.find((e) => e.trial.metrics!.testAccuracy >= goal);
  const by = (minutes: number) => timeline.filter((e) => e.seconds <= minutes * 60).map((e) => e.trial);
  return {
    minutesToGoal: reached ? round(reached.seconds / 60, 2) : null,
    bestTestAccuracy: Object.fromEntries(
      checkpoints.map((m) => [m, round(Math.max(0, ...feasible.filter((e) => e.seconds <= m * 60).map((e) => e.trial.metrics!.testAccuracy)), 4)]),
    ),
    hypervolume: Object.fromEntries(checkpoints.map((m) => [m, round(studyHypervolume(by(m), config), 4)])),
    trials: { completed: timeline.filter((e) => e.trial.status === 'completed').length, stopped: timeline.filter((e) => e.trial.status === 'stopped').length },
  };
}

/** Checkpoints of a run of `minutes`: each half minute up to 2, then each minute. */
const checkpointsFor = (minutes: number): number[] => {
  const points: number[] = [];
  for (let m = 0.5; m <= Math.min(2, minutes) + 1e-9; m += 0.5) points.push(round(m, 1));
  for (let m = 3; m <= minutes; m++) points.push(m);
  return points;
};

export async function benchSearch(options: SearchBenchOptions = defaultSearchBench): Promise<Record<string, unknown>> {
  tf.enableProdMode();
  await selectBackend({ candidates: ['wasm'] });
  const totalMinutes = options.cases.reduce((n, c) => n + c.minutes, 0) * options.seeds.length;
  const progress = new ProgressBar('search bench', Math.ceil(totalMinutes * 60));
  const benchStart = performance.now();
  const datasets = new Map<string, Dataset>();
  const results: Record<string, unknown>[] = [];
  const summaries = new Map<string, { minutesToGoal: (number | null)[]; best: Record<number, number[]>; hypervolume: Record<number, number[]> }>();
  for (const c of options.cases) {
    const dataset = datasets.get(c.dataset) ?? (await loadBuiltinDataset(c.dataset, nodeReader()));
    datasets.set(c.dataset, dataset);
    const checkpoints = checkpointsFor(c.minutes);
    const key = `${c.dataset} ${c.strategy} ${c.earlyStopping ? 'early stopping' : 'no early stopping'}`;
    const summary = { minutesToGoal: [] as (number | null)[], best: {} as Record<number, number[]>, hypervolume: {} as Record<number, number[]> };
    for (const seed of options.seeds) {
      const config = configFor(c, dataset, seed, options.target);
      const now = new Date().toISOString();
      const study: Study = { id: `bench-${c.dataset}-${c.strategy}-${c.earlyStopping ? 'es' : 'full'}-${seed}`, config, status: 'running', createdAt: now, updatedAt: now };
      const store = new MemoryStudyStore(study);
      const timeline: TimelineEntry[] = [];
      const start = performance.now();
      const ticker = setInterval(() => progress.set(Math.round((performance.now() - benchStart) / 1000), `${key}, seed ${seed}`), 1000);
      try {
        await runStudy(study, {
          store,
          dataset,
          backend: { name: 'wasm', reason: 'bench' },
          onTrial: (t) => {
            if (t.status === 'completed' || t.status === 'stopped' || t.status === 'failed') timeline.push({ seconds: (performance.now() - start) / 1000, trial: t });
          },
        });
      } finally {
        clearInterval(ticker);
      }
      const read = readTimeline(timeline, config, options.accuracyGoal, checkpoints);
      results.push({ ...c, seed, ...read });
      summary.minutesToGoal.push(read.minutesToGoal);
      for (const m of checkpoints) {
        (summary.best[m] ??= []).push(read.bestTestAccuracy[m]!);
        (summary.hypervolume[m] ??= []).push(read.hypervolume[m]!);
      }
    }
    summaries.set(key, summary);
  }
  progress.done();

  const medianOf = (values: Record<number, number[]>) => Object.fromEntries(Object.entries(values).map(([m, v]) => [m, round(median(v), 4)]));
  /** Median minutes to the goal; a run that never reached it counts as never (Infinity), and the count says how many did. */
  const timeTo = (values: readonly (number | null)[]) => {
    const minutes = values.map((v) => v ?? Number.POSITIVE_INFINITY);
    const m = median(minutes);
    return { median: Number.isFinite(m) ? round(m, 2) : null, reached: `${values.filter((v) => v !== null).length} of ${values.length}` };
  };
  const perCase = Object.fromEntries(
    [...summaries].map(([key, s]) => [key, { minutesToGoal: timeTo(s.minutesToGoal), medianBestTestAccuracy: medianOf(s.best), medianHypervolume: medianOf(s.hypervolume) }]),
  );
  /** a's median hypervolume over b's at each checkpoint both reached. */
  const hypervolumeRatio = (a: string, b: string) => {
    const x = summaries.get(a);
    const y = summaries.get(b);
    if (!x || !y) return undefined;
    return Object.fromEntries(
      Object.keys(x.hypervolume)
        .filter((m) => y.hypervolume[Number(m)] !== undefined)
        .map((m) => {
          const hy = median(y.hypervolume[Number(m)]!);
          return [m, hy > 0 ? round(median(x.hypervolume[Number(m)]!) / hy, 2) : null];
        }),
    );
  };
  const speedUp = (dataset: string, strategy: StrategyName) => {
    const on = summaries.get(`${dataset} ${strategy} early stopping`);
    const off = summaries.get(`${dataset} ${strategy} no early stopping`);
    if (!on || !off) return undefined;
    const a = timeTo(on.minutesToGoal).median;
    const b = timeTo(off.minutesToGoal).median;
    return a !== null && b !== null && a > 0 ? round(b / a, 2) : null;
  };
  return {
    description:
      `studies with a time budget on the ${options.target}, paper accounting, default search and pruning spaces, the training recipe's epochs, WASM; ` +
      `per dataset, strategy and early stopping, over ${options.seeds.length} seeds: minutes to the first feasible trial with test accuracy ≥ ${options.accuracyGoal} ` +
      '(median; a run that never reached it counts as never), the best feasible test accuracy and the hypervolume (error × model size × working memory, ' +
      "normalised by the target's memory, reference (1, 1, 1)) at each checkpoint in minutes",
    seeds: options.seeds,
    perCase,
    moboOverRandom: {
      digits: hypervolumeRatio('digits mobo early stopping', 'digits random early stopping'),
      mnist: hypervolumeRatio('mnist mobo early stopping', 'mnist random early stopping'),
    },
    earlyStoppingSpeedUp: { digits: { mobo: speedUp('digits', 'mobo'), random: speedUp('digits', 'random') }, mnist: { mobo: speedUp('mnist', 'mobo') } },
    goals: {
      digits: 'a feasible model ≥ 95 % within 2 minutes',
      mnist: 'a feasible model ≥ 95 % within 10 minutes, ≥ 97 % within 30',
      moboOverRandom: 'hypervolume ≥ 1.2× at equal wall time',
      earlyStopping: 'halves the time to 95 % on MNIST',
    },
    runs: results,
  };
}
