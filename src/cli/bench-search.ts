/**
 * Search efficiency for `npm run bench`: the hypervolume a study reaches after N trials with real
 * training on digits, for mobo and evolution against random at the same budget, over several seeds.
 * Reported as medians and ratios; a benchmark, so nothing passes or fails on the numbers.
 */
import * as tf from '@tensorflow/tfjs';
import type { Study, StudyConfig, StudyTrial, StrategyName } from '../contracts/study.ts';
import { defaultPruningSpace } from '../core/search/index.ts';
import { defaultSearchSpace } from '../core/search-space.ts';
import { loadBuiltinDataset } from '../data/builtin.ts';
import { nodeReader } from '../data/read-node.ts';
import { MemoryStudyStore } from '../engine/memory-store.ts';
import { runStudy, studyHypervolume } from '../engine/study-runner.ts';
import { ProgressBar } from './progress.ts';

export interface SearchBenchOptions {
  readonly trials: number;
  readonly epochs: number;
  readonly seeds: readonly number[];
  readonly target: string;
}

export const defaultSearchBench: SearchBenchOptions = { trials: 12, epochs: 4, seeds: [1, 2, 3], target: 'arduino-uno' };

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export async function benchSearch(options: SearchBenchOptions = defaultSearchBench): Promise<Record<string, unknown>> {
  tf.enableProdMode();
  await tf.setBackend('cpu');
  const dataset = await loadBuiltinDataset('digits', nodeReader());
  const strategies: readonly StrategyName[] = ['random', 'mobo', 'evolution'];
  const progress = new ProgressBar('search bench', strategies.length * options.seeds.length * options.trials);
  let done = 0;
  const results: Record<string, { hypervolumes: number[]; completed: number[]; seconds: number[] }> = {};
  // Every trial of every run: their joint front is the best this bench has seen, a ceiling for the ratios.
  const everyTrial: StudyTrial[] = [];
  let lastConfig: StudyConfig | undefined;
  for (const strategy of strategies) {
    const runs = { hypervolumes: [] as number[], completed: [] as number[], seconds: [] as number[] };
    for (const seed of options.seeds) {
      const config: StudyConfig = {
        name: `bench ${strategy} ${seed}`,
        dataset: 'digits',
        targets: [options.target],
        accounting: 'paper',
        searchSpace: defaultSearchSpace({ height: 8, width: 8, channels: 1 }, 10),
        pruning: defaultPruningSpace,
        strategy,
        budget: { trials: options.trials },
        epochs: options.epochs,
        batchSize: 32,
        learningRate: 3e-3,
        seed,
      };
      const study: Study = { id: `bench-${strategy}-${seed}`, config, status: 'running', createdAt: new Date().toISOString(), updatedAt: new Date().toISOString() };
      const store = new MemoryStudyStore(study);
      const start = performance.now();
      await runStudy(study, {
        store,
        dataset,
        backend: { name: 'cpu', reason: 'bench' },
        onTrial: (t) => {
          if (t.status === 'completed' || t.status === 'failed') progress.set(++done, `${strategy} seed ${seed}`);
        },
      });
      runs.seconds.push(Math.round((performance.now() - start) / 1000));
      runs.hypervolumes.push(studyHypervolume(store.trials, config));
      everyTrial.push(...store.trials);
      lastConfig = config;
      runs.completed.push(store.trials.filter((t) => t.status === 'completed').length);
    }
    results[strategy] = runs;
  }
  progress.done();
  const medians = Object.fromEntries(strategies.map((s) => [s, median(results[s]!.hypervolumes)]));
  const ratio = (s: StrategyName): number | null => (medians.random! > 0 ? Number((medians[s]! / medians.random!).toFixed(2)) : null);
  const best = lastConfig ? studyHypervolume(everyTrial, lastConfig) : 0;
  return {
    description: `hypervolume (error × model size × working memory, paper accounting, normalised by the ${options.target}'s memory, reference (1, 1, 1)) after ${options.trials} trials on digits, ${options.epochs} epochs each, tfjs cpu`,
    seeds: options.seeds,
    perStrategy: results,
    medianHypervolume: medians,
    overRandom: { mobo: ratio('mobo'), evolution: ratio('evolution') },
    // The joint front of all runs: what any strategy could reach here. Random's share of it bounds the ratio that is possible at all.
    bestSeenHypervolume: best,
    shareOfBestSeen: Object.fromEntries(strategies.map((s) => [s, best > 0 ? Number((medians[s]! / best).toFixed(3)) : null])),
    // Issue #4: mobo at least 1.2× random's hypervolume.
    goal: { moboOverRandom: 1.2, met: (ratio('mobo') ?? 0) >= 1.2 },
  };
}
