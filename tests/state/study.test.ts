/** The live study view: progress into a training curve, trials as they arrive, and judging by other targets. */
import { describe, expect, it } from 'vitest';
import type { StudyProgress } from '../../src/contracts/search-worker.ts';
import { StudyState } from '../../src/state/study.svelte.ts';
import { study, trials } from '../contracts/study-fixture.ts';

const progress = (trialIndex: number, batch: number, loss?: number, valAccuracy?: number, studyId = study.id): StudyProgress => ({
  studyId,
  trialIndex,
  trialsDone: trialIndex,
  elapsedSeconds: 1,
  trial: { phase: 'training', epoch: 2, epochs: 4, batch, batches: 40, samplesSeen: 100, ...(loss !== undefined ? { loss } : {}), ...(valAccuracy !== undefined ? { valAccuracy } : {}) },
});

describe('StudyState', () => {
  it('adds a curve point only when a new loss or accuracy arrives, and starts a new curve with each trial', () => {
    const state = new StudyState(study, []);
    state.recordProgress(progress(0, 5));
    state.recordProgress(progress(0, 20, 0.9));
    state.recordProgress(progress(0, 21, 0.9));
    state.recordProgress(progress(0, 30, 0.9));
    state.recordProgress(progress(0, 40, 0.7, 0.8));
    expect(state.curve).toEqual([{ epoch: 1.5, loss: 0.9 }, { epoch: 2, loss: 0.7, valAccuracy: 0.8 }]);
    state.recordProgress(progress(1, 20, 1.1));
    expect(state.curve).toEqual([{ epoch: 1.5, loss: 1.1 }]);
    state.recordProgress(progress(2, 20, 0.5, undefined, 'another-study'));
    expect(state.progress!.trialIndex).toBe(1);
  });

  it('keeps trials in proposal order as they are written, and ignores other studies', () => {
    const state = new StudyState(study, []);
    state.recordTrial(trials[3]!);
    state.recordTrial(trials[0]!);
    state.recordTrial({ ...trials[3]!, status: 'failed', error: 'boom' } as never);
    state.recordTrial({ ...trials[1]!, studyId: 'another-study' });
    expect(state.trials.map((t) => [t.index, t.status])).toEqual([[0, 'completed'], [3, 'failed']]);
  });

  it('judging by its own targets again is no re-evaluation', () => {
    const state = new StudyState(study, trials);
    state.judgeBy(['esp32'], 'deploy');
    expect([state.reevaluated, state.accounting, state.targets]).toEqual([true, 'deploy', ['esp32']]);
    state.judgeBy(study.config.targets, study.config.accounting);
    expect([state.reevaluated, state.accounting, state.targets]).toEqual([false, 'paper', study.config.targets]);
  });
});
