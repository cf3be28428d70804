/** The time left as the run panel shows it: counted down each second between the worker's reports (issue 13). */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StudyProgress } from '../../src/contracts/search-worker.ts';
import { Clock } from '../../src/state/clock.svelte.ts';
import { aFewSeconds, durationWords, etaWords, shownEta } from '../../src/state/countdown.ts';
import { StudyState } from '../../src/state/study.svelte.ts';
import { study } from '../contracts/study-fixture.ts';

const report = (etaSeconds: number | undefined, finishing = false): StudyProgress => ({
  studyId: study.id,
  trialIndex: 2,
  trialsDone: 2,
  elapsedSeconds: 30,
  ...(etaSeconds !== undefined ? { etaSeconds } : {}),
  ...(finishing ? { finishing } : {}),
});

describe('shownEta and etaWords', () => {
  it('counts the estimate down by the seconds since it was made, never below a few seconds', () => {
    expect(shownEta(report(40), 0)).toEqual({ kind: 'left', seconds: 40 });
    expect(shownEta(report(40), 12.5)).toEqual({ kind: 'left', seconds: 27.5 });
    expect(shownEta(report(40), 39)).toEqual({ kind: 'left', seconds: aFewSeconds });
    expect(shownEta(report(40), 400)).toEqual({ kind: 'left', seconds: 5 });
    expect(shownEta(report(undefined), 3)).toEqual({ kind: 'estimating' });
    expect(shownEta(report(12, true), 2)).toEqual({ kind: 'finishing', seconds: 10 });
    expect(shownEta(report(undefined, true), 2)).toEqual({ kind: 'finishing' });
  });

  it('says it in words', () => {
    expect(etaWords({ kind: 'left', seconds: 125.4 })).toBe('about 2 min 05 s left');
    expect(etaWords({ kind: 'left', seconds: 39.6 })).toBe('about 40 s left');
    expect(etaWords({ kind: 'left', seconds: 5 })).toBe('a few seconds left');
    expect(etaWords({ kind: 'estimating' })).toBe('time left: estimating from the first samples trained');
    expect(etaWords({ kind: 'finishing', seconds: 8 })).toBe('budget spent: finishing the last trial');
    expect(durationWords(59.5)).toBe('1 min 00 s');
  });
});

describe('the countdown of a study', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-11-25T10:00:00.000Z'));
  });
  afterEach(() => vi.useRealTimers());

  it('moves every second while the clock ticks, from the latest report, and stops when the clock stops', () => {
    const clock = new Clock();
    const state = new StudyState(study);
    expect(state.etaAt(clock.now)).toBeUndefined();
    clock.start();
    state.recordProgress(report(40));
    expect(state.etaAt(clock.now)).toEqual({ kind: 'left', seconds: 40 });
    expect(state.elapsedAt(clock.now)).toBe(30);
    vi.advanceTimersByTime(999);
    expect(state.etaAt(clock.now)).toEqual({ kind: 'left', seconds: 40 });
    vi.advanceTimersByTime(1);
    expect(state.etaAt(clock.now)).toEqual({ kind: 'left', seconds: 39 });
    vi.advanceTimersByTime(10_000);
    expect(state.etaAt(clock.now)).toEqual({ kind: 'left', seconds: 29 });
    expect(state.elapsedAt(clock.now)).toBe(41);
    // A new report restarts the count from its own estimate.
    state.recordProgress(report(100));
    expect(state.etaAt(clock.now)).toEqual({ kind: 'left', seconds: 100 });
    vi.advanceTimersByTime(3000);
    expect(state.etaAt(clock.now)).toEqual({ kind: 'left', seconds: 97 });
    // Long past the estimate it says "a few seconds", never 0 or less.
    vi.advanceTimersByTime(600_000);
    expect(etaWords(state.etaAt(clock.now)!)).toBe('a few seconds left');
    clock.stop();
    expect(clock.ticking).toBe(false);
    const stoppedAt = clock.now;
    vi.advanceTimersByTime(5000);
    expect(clock.now).toBe(stoppedAt);
  });
});
