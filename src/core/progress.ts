/**
 * Where a training run stands, as the trainer reports it (src/tf) and a trial's progress passes it
 * on to the page (src/contracts adds the trial's phase). Plain data, shared by both.
 */
export interface TrainProgress {
  readonly epoch: number;
  readonly epochs: number;
  /** Batches done in this epoch. */
  readonly batch: number;
  readonly batches: number;
  readonly samplesSeen: number;
  /** Mean cross-entropy since the previous read of the loss (absent before the first read). */
  readonly loss?: number;
  /** Accuracy on the validation set after the latest finished epoch. */
  readonly valAccuracy?: number;
  /** Seconds left if every planned epoch runs; early stopping can end sooner. */
  readonly etaSeconds?: number;
}
