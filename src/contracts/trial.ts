/**
 * A trial as `npm run train -- --json` prints it and as the study export (issue 4) will store it:
 * plain JSON, numbers measured on the trained weights.
 */
import type { Architecture } from '../core/architecture.ts';
import type { Accounting } from '../core/resources.ts';
import type { PruningMethod } from '../core/pruning.ts';

/**
 * `stopped`: judged after an epoch as unlikely to reach the Pareto front, and stopped before the end
 * of its training (multi-fidelity search); it keeps the metrics it had, and is never on the front.
 */
export type TrialStatus = 'queued' | 'running' | 'completed' | 'stopped' | 'failed' | 'skipped';
export type LrSchedule = 'cosine' | 'step';

export interface TrialHyperparameters {
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly schedule: LrSchedule;
  /** Linear warm-up of the cosine schedule, in epochs (training-recipe.ts); absent when there was none. */
  readonly warmupEpochs?: number;
  readonly seed: number;
  readonly pruning: {
    readonly method: PruningMethod;
    /** Fraction of weights (magnitude, svd) or of channels (channels) to remove; 0 for none. */
    readonly sparsity: number;
    /** Epochs of fine-tuning after pruning (or of SVD training). */
    readonly fineTuneEpochs: number;
  };
}

export interface TrialMetrics {
  /** Float accuracy on the test split after pruning and fine-tuning. */
  readonly testAccuracy: number;
  /** The same model with int8 weights and activations (simulated post-training quantisation). */
  readonly int8TestAccuracy: number;
  readonly valAccuracy: number;
  /** Float test accuracy of the trained model before it was pruned. */
  readonly testAccuracyBeforePruning: number;
  readonly nonzeroWeights: number;
  readonly totalWeights: number;
  /** 1 − nonzeroWeights / weights of the architecture as trained before pruning. */
  readonly sparsity: number;
  readonly epochsRun: number;
  readonly bestEpoch: number;
  /** Validation accuracy after each epoch of the training (before pruning); absent in older files. */
  readonly valAccuracyByEpoch?: readonly number[];
}

export interface TargetResources {
  readonly id: string;
  readonly flashBytes: number;
  readonly sramBytes: number;
  readonly latencyMs: number;
  readonly feasible: Readonly<Record<Accounting, boolean>>;
}

export interface TrialResources {
  readonly params: number;
  readonly nonzeroParams: number;
  readonly macs: number;
  /** paper accounting */
  readonly modelSizeBytes: number;
  readonly workingMemoryBytes: number;
  /** deploy accounting on the first target */
  readonly flashBytes: number;
  readonly sramBytes: number;
  readonly targets: readonly TargetResources[];
  /**
   * Non-zero weights of each weighted op (every op but the pools) of `architecture`, in op order:
   * enough to estimate the trial again for other targets without its weights. Absent in files
   * written before it was recorded.
   */
  readonly nonzeroWeightsByOp?: readonly number[];
}

export interface TrialTimings {
  readonly trainMs: number;
  readonly pruneMs: number;
  readonly evaluateMs: number;
  readonly totalMs: number;
  /** Training samples per second over all epochs, fine-tuning included. */
  readonly samplesPerSecond: number;
}

export interface TrialRecord {
  readonly id: string;
  readonly status: TrialStatus;
  readonly dataset: string;
  /** The architecture as deployed: after structured pruning, the smaller one. */
  readonly architecture: Architecture;
  /** The architecture before structured pruning, when it changed. */
  readonly sampledArchitecture?: Architecture;
  readonly hyperparameters: TrialHyperparameters;
  readonly metrics: TrialMetrics;
  readonly resources: TrialResources;
  readonly timings: TrialTimings;
  readonly backend: { readonly name: string; readonly reason: string };
  /** Why the search stopped it after an epoch (status `stopped`). */
  readonly stopReason?: string;
}
