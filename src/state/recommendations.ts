/**
 * The model to flash on each board (issue 13): for every target a study is judged by, the most
 * accurate trial that fits that board by the deploy accounting, after the reserve kept for the
 * user's own code, and that is learning; or, when there is none, what is missing, in words.
 */
import type { StudyTrial } from '../contracts/study.ts';
import type { TargetResources } from '../contracts/trial.ts';
import { isNotLearning, learningThreshold } from '../contracts/study-objectives.ts';
import { runtimeProfiles } from '../core/runtimes.ts';
import { type Target, availableMemory } from '../core/targets.ts';
import { shortBytes } from '../core/units.ts';
import { trialNumber } from '../core/words.ts';
import type { StudyEvaluation } from './evaluation.ts';

export interface Recommendation {
  readonly target: Target;
  /** The trial to flash; undefined when none fits and learns (then `missing` says why). */
  readonly trial?: StudyTrial;
  /** As users count trials, from 1 (core/words.ts). */
  readonly trialNumber?: number;
  /** Float test accuracy, and the int8 one it was chosen by. */
  readonly testAccuracy?: number;
  readonly int8TestAccuracy?: number;
  /** What the trial uses on this board (deploy accounting), and the board's memory. */
  readonly sramBytes?: number;
  readonly flashBytes?: number;
  /** "uses 1.7 KB of 2 KB SRAM and 9.5 KB of 32 KB flash". */
  readonly usage?: string;
  /** Why this trial, in words. */
  readonly reason?: string;
  /** The trial's weights are kept (it is on the study's Pareto front): it can be downloaded. */
  readonly downloadable: boolean;
  /** What stops the recommendation, in words, when there is no trial. */
  readonly missing?: string;
  /** A caveat in words: the board's numbers are an estimate only, or the weights were not kept. */
  readonly notes: readonly string[];
}

const percent = (value: number): string => `${(value * 100).toFixed(1)} %`;

/** The accuracy a trial is recommended by: int8, as the chip runs it, or the float one if int8 is missing. */
const chosenAccuracy = (trial: StudyTrial): number => {
  const int8 = trial.metrics!.int8TestAccuracy;
  return Number.isFinite(int8) ? int8 : trial.metrics!.testAccuracy;
};

const on = (trial: StudyTrial, target: Target): TargetResources | undefined => trial.resources?.targets.find((t) => t.id === target.id);

/** "with 256 B of SRAM and 2 KB of flash kept for your code", or nothing without a reserve. */
function reserveWords(target: Target): string {
  const { sramBytes, flashBytes } = target.reserve;
  if (sramBytes === 0 && flashBytes === 0) return '';
  return ` with ${shortBytes(sramBytes)} of SRAM and ${shortBytes(flashBytes)} of flash kept for your code`;
}

/** The better of two fitting trials: more accurate (int8), then by validation, then smaller SRAM, then earlier. */
function better(a: StudyTrial, b: StudyTrial, target: Target): StudyTrial {
  const order =
    chosenAccuracy(b) - chosenAccuracy(a) ||
    b.metrics!.valAccuracy - a.metrics!.valAccuracy ||
    (on(a, target)?.sramBytes ?? 0) - (on(b, target)?.sramBytes ?? 0) ||
    a.index - b.index;
  return order <= 0 ? a : b;
}

/** Why no trial can be recommended for `target`, in words. */
function missingWords(target: Target, completed: readonly StudyTrial[], learning: readonly StudyTrial[], evaluation: StudyEvaluation): string {
  if (completed.length === 0) return `No trial has finished yet: the best model for the ${target.name} shows here when one has.`;
  const fitting = completed.filter((t) => on(t, target)?.feasible.deploy === true);
  if (fitting.length > 0) {
    const best = Math.max(...fitting.map((t) => t.metrics!.testAccuracy));
    const n = fitting.length;
    return (
      `No trial that fits the ${target.name} is learning yet: the best of the ${n} that fit reaches ${percent(best)} test accuracy, ` +
      `below the ${percent(learningThreshold(evaluation.config.searchSpace.classes))} (1.5 × chance) a network needs to count as learning.`
    );
  }
  // The trial closest to fitting: the smallest share over the memory left for the model.
  const available = availableMemory(target);
  const over = (t: StudyTrial): number => Math.max((on(t, target)?.sramBytes ?? Infinity) / available.sram, (on(t, target)?.flashBytes ?? Infinity) / available.flash);
  const smallest = (learning.length > 0 ? learning : completed).reduce((a, b) => (over(b) < over(a) ? b : a));
  const used = on(smallest, target);
  if (used === undefined) return `No trial fits the ${target.name} yet.`;
  const needs: string[] = [];
  if (used.sramBytes > available.sram) needs.push(`${shortBytes(used.sramBytes)} of SRAM, and ${shortBytes(available.sram)} is left`);
  if (used.flashBytes > available.flash) needs.push(`${shortBytes(used.flashBytes)} of flash, and ${shortBytes(available.flash)} is left`);
  const after = reserveWords(target) === '' ? '' : ' after the memory kept for your code';
  return `No trial fits the ${target.name} yet: the smallest needs ${needs.join('; and ')}${after}.`;
}

/**
 * One recommendation per target of the evaluation, in its order. `downloadable` are the trials
 * whose weights were kept (the study's own Pareto front): among the trials that fit, those are
 * preferred, since only they can be downloaded; a trial on the front is at least as accurate on
 * validation as any trial it dominates.
 */
export function recommendModels(evaluation: StudyEvaluation, downloadable: ReadonlySet<string>): Recommendation[] {
  const completed = evaluation.trials.filter((t) => t.status === 'completed' && t.metrics !== undefined && t.resources !== undefined);
  const learning = completed.filter((t) => !isNotLearning(t, evaluation.config));
  return evaluation.targets.map((target): Recommendation => {
    const estimateOnly = runtimeProfiles[target.runtime].family === 'bare-c';
    const estimateNote = `The ${target.name}'s numbers are an estimate only: there is no export for 8-bit AVR yet, so the download holds the int8 model and a TensorFlow Lite Micro program for a 32-bit board.`;
    const fitting = learning.filter((t) => on(t, target)?.feasible.deploy === true);
    if (fitting.length === 0) {
      return { target, downloadable: false, missing: missingWords(target, completed, learning, evaluation), notes: estimateOnly ? [estimateNote] : [] };
    }
    const kept = fitting.filter((t) => downloadable.has(t.id));
    const pool = kept.length > 0 ? kept : fitting;
    const trial = pool.reduce((a, b) => better(a, b, target));
    const used = on(trial, target)!;
    const m = trial.metrics!;
    const byInt8 = Number.isFinite(m.int8TestAccuracy);
    const among =
      kept.length > 0 && kept.length < fitting.length
        ? `of the ${kept.length} Pareto-front trials (which keep their weights) among the ${fitting.length} that fit`
        : `of the ${fitting.length} trials that fit`;
    const reason =
      fitting.length === 1
        ? `The only learning trial that fits the ${target.name}${reserveWords(target)}.`
        : `The most accurate ${among} the ${target.name}${reserveWords(target)}, by its ${byInt8 ? 'int8 ' : ''}test accuracy.`;
    const notes: string[] = [];
    if (estimateOnly) notes.push(estimateNote);
    if (kept.length === 0) notes.push('Its weights were not kept (only trials on the Pareto front keep theirs): open it in the estimator and train it again to download it.');
    return {
      target,
      trial,
      trialNumber: trialNumber(trial.index),
      testAccuracy: m.testAccuracy,
      int8TestAccuracy: m.int8TestAccuracy,
      sramBytes: used.sramBytes,
      flashBytes: used.flashBytes,
      usage: `uses ${shortBytes(used.sramBytes)} of ${shortBytes(target.sramBytes)} SRAM and ${shortBytes(used.flashBytes)} of ${shortBytes(target.flashBytes)} flash`,
      reason,
      downloadable: kept.length > 0,
      notes,
    };
  });
}
