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

export type StudyStatus = 'running' | 'paused' | 'stopped' | 'completed';

export interface Study {
  readonly id: string;
  readonly config: StudyConfig;
  readonly status: StudyStatus;
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
}

/** The shareable study document: what "Export JSON" downloads and `npm run search --out` writes. */
export interface StudyDocument {
  readonly schemaVersion: 1;
  readonly kind: 'sparse-search-study';
  /**
   * `status` is written only for a study that spent its budget ('completed'), so that an import keeps
   * it finished; without it (older files, or a study stopped or interrupted) an import is 'stopped'.
   */
  readonly study: { readonly id: string; readonly createdAt: string; readonly config: StudyConfig; readonly status?: 'completed' | 'stopped' };
  readonly trials: readonly Omit<StudyTrial, 'studyId'>[];
  /** Ids of the trials on the Pareto front (error × flash × SRAM, under the study's accounting). */
  readonly paretoFront: readonly string[];
  readonly environment: { readonly tfjsVersion: string; readonly backend: string; readonly userAgent: string };
}

/**
 * Where a study's trials are kept while it runs: IndexedDB in the browser (src/db), a JSON file in
 * Node (src/engine). The study loop only sees this.
 */
export interface StudyStore {
  /** The study's trials so far, in proposal order. */
  listTrials(studyId: string): Promise<StudyTrial[]>;
  /** Writes one trial, with the weights of a trial on the Pareto front, in one transaction. */
  saveTrial(trial: StudyTrial, weights?: readonly StoredOpWeights[]): Promise<void>;
  /** Drops the weights of trials that left the Pareto front. */
  deleteWeights(trialIds: readonly string[]): Promise<void>;
  /** Stores the study's status and config; its id and createdAt are kept and updatedAt is stamped. */
  updateStudy(study: Study): Promise<Study>;
}

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
