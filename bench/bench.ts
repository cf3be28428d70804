/**
 * `npm run bench [-- --only PART,...]`: throughput benchmarks, printed as one JSON document on stdout
 * (progress on stderr). A benchmark, not a test: these machines are shared and noisy, so each figure
 * is the median of several timed rounds after a warm-up, and no figure makes it pass or fail. It
 * fails only when it cannot measure (no Chromium, a page error), with one line on stderr.
 */
import { availableParallelism, cpus } from 'node:os';
import { parseArgs } from 'node:util';
import type { Architecture } from '../src/core/architecture.ts';
import { estimate } from '../src/core/resources.ts';
import { createRng } from '../src/core/rng.ts';
import { sampleArchitecture } from '../src/core/sampler.ts';
import { defaultSearchSpace } from '../src/core/search-space.ts';
import { findPresetTarget, presetTargets } from '../src/core/targets.ts';
import { benchExport } from './bench-export.ts';
import { type ParallelBenchOptions, benchParallel, defaultParallelBench } from './bench-parallel.ts';
import { benchRecipe } from './bench-recipe.ts';
import { type SearchBenchOptions, benchSearch, defaultSearchBench } from './bench-search.ts';
import { benchTraining, requireChromium } from './bench-training.ts';
import { CliError, runCli } from '../src/cli/common.ts';
import { ProgressBar } from '../src/cli/progress.ts';
import { median } from '../src/core/median.ts';
import { type StrategyName, strategyNames } from '../src/core/search/strategy.ts';

const parts = ['estimator', 'sampler', 'training-node', 'training-browser', 'recipe', 'search', 'parallel', 'export'] as const;
type Part = (typeof parts)[number];
/** What `--only` accepts: a part, or `training` for both training parts. */
const onlyValues: Record<string, readonly Part[]> = {
  estimator: ['estimator'],
  sampler: ['sampler'],
  training: ['training-node', 'training-browser'],
  'training-node': ['training-node'],
  'training-browser': ['training-browser'],
  recipe: ['recipe'],
  search: ['search'],
  parallel: ['parallel'],
  export: ['export'],
};

const usage = `Usage: npm run bench [-- --only PART[,PART...]] [--search-datasets LIST] [--search-seeds LIST]
                          [--parallel-seeds LIST] [--parallel-minutes M] [--parallel-strategy S] [--parallel-work-trials N]

  --only PARTS            comma-separated: estimator, sampler, training (= training-node + training-browser),
                          training-node, training-browser, recipe, search, parallel, export (default: all)
  --search-datasets LIST  the search part's datasets: digits, mnist or both (default both)
  --search-seeds LIST     the search part's seeds (default 1,2,3)
  --parallel-seeds LIST   the parallel part's seeds (default 1,2,3)
  --parallel-minutes M    the parallel part's --minutes for every search process of its equal-time
                          runs (default 2; 0 skips them)
  --parallel-work-trials N  the trials of its same-work throughput runs (default 16; 0 skips them)
  --parallel-strategy S   the parallel part's --strategy: mobo (default), random or evolution; random
                          proposes the same network for the same trial index with 1 or 2 processes`;

interface BenchArgs {
  readonly only: Set<Part>;
  readonly search: SearchBenchOptions;
  readonly parallel: ParallelBenchOptions;
}

function parseBenchArgs(argv: readonly string[]): BenchArgs | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { only: { type: 'string', multiple: true }, 'search-datasets': { type: 'string' }, 'search-seeds': { type: 'string' },
        'parallel-seeds': { type: 'string' },
        'parallel-minutes': { type: 'string' },
        'parallel-strategy': { type: 'string' },
        'parallel-work-trials': { type: 'string' },
        help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new CliError(`${(error as Error).message.split('\n')[0]} (see --help)`, 2);
  }
  if (values.help) return 'help';
  const datasets = (values['search-datasets'] ?? 'digits,mnist').split(',').map((d) => d.trim());
  const unknown = datasets.find((d) => d !== 'digits' && d !== 'mnist');
  if (unknown !== undefined) throw new CliError(`--search-datasets: unknown dataset "${unknown}"; the search bench runs digits and mnist`, 2);
  const seeds = parseSeeds(values['search-seeds'], 'search-seeds') ?? defaultSearchBench.seeds;
  const search: SearchBenchOptions = { ...defaultSearchBench, seeds, cases: defaultSearchBench.cases.filter((c) => datasets.includes(c.dataset)) };
  const minutes = values['parallel-minutes'] === undefined ? defaultParallelBench.minutes : Number(values['parallel-minutes']);
  if (!Number.isFinite(minutes) || minutes < 0) throw new CliError(`--parallel-minutes must be a number of at least 0, got "${values['parallel-minutes']}"`, 2);
  const workTrials = values['parallel-work-trials'] === undefined ? defaultParallelBench.workTrials : Number(values['parallel-work-trials']);
  if (!Number.isInteger(workTrials) || workTrials < 0) throw new CliError(`--parallel-work-trials must be a whole number of at least 0, got "${values['parallel-work-trials']}"`, 2);
  const strategy = (values['parallel-strategy'] ?? defaultParallelBench.strategy) as StrategyName;
  if (!strategyNames.includes(strategy)) throw new CliError(`--parallel-strategy must be random, mobo or evolution, got "${values['parallel-strategy']}"`, 2);
  const parallel: ParallelBenchOptions = { ...defaultParallelBench, seeds: parseSeeds(values['parallel-seeds'], 'parallel-seeds') ?? defaultParallelBench.seeds, minutes, strategy, workTrials };
  return { only: parseOnly(values.only), search, parallel };
}

/** Seeds given as a comma-separated list, or undefined when the option was left out. */
function parseSeeds(list: string | undefined, option: string): number[] | undefined {
  if (list === undefined) return undefined;
  const seeds = list.split(',').map((s) => Number(s.trim()));
  if (seeds.length === 0 || seeds.some((s) => !Number.isInteger(s) || s < 0)) throw new CliError(`--${option} must be whole numbers separated by commas, got "${list}"`, 2);
  return seeds;
}

function parseOnly(only: readonly string[] | undefined): Set<Part> {
  if (only === undefined) return new Set(parts);
  const chosen = new Set<Part>();
  for (const name of only.flatMap((list) => list.split(',')).map((name) => name.trim())) {
    const expanded = onlyValues[name];
    if (expanded === undefined) throw new CliError(`--only: unknown part "${name}"; the parts are ${Object.keys(onlyValues).join(', ')}`, 2);
    expanded.forEach((part) => chosen.add(part));
  }
  return chosen;
}

interface Throughput {
  readonly perSecond: number;
  readonly rounds: readonly number[];
  readonly unit: string;
}


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
  const args = parseBenchArgs(process.argv.slice(2));
  if (args === 'help') {
    process.stdout.write(`${usage}\n`);
    return;
  }
  const only = args.only;
  // Before minutes of other work: without Chromium the browser part cannot run at all.
  if (only.has('training-browser')) requireChromium();

  const report: Record<string, unknown> = {
    machine: { cpus: availableParallelism(), model: cpus()[0]?.model ?? 'unknown', node: process.version },
  };
  if (only.has('estimator') || only.has('sampler')) Object.assign(report, measureCore(only));
  if (only.has('training-node') || only.has('training-browser')) report.training = await benchTraining({ node: only.has('training-node'), browser: only.has('training-browser') });
  if (only.has('recipe')) report.recipe = await benchRecipe();
  if (only.has('search')) report.search = await benchSearch(args.search);
  if (only.has('parallel')) report.parallel = await benchParallel(args.parallel);
  if (only.has('export')) report.export = await benchExport();
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

function measureCore(only: ReadonlySet<Part>): Record<string, unknown> {
  const input = { height: 28, width: 28, channels: 1 };
  const space = defaultSearchSpace(input, 10);
  const rng = createRng('bench');
  // A fixed pool of sampled architectures: the estimator sees the variety a search screens.
  const pool: Architecture[] = Array.from({ length: 4096 }, () => sampleArchitecture(space, rng));
  const oneTarget = [findPresetTarget('arduino-uno')!];
  // The Uno runs the bare-C accounting; a TFLM target runs the exported graph's (the .tflite size and the arena plan).
  const oneTflmTarget = [findPresetTarget('nano33-ble')!];

  const report: Record<string, unknown> = {};
  const progress = new ProgressBar('bench', (only.has('estimator') ? 15 : 0) + (only.has('sampler') ? 5 : 0));
  if (only.has('estimator')) {
    const estimatorOneTarget = measure('architectures/s', (i) => estimate(pool[i & 4095]!, oneTarget).paper, progress);
    const estimatorOneTflmTarget = measure('architectures/s', (i) => estimate(pool[i & 4095]!, oneTflmTarget).paper, progress);
    const estimatorAllTargets = measure('architectures/s', (i) => estimate(pool[i & 4095]!, presetTargets).paper, progress);
    const goal = 200_000;
    report.estimator = {
      description: 'estimate() of one sampled 28×28×1 architecture (ops, paper and deploy totals, verdicts) per call',
      oneTarget: { ...estimatorOneTarget, targets: 1, target: 'arduino-uno (bare-C)' },
      oneTflmTarget: { ...estimatorOneTflmTarget, targets: 1, target: 'nano33-ble (TFLite Micro: .tflite size and greedy arena plan)' },
      allPresetTargets: { ...estimatorAllTargets, targets: presetTargets.length },
      // Issue #2: at least 200,000 estimates per second on one target, so a search can screen a
      // million candidates before it trains one.
      goal: {
        estimatesPerSecond: goal,
        measuredOverGoal: Number((estimatorOneTarget.perSecond / goal).toFixed(2)),
        tflmOverGoal: Number((estimatorOneTflmTarget.perSecond / goal).toFixed(2)),
      },
    };
  }
  if (only.has('sampler')) {
    const samplerRng = createRng('bench-sampler');
    const sampler = measure('architectures/s', () => sampleArchitecture(space, samplerRng), progress);
    report.sampler = {
      description: 'sampleArchitecture() from the default search space, 28×28×1 input, 10 classes',
      ...sampler,
    };
  }
  progress.done();
  return report;
}

void runCli('bench', main);
