/**
 * What a new study of `npm run search` is made of, from the command line: its settings and config,
 * shared by a study file (search-command.ts) and a shared study in PostgreSQL (search-shared.ts).
 */
import { defaultPruningSpace } from '../core/search/index.ts';
import { defaultSearchSpace } from '../core/search-space.ts';
import { epochsPerTrial } from '../core/training-recipe.ts';
import { type StudyConfig, defaultStudyName, studyTrainingDefaults } from '../contracts/study.ts';
import type { Dataset } from '../data/dataset.ts';
import type { GivenSettings } from './study-file.ts';

/** The settings of a new study, as given on the command line (each may be left out). */
export type NewStudySettings = GivenSettings;

/** A new study's config from the command line's settings, on `dataset`; `name` defaults to the strategy, dataset and targets. */
export function newStudyConfig(settings: NewStudySettings, dataset: Dataset, name?: string): StudyConfig {
  const { trials, minutes, strategy } = settings;
  const { height, width, channels } = dataset.train;
  const budgetTrials = trials ?? (minutes === undefined ? 10 : undefined);
  return {
    name: name ?? defaultStudyName(strategy ?? 'mobo', dataset.id, settings.targets ?? []),
    dataset: dataset.id,
    targets: settings.targetSpecs ?? [],
    // What the chip needs judges by default (issue 13), as in the playground.
    accounting: settings.accounting ?? 'deploy',
    searchSpace: defaultSearchSpace({ height, width, channels }, dataset.classNames.length),
    pruning: defaultPruningSpace,
    strategy: strategy ?? 'mobo',
    budget: { ...(budgetTrials !== undefined ? { trials: budgetTrials } : {}), ...(minutes !== undefined ? { minutes } : {}) },
    epochs: settings.epochs ?? epochsPerTrial(dataset.train.count),
    ...studyTrainingDefaults,
    seed: settings.seed ?? 1,
    earlyStopping: !settings.noEarlyStop,
  };
}

export interface SearchIo {
  readonly progress?: NodeJS.WriteStream;
  /** Stops the study between batches (src/cli/search.ts aborts it on SIGINT and SIGTERM). */
  readonly signal?: AbortSignal;
}

