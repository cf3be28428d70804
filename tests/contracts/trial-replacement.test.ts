/** The rule every StudyStore applies to a trial's write: a trial that ended never goes back (issue 14). */
import { describe, expect, it } from 'vitest';
import { finalTrialStatuses, trialMayReplace, trialReplacementProblem } from '../../src/contracts/study.ts';
import type { TrialStatus } from '../../src/contracts/trial.ts';
import { trials } from './study-fixture.ts';

const statuses: readonly TrialStatus[] = ['queued', 'running', 'completed', 'stopped', 'failed', 'skipped'];
const withStatus = (status: TrialStatus) => ({ ...trials[0]!, status });

describe('trialMayReplace', () => {
  it('lets any write replace nothing, or a trial still queued or running', () => {
    for (const next of statuses) {
      expect(trialMayReplace(undefined, withStatus(next))).toBe(true);
      expect(trialMayReplace(withStatus('queued'), withStatus(next))).toBe(true);
      expect(trialMayReplace(withStatus('running'), withStatus(next))).toBe(true);
    }
  });

  it('refuses, in words, to write a trial that ended back as queued or running; a finished one may be written again', () => {
    expect(finalTrialStatuses).toEqual(['completed', 'stopped', 'failed', 'skipped']);
    for (const stored of finalTrialStatuses) {
      for (const next of finalTrialStatuses) expect(trialReplacementProblem(withStatus(stored), withStatus(next))).toBeUndefined();
      for (const next of ['queued', 'running'] as const) {
        expect(trialMayReplace(withStatus(stored), withStatus(next))).toBe(false);
        expect(trialReplacementProblem(withStatus(stored), withStatus(next))).toBe(
          `trial 0 ("${trials[0]!.id}") is stored as ${stored}; a trial that ended is never written back as ${next}`,
        );
      }
    }
  });
});
