/**
 * A study seen under the targets and accounting the user picks now, which may differ from the ones
 * it was searched with (issue 5: changing targets after a search re-evaluates feasibility and the
 * Pareto front at once, without retraining). A completed trial keeps its non-zero weights per op, so
 * its resources are estimated again exactly for any target; its accuracy does not change.
 */
import type { Study, StudyConfig, StudyTrial, TargetSpec } from '../contracts/study.ts';
import type { TargetResources, TrialResources } from '../contracts/trial.ts';
import { observationOf, problemOf } from '../contracts/study-objectives.ts';
import { observedFront, observedHypervolume } from '../core/search/index.ts';
import { measurementFromNonzero } from '../core/ops.ts';
import { type Accounting, type Estimate, estimate, verdictFor } from '../core/resources.ts';
import { flashBytes, sramBytes } from '../core/units.ts';
import type { Target } from '../core/targets.ts';

export interface EvaluationSettings {
  readonly targets: readonly TargetSpec[];
  readonly accounting: Accounting;
}

export interface StudyEvaluation {
  /** The study's config with the settings' targets and accounting. */
  readonly config: StudyConfig;
  readonly targets: readonly Target[];
  /** The trials with their resources for those targets (completed ones; the others as they are). */
  readonly trials: readonly StudyTrial[];
  readonly paretoFront: ReadonlySet<string>;
  /** Fits every target under the accounting; undefined for a trial without resources. */
  readonly feasible: ReadonlyMap<string, boolean>;
  /** Hypervolume after each trial, in proposal order (the study's progress). */
  readonly hypervolume: readonly { readonly trial: number; readonly hypervolume: number }[];
}

/**
 * The estimate of a trial's architecture on `targets`, with its measured non-zero weights when the
 * trial has them (trials from files written before they were recorded are estimated dense).
 */
export function trialEstimate(trial: StudyTrial, targets: readonly Target[]): Estimate {
  const counts = trial.resources?.nonzeroWeightsByOp;
  return estimate(trial.architecture, targets, counts ? { measurement: measurementFromNonzero(trial.architecture, counts) } : {});
}

/** The trial's resources on `targets`: the stored ones when nothing changed, else estimated again. */
function resourcesOn(trial: StudyTrial, targets: readonly Target[]): TrialResources | undefined {
  const stored = trial.resources;
  if (!stored) return undefined;
  const same = stored.targets.length === targets.length && stored.targets.every((t, i) => t.id === targets[i]!.id);
  if (same) {
    // The numbers stand; the verdicts are taken again, since a target's reserve may differ from the
    // one the trial was judged with (a preset's own reserve, or one the user changed).
    const judged = stored.targets.map((t, i): TargetResources => {
      const target = targets[i]!;
      const paper = verdictFor(target, 'paper', flashBytes(stored.modelSizeBytes), sramBytes(stored.workingMemoryBytes)).fits;
      const deploy = verdictFor(target, 'deploy', flashBytes(t.flashBytes), sramBytes(t.sramBytes)).fits;
      return paper === t.feasible.paper && deploy === t.feasible.deploy ? t : { ...t, feasible: { paper, deploy } };
    });
    return judged.every((t, i) => t === stored.targets[i]) ? stored : { ...stored, targets: judged };
  }
  const e = trialEstimate(trial, targets);
  const perTarget = e.targets.map(
    (t): TargetResources => ({
      id: t.target.id,
      flashBytes: t.deploy.flashBytes,
      sramBytes: t.deploy.sramBytes,
      latencyMs: t.latencyMs,
      feasible: {
        // The stored paper numbers were measured on the trained weights: they decide, even for a
        // trial from an older file that has no per-op counts (then the estimate above is dense).
        paper: verdictFor(t.target, 'paper', flashBytes(stored.modelSizeBytes), sramBytes(stored.workingMemoryBytes)).fits,
        deploy: t.verdicts.deploy.fits,
      },
    }),
  );
  // Paper accounting depends on no target: the measured numbers stay, whatever was stored.
  const first = e.targets[0];
  return { ...stored, flashBytes: first?.deploy.flashBytes ?? stored.flashBytes, sramBytes: first?.deploy.sramBytes ?? stored.sramBytes, targets: perTarget };
}

/** The study under `settings` (its own targets and accounting when none are given). */
export function evaluateStudy(study: Study, trials: readonly StudyTrial[], settings?: EvaluationSettings): StudyEvaluation {
  const config: StudyConfig = settings ? { ...study.config, targets: settings.targets, accounting: settings.accounting } : study.config;
  // Built once; it also checks custom targets, throwing a TargetError in words the caller shows.
  const { targets, bounds } = problemOf(config);
  const evaluated = trials.map((trial) => {
    const resources = trial.status === 'completed' || trial.status === 'stopped' ? resourcesOn(trial, targets) : trial.resources;
    return resources === trial.resources ? trial : { ...trial, ...(resources ? { resources } : {}) };
  });
  const feasible = new Map<string, boolean>();
  for (const trial of evaluated) {
    if (trial.resources) feasible.set(trial.id, trial.resources.targets.every((t) => t.feasible[config.accounting]));
  }
  // Each trial's observation once: for the front and for every prefix of the hypervolume series.
  const ordered = [...evaluated].sort((a, b) => a.index - b.index);
  const observations = ordered.map((trial) => observationOf(trial, config));
  const hypervolume: { trial: number; hypervolume: number }[] = [];
  ordered.forEach((trial, i) => {
    if (trial.status === 'completed') hypervolume.push({ trial: trial.index, hypervolume: observedHypervolume(observations.slice(0, i + 1), bounds) });
  });
  const paretoFront = new Set(observedFront(observations).map((i) => ordered[i]!.id));
  return { config, targets, trials: evaluated, paretoFront, feasible, hypervolume };
}

/** True when the settings are the study's own (nothing to re-evaluate). */
export function sameSettings(config: StudyConfig, settings: EvaluationSettings): boolean {
  return config.accounting === settings.accounting && JSON.stringify(config.targets) === JSON.stringify(settings.targets);
}
