/**
 * SpArSe's three objectives, all minimised: validation error, the flash-side bytes (model size in
 * paper accounting, flash in deploy) and the SRAM-side bytes (working memory, or SRAM). Also the
 * bounds that make them comparable: error is already a fraction, bytes are divided by what the
 * targets leave for the model.
 */
import type { Accounting } from '../resources.ts';
import { type Target, availableMemory } from '../targets.ts';
import type { PredictedResources } from './candidate.ts';

/** (error, flash-side bytes, SRAM-side bytes), all minimised. */
export type Objectives = readonly [error: number, flash: number, sram: number];

export const objectiveNames = ['error', 'flash', 'sram'] as const;

/** The objectives of a trained candidate: its error and the byte objectives of its (measured or predicted) resources. */
export function objectivesOf(error: number, resources: Pick<PredictedResources, 'flashBytes' | 'sramBytes'>): Objectives {
  return [error, resources.flashBytes, resources.sramBytes];
}

/**
 * What each objective is divided by: 1 for the error (a fraction already), and for the bytes the
 * memory the model may use, so that every candidate that fits lies in [0, 1]³.
 * - paper: the objectives do not depend on the target, and a feasible candidate fits every target,
 *   so the bound is the smallest available flash and SRAM among the targets;
 * - deploy: the objectives are the first target's numbers, so the bound is that target's memory.
 * Available memory is the target's memory minus the user's reserve (targets.ts).
 */
export function objectiveBounds(targets: readonly Target[], accounting: Accounting): Objectives {
  if (targets.length === 0) throw new Error('objectiveBounds: at least one target is needed to bound the memory objectives');
  const available = targets.map(availableMemory);
  if (accounting === 'deploy') return [1, available[0]!.flash, available[0]!.sram];
  return [1, Math.min(...available.map((a) => a.flash)), Math.min(...available.map((a) => a.sram))];
}

/**
 * Each objective divided by its bound: (error / 1, flash / flash bound, sram / sram bound). A
 * candidate that fits has every value in [0, 1]; the hypervolume's reference point is (1, 1, 1).
 */
export function normalise(objectives: Objectives, bounds: Objectives): Objectives {
  return [objectives[0] / bounds[0], objectives[1] / bounds[1], objectives[2] / bounds[2]];
}
