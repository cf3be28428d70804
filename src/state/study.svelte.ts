/**
 * One study as the page shows it: its trials as they arrive, the running trial's progress and
 * training curve, the trial table's sort order, the selected trial, and the targets and accounting
 * it is judged by now (which the user may change after the search: see evaluation.ts).
 */
import type { StudyProgress } from '../contracts/search-worker.ts';
import type { Study, StudyTrial, TargetSpec } from '../contracts/study.ts';
import { type Accounting, verdictFor } from '../core/resources.ts';
import { flashBytes, sramBytes } from '../core/units.ts';
import { isNotLearning, paretoFrontIds, trialObjectives } from '../contracts/study-objectives.ts';
import { trialName } from '../core/words.ts';
import { type ShownEta, shownEta } from './countdown.ts';
import { type EvaluationSettings, type StudyEvaluation, evaluateStudy, sameSettings } from './evaluation.ts';
import { type Recommendation, recommendModels } from './recommendations.ts';

export type SortKey = 'index' | 'status' | 'valAccuracy' | 'testAccuracy' | 'int8TestAccuracy' | 'modelSize' | 'workingMemory' | 'macs' | 'latency' | 'time';

export interface CurvePoint {
  /** Epochs done, fractional within an epoch. */
  readonly epoch: number;
  readonly loss?: number;
  readonly valAccuracy?: number;
}

/** A row of the trial table: the trial and the numbers it sorts by, under the current evaluation. */
export interface TrialRow {
  readonly trial: StudyTrial;
  readonly feasible: boolean | undefined;
  readonly onFront: boolean;
  /** Measured, but its test accuracy is below 1.5 × chance (study-objectives.ts): never on the front. */
  readonly notLearning: boolean;
  readonly values: Readonly<Record<SortKey, number | string | undefined>>;
}

const statusOrder = { running: 0, queued: 1, completed: 2, stopped: 3, failed: 4, skipped: 5 } as const;

function rowOf(trial: StudyTrial, evaluation: StudyEvaluation): TrialRow {
  // [error, flash-side bytes, SRAM-side bytes] under the accounting judged by; null until completed.
  const objectives = trialObjectives(trial, evaluation.config);
  return {
    trial,
    feasible: evaluation.feasible.get(trial.id),
    onFront: evaluation.paretoFront.has(trial.id),
    notLearning: isNotLearning(trial, evaluation.config),
    values: {
      index: trial.index,
      status: statusOrder[trial.status],
      valAccuracy: trial.metrics?.valAccuracy,
      testAccuracy: trial.metrics?.testAccuracy,
      int8TestAccuracy: trial.metrics?.int8TestAccuracy,
      modelSize: objectives?.[1],
      workingMemory: objectives?.[2],
      macs: trial.resources?.macs,
      latency: trial.resources?.targets[0]?.latencyMs,
      time: trial.timings?.totalMs,
    },
  };
}

/** Missing values sort last in either direction. */
function compare(a: number | string | undefined, b: number | string | undefined, descending: boolean): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? 1 : -1;
  const order = a < b ? -1 : a > b ? 1 : 0;
  return descending ? -order : order;
}

/** A completed trial as the Pareto plot draws it (validation accuracy: the objective the front is built on). */
export interface ParetoPoint {
  readonly id: string;
  readonly label: string;
  readonly accuracy: number;
  readonly flashBytes: number;
  readonly sramBytes: number;
  readonly feasible: boolean;
  readonly onFront: boolean;
}

/** A target's limits as its verdict uses them (the reserve taken off), under the accounting. */
export interface MemoryLimit {
  readonly name: string;
  readonly flashBytes: number;
  readonly sramBytes: number;
}

export class StudyState {
  #study = $state.raw<Study>(null!);
  #trials = $state.raw<readonly StudyTrial[]>([]);
  #progress = $state.raw<StudyProgress | undefined>();
  /** Date.now() when #progress arrived: the time left counts down from there (countdown.ts). */
  #progressAt = 0;
  #curve = $state.raw<readonly CurvePoint[]>([]);
  #curveTrial = -1;
  #selectedId = $state<string | undefined>();
  #sort = $state.raw<{ key: SortKey; descending: boolean }>({ key: 'index', descending: false });
  #settings = $state.raw<EvaluationSettings | undefined>();

  readonly #evaluated = $derived.by((): { ok: true; evaluation: StudyEvaluation } | { ok: false; message: string } => {
    try {
      return { ok: true, evaluation: evaluateStudy(this.#study, this.#trials, this.#settings) };
    } catch (error) {
      return { ok: false, message: `These targets cannot be used: ${(error as Error).message}` };
    }
  });

  /** Under the chosen settings, or the study's own when those are invalid (the message says so). */
  readonly #evaluation = $derived(this.#evaluated.ok ? this.#evaluated.evaluation : evaluateStudy(this.#study, this.#trials));

  readonly #rows = $derived.by((): TrialRow[] => {
    const { key, descending } = this.#sort;
    const rows = this.#evaluation.trials.map((t) => rowOf(t, this.#evaluation));
    return rows.sort((a, b) => compare(a.values[key], b.values[key], descending) || a.trial.index - b.trial.index);
  });

  readonly #points = $derived.by((): ParetoPoint[] =>
    this.#rows.flatMap((row) => {
      const t = row.trial;
      // A trial stopped early is not plotted: its accuracy is that of fewer epochs (the table lists it).
      const objectives = t.status === 'completed' ? trialObjectives(t, this.#evaluation.config) : null;
      if (!objectives) return [];
      const [error, flash, sram] = objectives;
      return [{ id: t.id, label: trialName(t.index), accuracy: 1 - error, flashBytes: flash, sramBytes: sram, feasible: row.feasible ?? false, onFront: row.onFront }];
    }),
  );

  readonly #limits = $derived.by((): MemoryLimit[] =>
    this.#evaluation.targets.map((target) => {
      const verdict = verdictFor(target, this.#evaluation.config.accounting, flashBytes(0), sramBytes(0));
      return { name: target.name, flashBytes: verdict.flash.available, sramBytes: verdict.sram.available };
    }),
  );

  // The trials whose weights are kept are those on the study's own front (the engine keeps theirs).
  readonly #recommendations = $derived.by((): Recommendation[] =>
    recommendModels(this.#evaluation, this.#settings === undefined ? this.#evaluation.paretoFront : new Set(paretoFrontIds(this.#trials, this.#study.config))),
  );

  constructor(study: Study, trials: readonly StudyTrial[] = []) {
    this.#study = study;
    this.#trials = [...trials].sort((a, b) => a.index - b.index);
  }

  get study(): Study {
    return this.#study;
  }
  get id(): string {
    return this.#study.id;
  }
  get trials(): readonly StudyTrial[] {
    return this.#trials;
  }
  get progress(): StudyProgress | undefined {
    return this.#progress;
  }
  get curve(): readonly CurvePoint[] {
    return this.#curve;
  }
  get evaluation(): StudyEvaluation {
    return this.#evaluation;
  }
  /** Why the chosen targets cannot be used, if they cannot. */
  get settingsError(): string | undefined {
    return this.#evaluated.ok ? undefined : this.#evaluated.message;
  }
  get rows(): readonly TrialRow[] {
    return this.#rows;
  }
  get paretoPoints(): readonly ParetoPoint[] {
    return this.#points;
  }
  get limits(): readonly MemoryLimit[] {
    return this.#limits;
  }
  /** The model to flash on each target judged by, or what is missing (recommendations.ts). */
  get recommendations(): readonly Recommendation[] {
    return this.#recommendations;
  }
  /** True when the trial is measured and its test accuracy is below 1.5 × chance. */
  isNotLearning(trial: StudyTrial): boolean {
    return isNotLearning(trial, this.#evaluation.config);
  }
  get sort(): { readonly key: SortKey; readonly descending: boolean } {
    return this.#sort;
  }
  get selectedId(): string | undefined {
    return this.#selectedId;
  }
  get selected(): StudyTrial | undefined {
    return this.#evaluation.trials.find((t) => t.id === this.#selectedId);
  }
  get accounting(): Accounting {
    return this.#settings?.accounting ?? this.#study.config.accounting;
  }
  get targets(): readonly TargetSpec[] {
    return this.#settings?.targets ?? this.#study.config.targets;
  }
  /** True when the study is judged by other targets or accounting than it was searched with. */
  get reevaluated(): boolean {
    return this.#settings !== undefined;
  }

  /** A trial written by the worker: new, or a later state of one already shown. */
  recordTrial(trial: StudyTrial): void {
    if (trial.studyId !== this.#study.id) return;
    const others = this.#trials.filter((t) => t.id !== trial.id);
    this.#trials = [...others, trial].sort((a, b) => a.index - b.index);
  }

  recordProgress(progress: StudyProgress, at: number = Date.now()): void {
    if (progress.studyId !== this.#study.id) return;
    this.#progressAt = at;
    this.#progress = progress;
    const trial = progress.trial;
    if (progress.trialIndex !== this.#curveTrial) {
      this.#curveTrial = progress.trialIndex;
      this.#curve = [];
    }
    // The trainer reads the loss back every few batches only, and every report repeats the last one
    // read: a point is added when a new loss or validation accuracy arrives.
    const last = this.#curve.at(-1);
    const fresh = trial !== undefined && (trial.loss !== last?.loss || trial.valAccuracy !== last?.valAccuracy);
    if (trial && fresh && (trial.loss !== undefined || trial.valAccuracy !== undefined) && trial.phase !== 'evaluating') {
      const epoch = trial.epoch - 1 + (trial.batches > 0 ? trial.batch / trial.batches : 0);
      this.#curve = [...this.#curve, { epoch, ...(trial.loss !== undefined ? { loss: trial.loss } : {}), ...(trial.valAccuracy !== undefined ? { valAccuracy: trial.valAccuracy } : {}) }];
    }
  }

  /** The time left as shown at `now` (a Clock's): the latest estimate counted down since it came. */
  etaAt(now: number): ShownEta | undefined {
    const progress = this.#progress;
    return progress && shownEta(progress, (now - this.#progressAt) / 1000);
  }

  /** Seconds since the run started, at `now`: the latest report's, counted on since it came. */
  elapsedAt(now: number): number | undefined {
    const progress = this.#progress;
    return progress && progress.elapsedSeconds + Math.max(0, now - this.#progressAt) / 1000;
  }

  /** The study's stored state changed (running, stopped, completed). */
  recordStudy(study: Study): void {
    if (study.id === this.#study.id) this.#study = study;
  }

  /** A finished run: no trial is running any more. */
  endRun(): void {
    this.#progress = undefined;
  }

  select(trialId: string | undefined): void {
    this.#selectedId = trialId;
  }

  /** Sorts by `key`; choosing the same key again reverses the order. Metrics start best first. */
  sortBy(key: SortKey): void {
    const bestFirst = key === 'valAccuracy' || key === 'testAccuracy' || key === 'int8TestAccuracy';
    this.#sort = this.#sort.key === key ? { key, descending: !this.#sort.descending } : { key, descending: bestFirst };
  }

  /** Judges the trials by other targets and accounting, at once and without training. */
  judgeBy(targets: readonly TargetSpec[], accounting: Accounting): void {
    const settings = { targets, accounting };
    this.#settings = sameSettings(this.#study.config, settings) ? undefined : settings;
  }

  /** Back to the targets and accounting the study was searched with. */
  judgeAsSearched(): void {
    this.#settings = undefined;
  }
}
