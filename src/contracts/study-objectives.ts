/**
 * What a study's trials are judged by (DESIGN.md §5): SpArSe's objectives of a trial, its Pareto
 * front and the hypervolume under the study's targets and accounting. The engine steers the search
 * with them, the export document lists the front, and the page re-evaluates a study with them when
 * the user changes its targets, without any training.
 */
import { type Candidate, type Observation, type Objectives, type SearchProblem, createSearchProblem, observedFront, observedHypervolume } from '../core/search/index.ts';
import { type Target, parseTargetSpec } from '../core/targets.ts';
import type { StudyConfig, StudyTrial, TargetSpec } from './study.ts';

/** A target of a config, as a Target: a preset id, a preset with its own reserve, or a custom target's JSON. */
export function resolveTargetSpec(spec: TargetSpec): Target {
  return parseTargetSpec(spec);
}

/**
 * The rule for a network that is not learning: its test accuracy is below 1.5 times chance (1 in
 * `classes`), e.g. under 15 % on 10 classes. Such a trial may be tiny, and so look like a good
 * trade-off, but it is no classifier: it is never on the Pareto front, never counts towards the
 * hypervolume and is never recommended (issue 13).
 */
export const notLearningFactor = 1.5;

/** The test accuracy below which a trial on `classes` classes is not learning. */
export const learningThreshold = (classes: number): number => notLearningFactor / classes;

/** True when the measured trial's test accuracy is below the threshold; false when it has none. */
export function isNotLearning(trial: StudyTrial, config: StudyConfig): boolean {
  return trial.metrics !== undefined && trial.metrics.testAccuracy < learningThreshold(config.searchSpace.classes);
}

/** The search problem of a study config. */
export function problemOf(config: StudyConfig): SearchProblem {
  return createSearchProblem({ space: config.searchSpace, pruning: config.pruning, targets: config.targets.map(resolveTargetSpec), accounting: config.accounting });
}

/**
 * SpArSe's objectives of a measured trial (completed, or stopped early): validation error and the
 * byte objectives of its accounting.
 */
export function trialObjectives(trial: StudyTrial, config: StudyConfig): Objectives | null {
  if ((trial.status !== 'completed' && trial.status !== 'stopped') || !trial.metrics || !trial.resources) return null;
  const r = trial.resources;
  return config.accounting === 'paper' ? [1 - trial.metrics.valAccuracy, r.modelSizeBytes, r.workingMemoryBytes] : [1 - trial.metrics.valAccuracy, r.flashBytes, r.sramBytes];
}

export const candidateOf = (trial: StudyTrial): Candidate => ({
  architecture: trial.sampledArchitecture ?? trial.architecture,
  pruning: { method: trial.hyperparameters.pruning.method, sparsity: trial.hyperparameters.pruning.sparsity },
});

/**
 * A trial as the strategies see it; one stopped early is a partial observation and one that is not
 * learning is marked so: neither is ever on the front.
 */
export function observationOf(trial: StudyTrial, config: StudyConfig): Observation {
  const objectives = trialObjectives(trial, config);
  const feasible = objectives !== null && (trial.resources?.targets.every((t) => t.feasible[config.accounting]) ?? false);
  return {
    candidate: candidateOf(trial),
    objectives,
    feasible,
    ...(trial.status === 'stopped' ? { partial: true } : {}),
    ...(isNotLearning(trial, config) ? { notLearning: true } : {}),
  };
}

/** Hypervolume of a study's feasible, learning, completed trials, normalised by its targets' memory (reference (1, 1, 1)). */
export function studyHypervolume(trials: readonly StudyTrial[], config: StudyConfig): number {
  return observedHypervolume(
    trials.map((t) => observationOf(t, config)),
    problemOf(config).bounds,
  );
}

/** Ids of the Pareto-front trials (feasible, measured, learning, non-dominated) under the study's accounting. */
export function paretoFrontIds(trials: readonly StudyTrial[], config: StudyConfig): string[] {
  return observedFront(trials.map((t) => observationOf(t, config))).map((i) => trials[i]!.id);
}

