/** Learning-rate schedules of the trainer, as pure functions of the step. */

export type LearningRateSchedule =
  | { readonly kind: 'constant' }
  /**
   * Cosine decay from the base rate to `minLearningRate` over the planned steps (Loshchilov & Hutter
   * 2017, SGDR, without restarts), after an optional linear warm-up of `warmupEpochs`.
   */
  | { readonly kind: 'cosine'; readonly minLearningRate?: number; readonly warmupEpochs?: number }
  /** Multiplies the rate by `factor` every `everyEpochs` epochs (Keras' step decay). */
  | { readonly kind: 'step'; readonly everyEpochs: number; readonly factor: number };

export interface ScheduleClock {
  /** Steps (batches) taken so far, from 0. */
  readonly step: number;
  readonly stepsPerEpoch: number;
  /** Planned steps: epochs × stepsPerEpoch (early stopping may end sooner). */
  readonly totalSteps: number;
}

export function checkSchedule(schedule: LearningRateSchedule, baseRate: number): void {
  if (!(baseRate > 0) || !Number.isFinite(baseRate)) throw new Error(`train: the learning rate must be a positive number, got ${baseRate}`);
  if (schedule.kind === 'step' && (!(schedule.everyEpochs >= 1) || !(schedule.factor > 0 && schedule.factor <= 1))) {
    throw new Error(`train: a step schedule needs everyEpochs ≥ 1 and a factor in (0, 1], got ${schedule.everyEpochs} and ${schedule.factor}`);
  }
  if (schedule.kind === 'cosine' && ((schedule.minLearningRate ?? 0) < 0 || (schedule.minLearningRate ?? 0) > baseRate || (schedule.warmupEpochs ?? 0) < 0)) {
    throw new Error('train: a cosine schedule needs 0 ≤ minLearningRate ≤ the learning rate, and warmupEpochs ≥ 0');
  }
}

/** The learning rate of step `clock.step`. */
export function learningRateAt(schedule: LearningRateSchedule, baseRate: number, clock: ScheduleClock): number {
  const { step, stepsPerEpoch, totalSteps } = clock;
  if (schedule.kind === 'constant') return baseRate;
  if (schedule.kind === 'step') return baseRate * schedule.factor ** Math.floor(step / (schedule.everyEpochs * stepsPerEpoch));
  const warmup = Math.round((schedule.warmupEpochs ?? 0) * stepsPerEpoch);
  if (step < warmup) return (baseRate * (step + 1)) / warmup;
  const min = schedule.minLearningRate ?? 0;
  const progress = Math.min(1, (step - warmup) / Math.max(1, totalSteps - warmup));
  return min + 0.5 * (baseRate - min) * (1 + Math.cos(Math.PI * progress));
}
