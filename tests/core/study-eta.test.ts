/** The study's time left, from the samples its budget still plans and the samples per second measured (issue 13). */
import { describe, expect, it } from 'vitest';
import { samplesPerSecond, studyEta } from '../../src/core/study-eta.ts';

describe('studyEta', () => {
  it('is the samples left over the measured samples per second, with a trial budget', () => {
    // 6,000 samples in 20 s: 300 samples/s. Left: 1,500 of the running trial + 3 trials × 3,000 = 10,500 → 35 s.
    expect(samplesPerSecond(6000, 20)).toBe(300);
    expect(studyEta({ elapsedSeconds: 20, samplesDone: 6000, samplesLeftInTrial: 1500, samplesPerTrial: 3000, trialsLeft: 3 })).toEqual({ seconds: 35, finishing: false });
  });

  it('is the time left in a time budget, capped by what the trial budget implies', () => {
    expect(studyEta({ elapsedSeconds: 20, samplesDone: 6000, samplesLeftInTrial: 1500, samplesPerTrial: 3000, secondsLeft: 100 })).toEqual({ seconds: 100, finishing: false });
    expect(studyEta({ elapsedSeconds: 20, samplesDone: 6000, samplesLeftInTrial: 1500, samplesPerTrial: 3000, trialsLeft: 3, secondsLeft: 100 })).toEqual({ seconds: 35, finishing: false });
    expect(studyEta({ elapsedSeconds: 20, samplesDone: 6000, samplesLeftInTrial: 1500, samplesPerTrial: 3000, trialsLeft: 3, secondsLeft: 30 })).toEqual({ seconds: 30, finishing: false });
  });

  it('knows a time budget from the start, and a trial budget only once a sample was trained', () => {
    expect(studyEta({ elapsedSeconds: 2, samplesDone: 0, samplesLeftInTrial: 3000, samplesPerTrial: 3000, secondsLeft: 118 })).toEqual({ seconds: 118, finishing: false });
    expect(studyEta({ elapsedSeconds: 2, samplesDone: 0, samplesLeftInTrial: 3000, samplesPerTrial: 3000, trialsLeft: 4 })).toEqual({ finishing: false });
    expect(samplesPerSecond(0, 2)).toBeUndefined();
    expect(samplesPerSecond(10, 0)).toBeUndefined();
  });

  it('says the budget is spent, with the running trial\'s time left, when the time is up or no trial is left to start', () => {
    // 900 samples left at 300 samples/s: 3 s.
    expect(studyEta({ elapsedSeconds: 20, samplesDone: 6000, samplesLeftInTrial: 900, samplesPerTrial: 3000, secondsLeft: -4 })).toEqual({ seconds: 3, finishing: true });
    expect(studyEta({ elapsedSeconds: 20, samplesDone: 6000, samplesLeftInTrial: 900, samplesPerTrial: 3000, trialsLeft: 0, secondsLeft: 50 })).toEqual({ seconds: 3, finishing: true });
    expect(studyEta({ elapsedSeconds: 20, samplesDone: 0, samplesLeftInTrial: 900, samplesPerTrial: 3000, secondsLeft: 0 })).toEqual({ finishing: true });
    // A trial that trained past its plan (none left) has nothing left, never a negative time.
    expect(studyEta({ elapsedSeconds: 20, samplesDone: 6000, samplesLeftInTrial: -100, samplesPerTrial: 3000, trialsLeft: 0 })).toEqual({ seconds: 0, finishing: true });
  });
});
