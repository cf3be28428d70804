/**
 * How long a study has left, from the training speed measured so far (issue 13): the samples its
 * budget still plans to train, over the samples per second this run has trained (wall time, so that
 * evaluation, pruning and proposals between trials are counted in). A time budget gives the time it
 * has left, capped by what a trial budget implies.
 */

export interface StudyEtaInput {
  /** Seconds since this run of the study started. */
  readonly elapsedSeconds: number;
  /** Training samples seen in this run so far (ended trials and the running one, every phase). */
  readonly samplesDone: number;
  /** Samples the running trial still plans to train (none when no trial is running). */
  readonly samplesLeftInTrial: number;
  /** Planned samples of a trial still to come: training images × (epochs + fine-tuning epochs). */
  readonly samplesPerTrial: number;
  /** Trials of the trial budget not started yet (after the running one); undefined without a trial budget. */
  readonly trialsLeft?: number;
  /** Seconds left in the time budget (negative once it is spent); undefined without a time budget. */
  readonly secondsLeft?: number;
}

export interface StudyEta {
  /** Seconds until the study ends; undefined while nothing measured says (no sample trained yet). */
  readonly seconds?: number;
  /** True when the budget is spent: no trial of the search's own starts any more, the running one finishes. */
  readonly finishing: boolean;
}

/** Measured samples per second of a run, or undefined before its first trained sample. */
export function samplesPerSecond(samplesDone: number, elapsedSeconds: number): number | undefined {
  return samplesDone > 0 && elapsedSeconds > 0 ? samplesDone / elapsedSeconds : undefined;
}

/**
 * The study's time left. With a trial budget: (the running trial's samples left + trials left ×
 * samples per trial) / samples per second. With a time budget: its seconds left, or the trial
 * budget's estimate when that is sooner. Once the budget is spent, the running trial's samples left
 * / samples per second, and `finishing`.
 */
export function studyEta(input: StudyEtaInput): StudyEta {
  const rate = samplesPerSecond(input.samplesDone, input.elapsedSeconds);
  const byRate = (samples: number): number | undefined => (rate === undefined ? undefined : Math.max(0, samples) / rate);
  const timeUp = input.secondsLeft !== undefined && input.secondsLeft <= 0;
  const trialsUp = input.trialsLeft !== undefined && input.trialsLeft <= 0;
  if (timeUp || trialsUp) {
    const seconds = byRate(input.samplesLeftInTrial);
    return { ...(seconds !== undefined ? { seconds } : {}), finishing: true };
  }
  const byTrials = input.trialsLeft === undefined ? undefined : byRate(input.samplesLeftInTrial + input.trialsLeft * input.samplesPerTrial);
  const seconds = input.secondsLeft === undefined ? byTrials : byTrials === undefined ? input.secondsLeft : Math.min(byTrials, input.secondsLeft);
  return { ...(seconds !== undefined ? { seconds } : {}), finishing: false };
}
