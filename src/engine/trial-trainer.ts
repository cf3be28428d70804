/**
 * What trains one trial of a study, seen from the study loop (issue 15): the loop hands a trainer a
 * job (plain data, so that it can cross to another worker) and gets back the trial's record and,
 * when asked, its weights. The loop runs as many trials at once as it has trainers: one in the CLI,
 * P in the page (each a dedicated worker, src/workers). The in-process trainer here trains on the
 * dataset and backend the loop was given.
 */
import type { Architecture } from '../core/architecture.ts';
import type { PruningMethod } from '../core/pruning.ts';
import { type EpochCurve, judgeEpoch } from '../core/search/index.ts';
import type { Target } from '../core/targets.ts';
import type { TrialProgress } from '../contracts/search-worker.ts';
import type { TrialRecord } from '../contracts/trial.ts';
import type { StoredOpWeights } from '../contracts/weights.ts';
import type { Dataset } from '../data/dataset.ts';
import type { PauseGate } from './pause-gate.ts';
import { runTrainingTrial } from './train-trial.ts';

/** One trial to train: everything a trainer needs besides the dataset and the backend, as plain data. */
export interface TrialJob {
  readonly id: string;
  readonly architecture: Architecture;
  readonly targets: readonly Target[];
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly warmupEpochs: number;
  readonly seed: number;
  readonly pruning: { readonly method: PruningMethod; readonly sparsity: number; readonly fineTuneEpochs: number };
  /**
   * Multi-fidelity search (src/core/search/early-stopping.ts): the trial's own predicted bytes and
   * the curves of the trials that completed before it; absent when the study has it off.
   */
  readonly earlyStopping?: { readonly ownBytes: readonly [number, number]; readonly earlier: readonly EpochCurve[] };
}

/** What a trainer gives back: the record, and the trained weights until it is disposed. */
export interface TrainedJob {
  readonly record: TrialRecord;
  /** The weights of the trained (and pruned) network, layer by layer. */
  getWeights(): Promise<StoredOpWeights[]>;
  /** Frees the network; called once, after any getWeights. */
  dispose(): void;
}

export interface TrialHooks {
  readonly onProgress?: (progress: TrialProgress) => void;
  /** A stop: the trainer ends between batches and throws a TrialAbortedError. */
  readonly signal?: AbortSignal;
  /** A pause holds the trainer before its next batch until resumed. */
  readonly gate?: PauseGate;
}

export interface TrialTrainer {
  /**
   * Trains the job to its record. Throws a TrialAbortedError when stopped through `hooks.signal`,
   * and any other error when the trial failed (the study records it and goes on).
   */
  train(job: TrialJob, hooks: TrialHooks): Promise<TrainedJob>;
}

/** runTrainingTrial's settings for a job, on the given dataset and backend. */
export async function trainJob(job: TrialJob, dataset: Dataset, backend: { readonly name: string; readonly reason: string }, hooks: TrialHooks): Promise<TrainedJob> {
  const { earlyStopping, gate, signal } = { ...job, ...hooks };
  const { record, network } = await runTrainingTrial({
    id: job.id,
    architecture: job.architecture,
    dataset,
    targets: job.targets,
    epochs: job.epochs,
    batchSize: job.batchSize,
    learningRate: job.learningRate,
    warmupEpochs: job.warmupEpochs,
    seed: job.seed,
    pruning: job.pruning,
    backend,
    ...(hooks.onProgress ? { onProgress: hooks.onProgress } : {}),
    ...(gate ? { beforeBatch: () => gate.wait(signal) } : {}),
    ...(earlyStopping ? { judgeEpoch: (epoch: number, accuracy: number) => judgeEpoch(epoch, accuracy, earlyStopping.ownBytes, earlyStopping.earlier) } : {}),
    ...(signal ? { signal } : {}),
  });
  return { record, getWeights: () => network.getWeights(), dispose: () => network.dispose() };
}

/** A trainer that trains in this thread, on `dataset` and the backend already set. */
export const inProcessTrainer = (dataset: Dataset, backend: { readonly name: string; readonly reason: string }): TrialTrainer => ({
  train: (job, hooks) => trainJob(job, dataset, backend, hooks),
});
