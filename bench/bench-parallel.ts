/**
 * Parallel trials for `npm run bench -- --only parallel` (issue 15): one study in PostgreSQL trained
 * by P real `npm run search -- --storage URL --study NAME` processes, P = 1 and P = 2, started
 * together with the same time budget, over several seeds. While they run, the database is polled
 * for when each trial was claimed and when it ended, so that throughput is counted over the window
 * from the first claim to the last end (each process's start-up, dataset load and backend left out).
 * Reported: trials per hour and the ratio P=2 / P=1 (the issue's goal: ≥ 0.8 × P), and the best
 * feasible test accuracy and hypervolume of each run. A benchmark: nothing passes or fails on numbers.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { StrategyName, StudyConfig, StudyTrial } from '../src/contracts/study.ts';
import type { TrialStatus } from '../src/contracts/trial.ts';
import { observationOf, studyHypervolume } from '../src/contracts/study-objectives.ts';
import { PgStudyStore } from '../src/pg/store.ts';
import { ProgressBar } from '../src/cli/progress.ts';
import { median } from '../src/core/median.ts';
import { createDatabase, startThrowawayCluster } from '../scripts/postgres-cluster.ts';

export interface ParallelBenchOptions {
  readonly seeds: readonly number[];
  /** Worker processes per study; the first is the baseline the others are compared with. */
  readonly workers: readonly number[];
  /** Each process's --minutes: its budget counts from its own start, and all start together. */
  readonly minutes: number;
  readonly strategy: StrategyName;
  readonly dataset: 'digits';
  readonly target: string;
  /**
   * The throughput of the same work: this many trials of the random strategy, every one trained for
   * all its epochs (--no-early-stop), by 1 and by P processes. Random proposes the same network for
   * the same trial index whatever runs beside it, so both runs train the same trials; 0 skips it.
   */
  readonly workTrials: number;
}

export const defaultParallelBench: ParallelBenchOptions = { seeds: [1, 2, 3], workers: [1, 2], minutes: 2, strategy: 'mobo', dataset: 'digits', target: 'arduino-uno', workTrials: 16 };

/** What one run of processes is given: the time budget of the quality comparison, or the fixed work of the throughput one. */
type RunBudget = { readonly kind: 'minutes'; readonly minutes: number; readonly strategy: StrategyName } | { readonly kind: 'trials'; readonly trials: number };

/** The issue's goal: P workers give at least 0.8 × P times the trials per hour of one. */
export const speedUpShare = 0.8;

/** Statuses of a trial that ended after training (or trying to): skipped ones never trained. */
const endedStatuses: ReadonlySet<TrialStatus> = new Set(['completed', 'stopped', 'failed']);

/** One trial as the polls saw it, in seconds after the processes were started. */
export interface TrialSighting {
  readonly index: number;
  readonly worker: string | null;
  /** First seen in the database: when it was claimed. */
  readonly claimedAt: number;
  /** First seen ended (completed, stopped, failed or skipped); absent while it runs. */
  readonly endedAt?: number;
  readonly status: TrialStatus;
}

export interface Throughput {
  /** Trials that ended completed, stopped or failed (not skipped). */
  readonly endedTrials: number;
  /** From the first claim to the last of those ends. */
  readonly windowSeconds: number;
  readonly trialsPerHour: number;
}

const round = (value: number, digits: number): number => Number(value.toFixed(digits));

/** Trials per hour over the window from the first claim to the last end; null when nothing ended. */
export function throughputOf(sightings: readonly TrialSighting[]): Throughput | null {
  const ended = sightings.filter((s) => endedStatuses.has(s.status) && s.endedAt !== undefined);
  if (ended.length === 0) return null;
  const first = Math.min(...sightings.map((s) => s.claimedAt));
  const last = Math.max(...ended.map((s) => s.endedAt!));
  const windowSeconds = last - first;
  if (windowSeconds <= 0) return null;
  return { endedTrials: ended.length, windowSeconds: round(windowSeconds, 1), trialsPerHour: round((ended.length / windowSeconds) * 3600, 1) };
}

/** Seconds from the start of the processes to each worker's first claim: its start-up. */
export function startUpSeconds(sightings: readonly TrialSighting[]): number[] {
  const first = new Map<string, number>();
  for (const s of sightings) {
    const worker = s.worker ?? '?';
    first.set(worker, Math.min(first.get(worker) ?? Number.POSITIVE_INFINITY, s.claimedAt));
  }
  return [...first.values()].sort((a, b) => a - b).map((seconds) => round(seconds, 1));
}

/**
 * Seconds each worker spent between the end of one of its trials and its next claim: the claim's
 * transaction, in which the strategy proposes under the study's lock (a second worker waits on it).
 */
export function claimGaps(sightings: readonly TrialSighting[]): number[] {
  const byWorker = new Map<string, TrialSighting[]>();
  for (const s of sightings) byWorker.set(s.worker ?? '?', [...(byWorker.get(s.worker ?? '?') ?? []), s]);
  return [...byWorker.values()].flatMap((own) => {
    const ordered = [...own].sort((a, b) => a.claimedAt - b.claimedAt);
    return ordered.slice(1).flatMap((next, i) => {
      const endedAt = ordered[i]!.endedAt;
      return endedAt === undefined ? [] : [Math.max(0, next.claimedAt - endedAt)];
    });
  });
}

/** Folds one poll of the trials table into the sightings by index; `at` is the poll's time. */
export function recordPoll(sightings: Map<number, TrialSighting>, rows: readonly { index: number; status: TrialStatus; worker: string | null }[], at: number): void {
  for (const row of rows) {
    const seen = sightings.get(row.index);
    if (seen && seen.status === row.status) continue;
    const ended = row.status !== 'running' && row.status !== 'queued';
    // A trial put back in the queue (a stop) and claimed again ends later: its first claim and last end count.
    sightings.set(row.index, { index: row.index, worker: row.worker ?? seen?.worker ?? null, claimedAt: seen?.claimedAt ?? at, status: row.status, ...(ended ? { endedAt: at } : {}) });
  }
}

/** A fully trained trial that fits every target, as bench-search.ts counts it. */
const isFeasibleCompleted = (t: StudyTrial, config: StudyConfig): boolean => t.status === 'completed' && observationOf(t, config).feasible;

function qualityOf(trials: readonly StudyTrial[], config: StudyConfig): { bestTestAccuracy: number; hypervolume: number } {
  const accuracies = trials.filter((t) => isFeasibleCompleted(t, config)).map((t) => t.metrics!.testAccuracy);
  return { bestTestAccuracy: round(Math.max(0, ...accuracies), 4), hypervolume: round(studyHypervolume(trials, config), 4) };
}

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
/** How often the trials table is read while the processes run: the resolution of every time here. */
const POLL_MS = 250;

interface SearchProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderrTail: string }>;
}

/** `npm run search` as a user starts it, without npm in between (as tests/cli/shared-search.test.ts does). */
function startSearch(args: readonly string[]): SearchProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/search.ts', ...args], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  // The progress bar redraws with \r: keep only the end, for an error message.
  child.stderr!.on('data', (chunk) => (stderr = (stderr + String(chunk)).slice(-4000)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderrTail: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stderrTail: stderr.split(/[\r\n]/).filter(Boolean).slice(-5).join('\n') })),
  );
  return { child, exited };
}

export interface RunResult {
  readonly seed: number;
  readonly workers: number;
  readonly loadAverageBefore: number;
  readonly processSeconds: number[];
  readonly startUpSeconds: number[];
  readonly throughput: Throughput | null;
  readonly trials: Record<string, number>;
  /** Median seconds a trial took to train and evaluate (record.timings.totalMs), over those that hold timings. */
  readonly medianTrialSeconds: number | null;
  /** The trials' own seconds (timings.totalMs) over P × the window: the share of the window the processes spent training. */
  readonly busyShare: number | null;
  /** Median seconds from a worker's trial end to its next claim (see {@link claimGaps}), to the poll's resolution. */
  readonly medianClaimGapSeconds: number | null;
  readonly atEnd: { bestTestAccuracy: number; hypervolume: number };
  /** Only the trials that ended within `minutes` of the start of the processes: strictly equal wall time. */
  readonly atBudget: { bestTestAccuracy: number; hypervolume: number };
  /**
   * Training samples per second of each completed trial, by its index and network: the same trial
   * in another run (random proposes the same network for an index) shows how much a process slowed.
   * Not in the report.
   */
  readonly speeds?: ReadonlyMap<string, number>;
}

/** A trial's key across runs: its index and its network. */
const trialKey = (t: StudyTrial): string => `${t.index}:${JSON.stringify(t.architecture)}`;

async function runOnce(clusterUrl: string, options: ParallelBenchOptions, budget: RunBudget, seed: number, workers: number, onTick: (seconds: number) => void): Promise<RunResult> {
  const kind = budget.kind === 'trials' ? 'work' : 'time';
  const name = `parallel-${kind}-s${seed}-p${workers}`;
  const url = await createDatabase(clusterUrl, `bench_parallel_${kind}_s${seed}_p${workers}_${process.pid}`);
  const budgetArgs = budget.kind === 'minutes' ? ['--strategy', budget.strategy, '--minutes', String(budget.minutes)] : ['--strategy', 'random', '--trials', String(budget.trials), '--no-early-stop'];
  const args = ['--storage', url, '--study', name, '--dataset', options.dataset, '--target', options.target, ...budgetArgs, '--backend', 'wasm', '--seed', String(seed)];
  const loadAverageBefore = round(loadavg()[0]!, 2);
  const poller = new pg.Pool({ connectionString: url, max: 1 });
  poller.on('error', () => undefined);
  const sightings = new Map<number, TrialSighting>();
  const start = performance.now();
  const seconds = (): number => (performance.now() - start) / 1000;
  const processes = Array.from({ length: workers }, () => startSearch(args));
  const exitedAt: number[] = [];
  let running = workers;
  const exits = processes.map((p, i) =>
    p.exited.then((exit) => {
      exitedAt[i] = round(seconds(), 1);
      running--;
      return exit;
    }),
  );
  const poll = async (): Promise<void> => {
    const at = seconds();
    // The table exists once the first process has migrated the database; until then, nothing to see.
    const rows = await poller
      .query<{ index: number; status: TrialStatus; worker: string | null }>('SELECT trial_index AS index, status, worker FROM trials')
      .then((r) => r.rows, () => []);
    recordPoll(sightings, rows, at);
  };
  try {
    while (running > 0) {
      await poll();
      onTick(seconds());
      await sleep(POLL_MS);
    }
    await poll();
    const ended = await Promise.all(exits);
    const failed = ended.find((e) => e.code !== 0);
    if (failed) throw new Error(`a search process of seed ${seed}, ${workers} worker(s) exited with ${failed.signal ?? `status ${failed.code}`}:\n${failed.stderrTail}`);
  } finally {
    processes.forEach((p) => p.child.exitCode === null && p.child.signalCode === null && p.child.kill('SIGTERM'));
    await poller.end().catch(() => undefined);
  }

  const store = await PgStudyStore.open(url);
  try {
    const study = await store.findStudy(name);
    if (!study) throw new Error(`the study "${name}" is not in the database after its run`);
    const trials = await store.listTrials(study.id);
    const seen = [...sightings.values()];
    const cutoff = budget.kind === 'minutes' ? budget.minutes * 60 : Number.POSITIVE_INFINITY;
    const inBudget = new Set(seen.filter((s) => s.endedAt !== undefined && s.endedAt <= cutoff).map((s) => s.index));
    const totals = trials.flatMap((t) => (t.timings ? [t.timings.totalMs / 1000] : []));
    const count = (status: TrialStatus): number => trials.filter((t) => t.status === status).length;
    const throughput = throughputOf(seen);
    const gaps = claimGaps(seen);
    return {
      seed,
      workers,
      loadAverageBefore,
      processSeconds: exitedAt,
      startUpSeconds: startUpSeconds(seen),
      throughput,
      trials: { completed: count('completed'), stopped: count('stopped'), failed: count('failed'), skipped: count('skipped') },
      medianTrialSeconds: totals.length > 0 ? round(median(totals), 1) : null,
      medianClaimGapSeconds: gaps.length > 0 ? round(median(gaps), 2) : null,
      busyShare: throughput ? round(totals.reduce((sum, t) => sum + t, 0) / (workers * throughput.windowSeconds), 3) : null,
      atEnd: qualityOf(trials, study.config),
      speeds: new Map(trials.flatMap((t) => (t.status === 'completed' && t.timings ? [[trialKey(t), t.timings.samplesPerSecond] as const] : []))),
      atBudget: qualityOf(
        trials.filter((t) => inBudget.has(t.index)),
        study.config,
      ),
    };
  } finally {
    await store.close();
  }
}

/** Medians over seeds of the baseline and of each larger P, with the ratio and differences the issue's goals name. */
export function summariseParallel(runs: readonly RunResult[], options: ParallelBenchOptions) {
  const baseline = options.workers[0]!;
  const of = (workers: number, seed: number) => runs.find((r) => r.workers === workers && r.seed === seed);
  const medianOf = (workers: number, value: (r: RunResult) => number | undefined) => {
    const values = runs.filter((r) => r.workers === workers).flatMap((r) => (value(r) === undefined ? [] : [value(r)!]));
    return values.length > 0 ? round(median(values), 4) : null;
  };
  const perWorkers = Object.fromEntries(
    options.workers.map((workers) => [
      workers,
      {
        trialsPerHour: medianOf(workers, (r) => r.throughput?.trialsPerHour),
        medianTrialSeconds: medianOf(workers, (r) => r.medianTrialSeconds ?? undefined),
        busyShare: medianOf(workers, (r) => r.busyShare ?? undefined),
        medianClaimGapSeconds: medianOf(workers, (r) => r.medianClaimGapSeconds ?? undefined),
        bestTestAccuracy: { atEnd: medianOf(workers, (r) => r.atEnd.bestTestAccuracy), atBudget: medianOf(workers, (r) => r.atBudget.bestTestAccuracy) },
        hypervolume: { atEnd: medianOf(workers, (r) => r.atEnd.hypervolume), atBudget: medianOf(workers, (r) => r.atBudget.hypervolume) },
      },
    ]),
  );
  const comparisons = Object.fromEntries(
    options.workers.slice(1).map((workers) => {
      const ratios = options.seeds.flatMap((seed) => {
        const one = of(baseline, seed)?.throughput?.trialsPerHour;
        const many = of(workers, seed)?.throughput?.trialsPerHour;
        return one && many !== undefined ? [{ seed, ratio: round(many / one, 3) }] : [];
      });
      const medianRatio = ratios.length > 0 ? round(median(ratios.map((r) => r.ratio)), 3) : null;
      // Each process's speed with P against alone, on the trials both runs of a seed trained in full.
      const speedRatios = options.seeds.flatMap((seed) => {
        const alone = of(baseline, seed)?.speeds;
        const shared = of(workers, seed)?.speeds;
        if (!alone || !shared) return [];
        const matched = [...shared].flatMap(([key, speed]) => (alone.has(key) ? [speed / alone.get(key)!] : []));
        return matched.length > 0 ? [{ seed, sameTrials: matched.length, ratio: round(median(matched), 3) }] : [];
      });
      const medianSpeedRatio = speedRatios.length > 0 ? round(median(speedRatios.map((r) => r.ratio)), 3) : null;
      const goal = round(speedUpShare * (workers / baseline), 2);
      const difference = (value: (w: number) => number | null) => {
        const [a, b] = [value(baseline), value(workers)];
        return a === null || b === null ? null : round(b - a, 4);
      };
      const p = perWorkers as Record<number, (typeof perWorkers)[string]>;
      const accuracyDifference = difference((w) => p[w]!.bestTestAccuracy.atEnd);
      const hypervolumeDifference = difference((w) => p[w]!.hypervolume.atEnd);
      return [
        `${workers}over${baseline}`,
        {
          throughputRatioBySeed: ratios,
          sameTrialSpeedRatioBySeed: speedRatios,
          medianSameTrialSpeedRatio: medianSpeedRatio,
          medianThroughputRatio: medianRatio,
          goalRatio: goal,
          throughputGoalMet: medianRatio === null ? null : medianRatio >= goal,
          bestTestAccuracyDifference: { atEnd: accuracyDifference, atBudget: difference((w) => p[w]!.bestTestAccuracy.atBudget) },
          hypervolumeDifference: { atEnd: hypervolumeDifference, atBudget: difference((w) => p[w]!.hypervolume.atBudget) },
          qualityGoalMet: accuracyDifference === null || hypervolumeDifference === null ? null : accuracyDifference >= 0 && hypervolumeDifference >= 0,
        },
      ];
    }),
  );
  return { perWorkers, comparisons };
}

/** The throughput of the same work: trials per hour with P over with 1, by seed, and the median. */
export function summariseWork(runs: readonly RunResult[], options: ParallelBenchOptions) {
  const baseline = options.workers[0]!;
  const of = (workers: number, seed: number) => runs.find((r) => r.workers === workers && r.seed === seed);
  return Object.fromEntries(
    options.workers.slice(1).map((workers) => {
      const bySeed = options.seeds.flatMap((seed) => {
        const one = of(baseline, seed)?.throughput;
        const many = of(workers, seed)?.throughput;
        return one && many ? [{ seed, trialsPerHour: [one.trialsPerHour, many.trialsPerHour], windowSeconds: [one.windowSeconds, many.windowSeconds], ratio: round(many.trialsPerHour / one.trialsPerHour, 3) }] : [];
      });
      const medianRatio = bySeed.length > 0 ? round(median(bySeed.map((r) => r.ratio)), 3) : null;
      const goal = round(speedUpShare * (workers / baseline), 2);
      return [`${workers}over${baseline}`, { bySeed, medianRatio, goalRatio: goal, goalMet: medianRatio === null ? null : medianRatio >= goal }];
    }),
  );
}

export async function benchParallel(options: ParallelBenchOptions = defaultParallelBench): Promise<Record<string, unknown>> {
  const runSeconds = options.minutes * 60;
  const order = (i: number): readonly number[] => (i % 2 === 0 ? options.workers : [...options.workers].reverse());
  // Every other seed runs the larger P first, so that a drift in the machine's load does not favour one side.
  const both = options.seeds.flatMap((seed, i) => order(i).map((workers) => ({ seed, workers })));
  const workPlan = options.workTrials > 0 ? both : [];
  const plan = options.minutes > 0 ? both : [];
  const progress = new ProgressBar('parallel bench', workPlan.length + plan.length, process.stderr, ' runs');
  const cluster = await startThrowawayCluster();
  const runs: RunResult[] = [];
  const workRuns: RunResult[] = [];
  const budget: RunBudget = { kind: 'minutes', minutes: options.minutes, strategy: options.strategy };
  try {
    for (const [done, { seed, workers }] of workPlan.entries()) {
      const note = `same work: seed ${seed}, ${workers} worker${workers === 1 ? '' : 's'}`;
      workRuns.push(await runOnce(cluster.url, options, { kind: 'trials', trials: options.workTrials }, seed, workers, (seconds) => progress.set(done, `${note}, ${Math.round(seconds)} s`)));
    }
    for (const [done, { seed, workers }] of plan.entries()) {
      const note = `equal time: seed ${seed}, ${workers} worker${workers === 1 ? '' : 's'}`;
      runs.push(await runOnce(cluster.url, options, budget, seed, workers, (seconds) => progress.set(workPlan.length + done, `${note}, ${Math.round(Math.min(seconds, runSeconds))} of ${runSeconds} s`)));
    }
  } finally {
    progress.done();
    await cluster.stop();
  }
  return {
    description:
      `one study on ${options.dataset} for ${options.target} (strategy ${options.strategy}, wasm backend, single-threaded), trained by P real ` +
      '`npm run search -- --storage URL --study NAME` processes against a throwaway PostgreSQL on this machine, P = ' +
      `${options.workers.join(' and ')}, each process given --minutes ${options.minutes} and all started together (the budget counts from each ` +
      "process's own start, so the runs get equal wall time). Throughput: trials that ended (completed, stopped or failed; not skipped) per hour, " +
      `from the first claim seen in the database to the last end (polled every ${POLL_MS} ms; process start-up left out). Quality: the best ` +
      'feasible test accuracy and the hypervolume of the study at its end (atEnd) and of the trials that ended within the budget from the start ' +
      'of the processes (atBudget). Same-trial speed ratio: training samples per second of the trials both runs of a seed trained in full ' +
      '(same index and network: with random, every index), with P over with 1: how much each process slowed while they shared the machine. ' +
      'busyShare: the trials\' own time over P × the window. Medians over seeds; every other seed runs the larger P first.',
    seeds: options.seeds,
    minutes: options.minutes,
    sameWork: {
      description:
        `throughput of the same work: ${options.workTrials} trials of the random strategy (the same networks for the same indices), every one trained ` +
        'for all its epochs (--no-early-stop), by P = ' +
        `${options.workers.join(' and ')} processes; trials per hour from the first claim to the last end. This is the issue's throughput goal.`,
      ...summariseWork(workRuns, options),
      runs: workRuns.map(({ speeds: _speeds, atBudget: _atBudget, ...reported }) => reported),
    },
    ...summariseParallel(runs, options),
    goals: {
      throughput: `P workers give ≥ ${speedUpShare} × P times the trials per hour of one (here ≥ ${speedUpShare * 2} for P = 2), where the cores allow it: measured on the same work (sameWork); the trials per hour of the equal-time runs depend on what each search proposed and stopped early`,
      quality: 'at equal wall time, the best accuracy and the hypervolume with P = 2 are no worse than with P = 1 (median over seeds)',
    },
    runs: runs.map(({ speeds: _speeds, ...reported }) => reported),
  };
}
