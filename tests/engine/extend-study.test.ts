/** "Extend by N minutes / trials" for a finished study: the budget it runs on next (issue 13). */
import { describe, expect, it } from 'vitest';
import type { Study, StudyTrial } from '../../src/contracts/study.ts';
import { extendedBudget } from '../../src/engine/extend-study.ts';
import { config, study, trials } from '../contracts/study-fixture.ts';

const finished = (budget: Study['config']['budget']): Study => ({ ...study, status: 'completed', config: { ...config, budget } });
// The fixture's trials: completed, failed, skipped, completed, running, queued, stopped → 4 trained.
const trained = trials.filter((t) => ['completed', 'failed', 'stopped'].includes(t.status));

describe('extendedBudget', () => {
  it('adds minutes after those spent, so that the next run lasts that long from now', () => {
    expect(trained).toHaveLength(4);
    expect(extendedBudget(finished({ minutes: 2 }), trials, { minutes: 3 })).toEqual({ config: { ...config, budget: { minutes: 5 } }, minutesSpent: 2 });
    expect(extendedBudget(finished({ minutes: 0.5 }), trials, { minutes: 1 })).toEqual({ config: { ...config, budget: { minutes: 1.5 } }, minutesSpent: 0.5 });
  });

  it('adds trials to those trained, even when the user\'s own trials went past the old budget', () => {
    expect(extendedBudget(finished({ trials: 4 }), trials, { trials: 2 })).toEqual({ config: { ...config, budget: { trials: 6 } }, minutesSpent: 0 });
    expect(extendedBudget(finished({ trials: 3 }), trials, { trials: 2 })).toEqual({ config: { ...config, budget: { trials: 6 } }, minutesSpent: 0 });
    // A time budget next to it stays, and its run starts from 0 as a resume's does.
    expect(extendedBudget(finished({ trials: 4, minutes: 30 }), trials, { trials: 1 })).toEqual({ config: { ...config, budget: { trials: 5, minutes: 30 } }, minutesSpent: 0 });
  });

  it('refuses in words what would not extend a finished study', () => {
    expect(() => extendedBudget({ ...finished({ minutes: 2 }), status: 'stopped' }, trials, { minutes: 1 })).toThrow(
      `only a study that finished can be extended; "${config.name}" is stopped: resume it instead`,
    );
    expect(() => extendedBudget(finished({ minutes: 2 }), trials, {})).toThrow('say how many minutes or trials to extend the study by');
    expect(() => extendedBudget(finished({ minutes: 2 }), trials, { minutes: 0 })).toThrow('extend by a positive number of minutes, not 0');
    expect(() => extendedBudget(finished({ trials: 4 }), trials, { trials: 1.5 })).toThrow('extend by a whole number of trials of at least 1, not 1.5');
    expect(() => extendedBudget(finished({ trials: 4, minutes: 1 }), trials as StudyTrial[], { minutes: 1 })).toThrow(
      `"${config.name}" has trained its 4 trials: extend it by trials, or more minutes would train none`,
    );
  });
});
