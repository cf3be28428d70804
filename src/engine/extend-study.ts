/**
 * "Extend by N minutes / N trials" for a study that spent its budget (issue 13): the budget it runs
 * on next. The study loop counts a time budget from the start of each run (a resume gets the whole
 * budget again), so N more minutes from now is a budget of (minutes spent + N) with those minutes
 * spent handed to the run (RunStudyOptions.minutesSpent); N more trials are N more than it has
 * trained, even when queued trials of the user's took it past its old budget.
 */
import type { Study, StudyConfig, StudyTrial } from '../contracts/study.ts';
import type { StudyExtension } from '../contracts/search-worker.ts';

export interface ExtendedBudget {
  readonly config: StudyConfig;
  /** For RunStudyOptions.minutesSpent: the minutes of the new budget already spent. */
  readonly minutesSpent: number;
}

/** Throws in words when the study cannot be extended so (not finished, or an extension that adds nothing). */
export function extendedBudget(study: Study, trials: readonly StudyTrial[], extension: StudyExtension): ExtendedBudget {
  const name = `"${study.config.name}"`;
  if (study.status !== 'completed') throw new Error(`only a study that finished can be extended; ${name} is ${study.status}: resume it instead`);
  const { minutes, trials: moreTrials } = extension;
  if (minutes === undefined && moreTrials === undefined) throw new Error('say how many minutes or trials to extend the study by');
  if (minutes !== undefined && !(Number.isFinite(minutes) && minutes > 0)) throw new Error(`extend by a positive number of minutes, not ${minutes}`);
  if (moreTrials !== undefined && !(Number.isInteger(moreTrials) && moreTrials > 0)) throw new Error(`extend by a whole number of trials of at least 1, not ${moreTrials}`);
  const old = study.config.budget;
  const trained = trials.filter((t) => t.status === 'completed' || t.status === 'stopped' || t.status === 'failed').length;
  if (moreTrials === undefined && old.trials !== undefined && trained >= old.trials) {
    throw new Error(`${name} has trained its ${old.trials} trials: extend it by trials, or more minutes would train none`);
  }
  const minutesSpent = minutes === undefined ? 0 : (old.minutes ?? 0);
  const budget = {
    ...(moreTrials !== undefined ? { trials: Math.max(old.trials ?? 0, trained) + moreTrials } : old.trials !== undefined ? { trials: old.trials } : {}),
    ...(minutes !== undefined ? { minutes: minutesSpent + minutes } : old.minutes !== undefined ? { minutes: old.minutes } : {}),
  };
  return { config: { ...study.config, budget }, minutesSpent };
}
