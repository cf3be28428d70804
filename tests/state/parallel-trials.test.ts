/**
 * Trials at once (issue 15): what this machine suggests, the check in words that the worker and the
 * setup share, and the setup's own field, which stays out of the share link.
 */
import { describe, expect, it } from 'vitest';
import { defaultParallelTrials, maxParallelTrials, parallelTrialsProblem } from '../../src/contracts/search-worker.ts';
import { expectedDuration } from '../../src/state/setup-config.ts';
import { SetupState, builtinDatasetChoices } from '../../src/state/setup.svelte.ts';

describe('defaultParallelTrials', () => {
  it('is half the logical cores, at least 1 and at most 4', () => {
    expect([1, 2, 3, 4, 6, 8, 16, 64].map(defaultParallelTrials)).toEqual([1, 1, 1, 2, 3, 4, 4, 4]);
  });

  it('is 1 when the browser does not say', () => {
    expect(defaultParallelTrials(undefined)).toBe(1);
    expect(defaultParallelTrials(Number.NaN)).toBe(1);
    expect(defaultParallelTrials(0)).toBe(1);
  });
});

describe('parallelTrialsProblem', () => {
  it('takes the whole numbers from 1 to 8', () => {
    expect(maxParallelTrials).toBe(8);
    expect([1, 2, 5, 8].map(parallelTrialsProblem)).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('says in words what is wrong with anything else', () => {
    expect(parallelTrialsProblem(0)).toBe('the number of trials at once must be a whole number from 1 to 8, got 0');
    expect(parallelTrialsProblem(9)).toBe('the number of trials at once must be a whole number from 1 to 8, got 9');
    expect(parallelTrialsProblem(1.5)).toBe('the number of trials at once must be a whole number from 1 to 8, got 1.5');
    expect(parallelTrialsProblem(Number.NaN)).toBe('the number of trials at once must be a whole number from 1 to 8, got no number');
    expect(parallelTrialsProblem(undefined)).toBe('the number of trials at once must be a whole number from 1 to 8, got no number');
    expect(parallelTrialsProblem('2')).toBe('the number of trials at once must be a whole number from 1 to 8, got the text "2"');
    expect(parallelTrialsProblem({})).toBe('the number of trials at once must be a whole number from 1 to 8, got a value of type object');
  });
});

describe('the setup\'s trials at once', () => {
  it('starts at what the machine suggests, and says how many cores it reports', () => {
    const eight = new SetupState(builtinDatasetChoices, 8);
    expect([eight.parallelTrials, eight.suggestedParallelTrials, eight.cores]).toEqual([4, 4, 8]);
    const two = new SetupState(builtinDatasetChoices, 2);
    expect([two.parallelTrials, two.suggestedParallelTrials]).toEqual([1, 1]);
    const unknown = new SetupState();
    expect([unknown.parallelTrials, unknown.cores]).toEqual([1, undefined]);
  });

  it('stops the search with a problem named by the field until it is a whole number from 1 to 8', () => {
    const setup = new SetupState(builtinDatasetChoices, 8);
    const config = setup.config;
    expect(config).toBeDefined();
    setup.setParallelTrials(12);
    expect(setup.errors).toEqual([{ field: 'Trials at once', message: 'must be a whole number from 1 to 8, got 12' }]);
    expect(setup.config).toBeUndefined();
    setup.setParallelTrials(Number.NaN);
    expect(setup.errors).toEqual([{ field: 'Trials at once', message: 'must be a whole number from 1 to 8, got no number' }]);
    setup.setParallelTrials(2);
    expect(setup.errors).toEqual([]);
    // Not part of the study: the config is the same whatever the machine runs at once.
    expect(setup.config).toEqual(config);
  });

  it('remembers a number that can be used for the next visit, and starts from it', () => {
    const stored: string[] = [];
    const memory = { read: () => stored.at(-1) ?? null, write: (value: string) => void stored.push(value) };
    const first = new SetupState(builtinDatasetChoices, 8, memory);
    expect(first.parallelTrials).toBe(4);
    first.setParallelTrials(12);
    first.setParallelTrials(Number.NaN);
    first.setParallelTrials(2);
    expect(stored).toEqual(['2']);
    expect(new SetupState(builtinDatasetChoices, 8, memory).parallelTrials).toBe(2);
    // What cannot be used (an old or edited value) gives way to the suggestion.
    expect(new SetupState(builtinDatasetChoices, 8, { read: () => '99', write: () => {} }).parallelTrials).toBe(4);
  });

  it('is not in the share link, and a link, the quick demo or a stored study leave it as it is', () => {
    const setup = new SetupState(builtinDatasetChoices, 8);
    setup.setParallelTrials(3);
    const hash = setup.toHash();
    expect(hash).not.toMatch(/parallel|at-once|trials-at/i);
    expect(new SetupState(builtinDatasetChoices, 8).toHash()).toBe(hash);
    expect(setup.applyHash(hash)).toEqual([]);
    setup.loadQuickDemo();
    setup.fromConfig(setup.config!);
    expect(setup.parallelTrials).toBe(3);
  });
});

describe('the expected duration with several trials at once', () => {
  const digits = builtinDatasetChoices.find((d) => d.id === 'digits')!;

  it('gives one at a time and P times sooner, which needs P free cores', () => {
    expect(expectedDuration({ minutes: undefined, trials: 40, epochs: 15 }, digits, 5000, 2)).toBe(
      'about 2 min one at a time at the training speed measured here (5,000 images/s), down to about 1 min with 2 at once where 2 cores are free, if no trial stops early',
    );
    expect(expectedDuration({ minutes: 10, trials: 40, epochs: 15 }, digits, 5000, 4)).toBe(
      'about 2 min one at a time (40 trials at the speed measured here), down to about 30 s with 4 at once where 4 cores are free, at most 10 min',
    );
    expect(expectedDuration({ minutes: 1, trials: undefined, epochs: 15 }, digits, 5000, 2)).toBe('about 1 min: the time budget, plus the trials running when it ends');
  });

  it('is as before with one at a time, or while the field does not read', () => {
    expect(expectedDuration({ minutes: undefined, trials: 10, epochs: 15 }, digits, 5000, 1)).toBe('about 30 s at the training speed measured here (5,000 images/s), if no trial stops early');
    expect(expectedDuration({ minutes: undefined, trials: 10, epochs: 15 }, digits, 5000, Number.NaN)).toBe('about 30 s at the training speed measured here (5,000 images/s), if no trial stops early');
  });
});
