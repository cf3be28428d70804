import { describe, expect, it } from 'vitest';
import { checkSchedule, learningRateAt } from '../../src/tf/schedule.ts';

const clock = (step: number) => ({ step, stepsPerEpoch: 10, totalSteps: 100 });

describe('learning-rate schedules', () => {
  it('cosine: from the base rate down to the minimum, halfway at the middle', () => {
    const cosine = { kind: 'cosine', minLearningRate: 0.0001 } as const;
    expect(learningRateAt(cosine, 0.01, clock(0))).toBeCloseTo(0.01, 10);
    expect(learningRateAt(cosine, 0.01, clock(50))).toBeCloseTo((0.01 + 0.0001) / 2, 10);
    expect(learningRateAt(cosine, 0.01, clock(100))).toBeCloseTo(0.0001, 10);
  });

  it('cosine with warm-up: rises linearly first', () => {
    const warm = { kind: 'cosine', warmupEpochs: 1 } as const;
    expect(learningRateAt(warm, 0.01, clock(0))).toBeCloseTo(0.001, 10);
    expect(learningRateAt(warm, 0.01, clock(9))).toBeCloseTo(0.01, 10);
    expect(learningRateAt(warm, 0.01, clock(10))).toBeCloseTo(0.01, 10);
  });

  it('step: multiplies by the factor every few epochs', () => {
    const step = { kind: 'step', everyEpochs: 2, factor: 0.5 } as const;
    expect([0, 19, 20, 45].map((s) => learningRateAt(step, 0.01, clock(s)))).toEqual([0.01, 0.01, 0.005, 0.0025]);
    expect(learningRateAt({ kind: 'constant' }, 0.01, clock(99))).toBe(0.01);
  });

  it('rejects nonsense in words', () => {
    expect(() => checkSchedule({ kind: 'step', everyEpochs: 0, factor: 0.5 }, 0.01)).toThrow(/everyEpochs ≥ 1/);
    expect(() => checkSchedule({ kind: 'constant' }, -1)).toThrow(/positive number/);
  });
});
