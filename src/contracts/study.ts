/**
 * A study: a config plus its trials (issue 4, DESIGN.md §5–§6). These types are the contract between
 * the engine (which runs it), the database (which keeps it) and the export document (which shares it).
 */
import type { Architecture } from '../core/architecture.ts';
import type { Accounting } from '../core/resources.ts';
import type { SearchSpace } from '../core/search-space.ts';
import type { PruningMethod } from '../core/pruning.ts';
import type { StrategyName } from '../core/search/strategy.ts';
import type { TrialHyperparameters, TrialMetrics, TrialResources, TrialStatus, TrialTimings } from './trial.ts';
import type { StoredOpWeights, TrialWeights } from './weights.ts';
import { trainingRecipe } from '../core/training-recipe.ts';
import { formatCount } from '../core/units.ts';

export { type StrategyName, strategyNames } from '../core/search/strategy.ts';

/** A target of a study: a preset id, or a custom target as its JSON (see parseCustomTarget). */
export type TargetSpec = string | Readonly<Record<string, unknown>>;

export interface StudyConfig {
  readonly name: string;
  /** A built-in dataset id (`digits`, `mnist`, `fashion-mnist`). */
  readonly dataset: string;
  readonly targets: readonly TargetSpec[];
  readonly accounting: Accounting;
  readonly searchSpace: SearchSpace;
  /** Pruning methods the search may choose, and the range of their strength. */
  readonly pruning: { readonly methods: readonly PruningMethod[]; readonly sparsity: { readonly min: number; readonly max: number } };
  readonly strategy: StrategyName;
  /** The study ends when either is reached; at least one is set. */
  readonly budget: { readonly trials?: number; readonly minutes?: number };
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly seed: number;
  /**
   * Multi-fidelity search: judge each trial after every epoch of its training and stop it when it is
   * unlikely to reach the Pareto front (src/core/search/early-stopping.ts). New studies have it on
   * unless the user turns it off; files written before it existed have none, and it is off for them.
   */
  readonly earlyStopping?: boolean;
}

/**
 * `completed`: its budget is spent. `stopped`: the user stopped it (or it was imported unfinished).
 * `failed`: it could not go on (no candidate fits, storage full, every trial failed); `statusReason`
 * says why.
 */
export type StudyStatus = 'running' | 'paused' | 'stopped' | 'completed' | 'failed';

/** The longest statusReason a study document holds; longer reasons are cut (statusReasonText). */
export const statusReasonMaxLength = 4000;

/** `reason` as a statusReason: one that would not fit a study document is cut, with an ellipsis. */
export const statusReasonText = (reason: string): string => (reason.length > statusReasonMaxLength ? `${reason.slice(0, statusReasonMaxLength - 1)}…` : reason);

/** The reasons the study loop and the import give, in words (Study.statusReason). */
export const trialBudgetSpent = (trials: number): string => `the budget of ${formatCount(trials)} trial${trials === 1 ? '' : 's'} is spent`;
export const timeBudgetSpent = (minutes: number): string => {
  const rounded = Math.round(minutes * 100) / 100;
  return `the time budget of ${rounded} minute${rounded === 1 ? '' : 's'} is spent`;
};
export const stoppedByYou = 'stopped by you';
export const everyTrialFailed = (firstError: string): string => `every trial failed: ${firstError}`;

export interface Study {
  readonly id: string;
  readonly config: StudyConfig;
  readonly status: StudyStatus;
  /**
   * Why the study ended, in words the page and the CLI show as they are: "the budget of 10 trials is
   * spent", "stopped by you", "every trial failed: …". Set with a final status (completed, stopped,
   * failed), absent while it runs and on studies stored before it existed.
   */
  readonly statusReason?: string;
  /** ISO 8601 times. */
  readonly createdAt: string;
  readonly updatedAt: string;
}

/**
 * One trial of a study. `architecture` and `hyperparameters` are known from the moment it is
 * proposed; metrics, resources and timings once it completed; `error` when it failed; `skipReason`
 * when the analytic estimate found it infeasible and it was never trained.
 */
export interface StudyTrial {
  readonly id: string;
  readonly studyId: string;
  /** Order of proposal, from 0. */
  readonly index: number;
  readonly status: TrialStatus;
  readonly architecture: Architecture;
  /** Before structured pruning, when that changed the architecture. */
  readonly sampledArchitecture?: Architecture;
  readonly hyperparameters: TrialHyperparameters;
  readonly metrics?: TrialMetrics;
  readonly resources?: TrialResources;
  readonly timings?: TrialTimings;
  readonly backend?: { readonly name: string; readonly reason: string };
  readonly error?: string;
  readonly skipReason?: string;
  /** Why the search stopped it after an epoch (status `stopped`), in words. */
  readonly stopReason?: string;
  /**
   * Set on a `failed` trial whose worker stopped sending heartbeats (a shared study, issue 15): the
   * process died or lost its connection mid-trial. It does not count against the trial budget: its
   * slot is proposed again.
   */
  readonly workerLost?: true;
}

/** True when the trial spent part of the trial budget: it ended trained, stopped early or failed (a lost worker's trial excepted). */
export const spentBudget = (trial: StudyTrial): boolean =>
  trial.status === 'completed' || trial.status === 'stopped' || (trial.status === 'failed' && trial.workerLost !== true);

/** The shareable study document: what "Export JSON" downloads and `npm run search --out` writes. */
export interface StudyDocument {
  readonly schemaVersion: 1;
  readonly kind: 'sparse-search-study';
  /**
   * `status` is written for a study that ended ('completed': its budget spent; 'failed': it could not
   * go on), with `statusReason` saying why, so that an import keeps how it ended; without it (older
   * files, or a study stopped or interrupted) an import is 'stopped'.
   */
  readonly study: {
    readonly id: string;
    readonly createdAt: string;
    readonly config: StudyConfig;
    readonly status?: 'completed' | 'stopped' | 'failed';
    readonly statusReason?: string;
  };
  readonly trials: readonly Omit<StudyTrial, 'studyId'>[];
  /** Ids of the trials on the Pareto front (error × flash × SRAM, under the study's accounting). */
  readonly paretoFront: readonly string[];
  readonly environment: { readonly tfjsVersion: string; readonly backend: string; readonly userAgent: string };
}

/** A trial with one of these statuses has ended: its record is final. */
export const finalTrialStatuses: readonly TrialStatus[] = ['completed', 'stopped', 'failed', 'skipped'];

/**
 * Why `next` may not replace the stored record `stored` of the same trial, in words; undefined when
 * it may. A trial never goes backwards: once it ended (completed, stopped, failed or skipped) it is
 * never written again as queued or running, so a late write from a stale tab or a retried request
 * cannot undo a result. Every StudyStore applies it (IndexedDB inside the write's transaction).
 */
export function trialReplacementProblem(stored: StudyTrial | undefined, next: StudyTrial): string | undefined {
  if (stored === undefined || !finalTrialStatuses.includes(stored.status)) return undefined;
  if (next.status !== 'queued' && next.status !== 'running') return undefined;
  return `trial ${stored.index} ("${stored.id}") is stored as ${stored.status}; a trial that ended is never written back as ${next.status}`;
}

/** True when `next` may replace the stored record `stored` (see trialReplacementProblem). */
export const trialMayReplace = (stored: StudyTrial | undefined, next: StudyTrial): boolean => trialReplacementProblem(stored, next) === undefined;

/**
 * Where a study's trials are kept while it runs: IndexedDB in the browser (src/db), a JSON file in
 * Node (src/engine). The study loop only sees this.
 */
export interface StudyStore {
  /** The study's trials so far, in proposal order. */
  listTrials(studyId: string): Promise<StudyTrial[]>;
  /**
   * Writes one trial, with the weights of a trial on the Pareto front, in one transaction. Refuses
   * (throws) a write that trialReplacementProblem refuses, keeping the stored record.
   */
  saveTrial(trial: StudyTrial, weights?: readonly StoredOpWeights[]): Promise<void>;
  /** Drops the weights of trials that left the Pareto front. */
  deleteWeights(trialIds: readonly string[]): Promise<void>;
  /**
   * Stores the study's status, statusReason (absent: none) and config; its id and createdAt are kept
   * and updatedAt is stamped.
   */
  updateStudy(study: Study): Promise<Study>;
}

/** What a claim on a shared study saw and took (SharedStudyStore.claimTrial). */
export interface TrialClaim {
  /** Every trial of the study as stored once the claim committed, the claimed one included. */
  readonly trials: readonly StudyTrial[];
  /** The trial this worker now trains (status `running`), or undefined when `choose` took none. */
  readonly claimed?: StudyTrial;
}

/**
 * A StudyStore that several processes share (PostgreSQL, issue 15), in the manner of Optuna's RDB
 * storage: each trial is claimed in a transaction, so that no two workers train the same trial or
 * propose the same slot, and its worker sends heartbeats while it trains; a trial whose heartbeat is
 * older than the grace period is marked failed (`workerLost`) and its slot proposed again.
 */
export interface SharedStudyStore extends StudyStore {
  /** This worker's name in the study's records, e.g. `host:pid:random`. */
  readonly worker: string;
  /** How often a worker sends a heartbeat while it trains, and how old one may be before its trial is marked failed. */
  readonly heartbeatSeconds: number;
  readonly graceSeconds: number;
  /**
   * In one transaction that holds the study's lock: marks failed the running trials whose heartbeat
   * is older than the grace period, then calls `choose` with every trial of the study; the trial it
   * returns (status `running`: a queued one, or a new index) is stored as this worker's, with a
   * fresh heartbeat. `choose` must not wait.
   */
  claimTrial(studyId: string, choose: (trials: readonly StudyTrial[]) => StudyTrial | undefined): Promise<TrialClaim>;
  /**
   * As StudyStore.saveTrial. A trial marked failed because its worker was thought lost (`workerLost`)
   * still takes its worker's late result (completed or failed: real work is never thrown away, though
   * with the slot proposed again the study may then spend one trial more than its budget), but is
   * never put back to queued or running: that write throws TrialLostError and stores nothing.
   */
  saveTrial(trial: StudyTrial, weights?: readonly StoredOpWeights[]): Promise<void>;
  /** Stamps the trial's heartbeat; false when it is no longer this worker's running trial (it was marked failed). */
  heartbeat(trialId: string): Promise<boolean>;
  /**
   * Stores how this worker's run ended (status and statusReason), unless trials of other workers
   * still run with fresh heartbeats: then the study stays `running` and the last worker to end stores
   * its end. The worker that stores the end also drops the weights of every trial off the Pareto
   * front: each worker drops those it saw leave, and one can miss another's trial. Returns the study
   * as stored.
   */
  endRun(study: Study): Promise<Study>;
}

/**
 * A shared store's refusal to put back to queued or running a trial that was marked failed while its
 * worker trained it (no heartbeat within the grace period): its slot was proposed again. `stored` is
 * the record as it stays.
 */
export class TrialLostError extends Error {
  constructor(readonly stored: StudyTrial) {
    super(`trial ${stored.index} ("${stored.id}") was marked failed while it trained (${stored.error ?? 'its worker was lost'}); it is not queued again`);
    this.name = 'TrialLostError';
  }
}

export const isSharedStudyStore = (store: StudyStore): store is SharedStudyStore => 'claimTrial' in store;

/**
 * Everything a deleted study had stored, exactly (the study, its trials, the weights kept for its
 * Pareto front): what "Undo" puts back with the same ids.
 */
export interface DeletedStudy {
  readonly study: Study;
  readonly trials: readonly StudyTrial[];
  readonly weights: readonly TrialWeights[];
}

/** Training settings a new study starts with, from the CLI or the page: the measured recipe (training-recipe.ts). */
export const studyTrainingDefaults = { batchSize: trainingRecipe.batchSize, learningRate: trainingRecipe.learningRate } as const;

/** The name a new study gets when the user gives none, e.g. `mobo search on mnist for arduino-uno`. */
export const defaultStudyName = (strategy: StrategyName, dataset: string, targetIds: readonly string[]): string =>
  `${strategy} search on ${dataset} for ${targetIds.join(', ')}`;
