/**
 * The time left as the run panel shows it (issue 13): the worker's latest estimate, counted down by
 * the seconds since it was made, so that it moves every second between reports; never below "a few
 * seconds" while the search runs, since an estimate that ran out only means the work took longer.
 */
import type { StudyProgress } from '../contracts/search-worker.ts';

/** Below this the panel says "a few seconds" rather than a number that would stop or go negative. */
export const aFewSeconds = 5;

export type ShownEta =
  /** Nothing measured yet (no sample trained, and no time budget). */
  | { readonly kind: 'estimating' }
  /** The budget is spent: the running trial finishes, in about `seconds` when known. */
  | { readonly kind: 'finishing'; readonly seconds?: number }
  | { readonly kind: 'left'; readonly seconds: number };

/** The estimate in `progress`, `sinceSeconds` after it was made. */
export function shownEta(progress: Pick<StudyProgress, 'etaSeconds' | 'finishing'>, sinceSeconds: number): ShownEta {
  const left = progress.etaSeconds === undefined ? undefined : Math.max(aFewSeconds, progress.etaSeconds - Math.max(0, sinceSeconds));
  if (progress.finishing) return left === undefined ? { kind: 'finishing' } : { kind: 'finishing', seconds: left };
  return left === undefined ? { kind: 'estimating' } : { kind: 'left', seconds: left };
}

/** "1 min 05 s", "12 s" (rounded to the second). */
export function durationWords(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return s >= 60 ? `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s` : `${s} s`;
}

/** How the run panel says it, e.g. "about 1 min 05 s left", "a few seconds left", "finishing the last trial". */
export function etaWords(eta: ShownEta): string {
  if (eta.kind === 'estimating') return 'time left: estimating from the first samples trained';
  if (eta.kind === 'finishing') return 'budget spent: finishing the last trial';
  return eta.seconds <= aFewSeconds ? 'a few seconds left' : `about ${durationWords(eta.seconds)} left`;
}
