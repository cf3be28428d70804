/**
 * What the trainer takes and gives back: its options and hooks, the progress it reports and the
 * result of a run, with the checks that turn bad options into messages a user can act on.
 */
import type * as tf from '@tensorflow/tfjs';
import type { TrainProgress } from '../core/progress.ts';
import { trainingRecipe } from '../core/training-recipe.ts';
import type { ImageSet } from '../data/dataset.ts';
import type { DeviceImageSet } from './device-data.ts';
import { type LearningRateSchedule, checkSchedule } from './schedule.ts';

/** Where training stands when a hook runs. Epochs and batches count from 1; `step` from 0. */
export interface StepContext {
  readonly epoch: number;
  readonly epochs: number;
  readonly batch: number;
  readonly batches: number;
  /** Index of this step over the whole run, from 0 (in afterStep: the step just taken). */
  readonly step: number;
  /** Planned steps: epochs × batches. */
  readonly totalSteps: number;
  /** Training images seen before this step (in afterStep: including it). */
  readonly samplesSeen: number;
  /** Images in the training set, e.g. to scale a KL term per sample. */
  readonly trainCount: number;
  /** The rate this step uses. */
  readonly learningRate: number;
}

export type { TrainProgress };

export interface EarlyStopping {
  /** Epochs without improvement after which training stops. */
  readonly patience: number;
  /** Smallest rise in validation accuracy that counts as an improvement (default 0). */
  readonly minDelta?: number;
  /**
   * First epoch that may become the best one (default 1). Pruning whose masks change during
   * training sets it to the epoch after its schedule ends, so that the restored weights are pruned.
   */
  readonly fromEpoch?: number;
}

export interface TrainOptions {
  readonly epochs: number;
  /** Default the recipe's (src/core/training-recipe.ts), 32. */
  readonly batchSize?: number;
  /** Adam's base learning rate; default the recipe's (src/core/training-recipe.ts), 0.01. */
  readonly learningRate?: number;
  /** Default: cosine decay to 0. */
  readonly schedule?: LearningRateSchedule;
  /** Seeds the shuffling and the dropout noise (the initial weights are the network's own seed). */
  readonly seed?: number | string;
  readonly validation?: ImageSet | DeviceImageSet;
  /** Needs `validation`. Without it every epoch runs. */
  readonly earlyStopping?: EarlyStopping;
  /** At the end, put back the weights (and masks) of the epoch with the best validation accuracy. Default true. */
  readonly restoreBest?: boolean;
  /** Added to the mean cross-entropy inside the gradient, e.g. Sparse Variational Dropout's scaled KL. */
  readonly extraLoss?: (context: StepContext) => tf.Scalar;
  /** Runs after each optimiser step and after the masks are re-applied (e.g. a pruning schedule). */
  readonly afterStep?: (context: StepContext) => void | Promise<void>;
  /** Runs before each batch; a pause is a promise that resolves on resume. */
  readonly beforeBatch?: (context: StepContext) => void | Promise<void>;
  /**
   * Runs after each epoch's validation (with `validation` set): a search judges the trial there and
   * returns, in words, why it should stop (the run then ends with stopReason 'stopped'), or undefined.
   */
  readonly afterEpoch?: (epoch: { readonly epoch: number; readonly valAccuracy: number }) => string | undefined;
  readonly onProgress?: (progress: TrainProgress) => void;
  /** Least time between two progress reports; default 250 ms. */
  readonly progressIntervalMs?: number;
  /** Batches between two reads of the running loss; default 20. Each read waits for the device. */
  readonly lossEveryBatches?: number;
  /** Stops between batches; the result then says 'aborted'. */
  readonly signal?: AbortSignal;
  /**
   * Label smoothing of the cross-entropy (Szegedy et al., CVPR 2016): the target puts 1 − ε on the
   * class and ε spread over all classes. Default 0.
   */
  readonly labelSmoothing?: number;
  /** Each training image moved by up to this many whole pixels on each axis (augment.ts). Default 0. */
  readonly maxShift?: number;
  readonly evalBatchSize?: number;
}

export interface TrainResult {
  readonly epochsRun: number;
  /** Epoch (from 1) with the best validation accuracy; 0 without validation. */
  readonly bestEpoch: number;
  readonly bestValAccuracy: number | null;
  /** Validation accuracy of the weights the network holds at the end (after any restore). */
  readonly finalValAccuracy: number | null;
  /** Mean cross-entropy per epoch, and the mean extra loss per epoch (0 without one). */
  readonly trainLoss: readonly number[];
  readonly extraLoss: readonly number[];
  readonly valAccuracy: readonly number[];
  readonly stopReason: 'completed' | 'early-stopped' | 'stopped' | 'aborted';
  /** Why `afterEpoch` stopped the run, when it did. */
  readonly stopMessage?: string;
  readonly restoredBest: boolean;
  readonly steps: number;
  readonly samplesSeen: number;
  readonly timings: { readonly totalMs: number; readonly trainMs: number; readonly validationMs: number; readonly samplesPerSecond: number };
}

export function checkTrainOptions(options: TrainOptions, trainCount: number): void {
  const positive = (value: number | undefined, what: string): void => {
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) throw new Error(`train: ${what} must be a positive integer, got ${value}`);
  };
  positive(options.epochs, 'the number of epochs');
  positive(options.batchSize, 'the batch size');
  positive(options.lossEveryBatches, 'lossEveryBatches');
  if (trainCount < 1) throw new Error('train: the training set has no images');
  if (options.earlyStopping && !options.validation) throw new Error('train: early stopping needs a validation set');
  if (options.afterEpoch && !options.validation) throw new Error('train: judging each epoch (afterEpoch) needs a validation set');
  if (options.earlyStopping) positive(options.earlyStopping.patience, 'the early-stopping patience');
  checkSchedule(options.schedule ?? { kind: 'cosine' }, options.learningRate ?? trainingRecipe.learningRate);
  const smoothing = options.labelSmoothing ?? 0;
  if (!(smoothing >= 0 && smoothing < 1)) throw new Error(`train: label smoothing must be at least 0 and below 1, got ${smoothing}`);
  const shift = options.maxShift ?? 0;
  if (!Number.isInteger(shift) || shift < 0) throw new Error(`train: the shift must be a whole number of pixels, got ${shift}`);
}
