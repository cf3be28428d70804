/**
 * What a trainer worker offers the search worker (parallel trials, issue 15), as plain async
 * functions so that they run in Node too: it loads the study's dataset itself, sets the backend the
 * search worker chose, and trains one job at a time with the engine's trainJob. Pause, resume and
 * stop come as calls from the search worker, which forwards its own PauseGate and AbortSignal
 * (trainer-pool.ts); here they drive this worker's own gate and controller, honoured between
 * batches. Each trial's weights go back with its record (transferred, and small: the models fit a
 * microcontroller), so that the network is freed here at once and a crash later loses nothing.
 */
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { transfer } from 'comlink';
import type { BackendName, TrialProgress } from '../contracts/search-worker.ts';
import type { TrialRecord } from '../contracts/trial.ts';
import type { StoredOpWeights } from '../contracts/weights.ts';
import type { Dataset } from '../data/dataset.ts';
import { openStudyDatabase, type StudyDatabase } from '../db/schema.ts';
import { PauseGate } from '../engine/pause-gate.ts';
import { type TrialJob, trainJob } from '../engine/trial-trainer.ts';
import { selectBackend } from '../tf/backend.ts';
import { createDatasetLibrary } from './dataset-library.ts';

export interface TrainerOptions {
  /** Where the built-in datasets are (the search worker's own SearchWorkerOptions.datasetsUrl). */
  readonly datasetsUrl: string;
  /** The IndexedDB database of imported datasets (tests use their own). */
  readonly databaseName?: string;
  /** The study's dataset id. */
  readonly dataset: string;
  /** The backend the search worker chose and why; set here by name, checked but not timed again. */
  readonly backend: { readonly name: BackendName; readonly reason: string };
  /**
   * WASM's threads in this worker: the search worker's share of them for each of the P trainer
   * workers, so that P workers do not start P full thread pools on the same cores.
   */
  readonly wasmThreads?: number;
}

/** A trained job as it crosses back to the search worker: the record and the weights, transferred. */
export interface TrainedOutcome {
  readonly record: TrialRecord;
  readonly weights: StoredOpWeights[];
}

export interface TrainerApi {
  /**
   * Loads the dataset and sets the backend; train waits for it. Called once, before any train, with
   * the one callback that every trial's progress goes through (tagged with the job's id).
   */
  prepare(options: TrainerOptions, onProgress?: (jobId: string, progress: TrialProgress) => void): Promise<void>;
  /**
   * Trains `job` to its record and weights, and frees the network. Throws a TrialAbortedError
   * after `stop`, any other error when the trial failed. One at a time.
   */
  train(job: TrialJob): Promise<TrainedOutcome>;
  /** Holds the running trial (and the next ones) before their next batch, until `resume`. */
  pause(): void;
  resume(): void;
  /** Stops the running trial between batches; nothing when none runs. */
  stop(): void;
}

export function createTrainerApi(): TrainerApi {
  let prepared: Promise<{ dataset: Dataset; backend: TrainerOptions['backend'] }> | undefined;
  let report: ((jobId: string, progress: TrialProgress) => void) | undefined;
  let db: Promise<StudyDatabase> | undefined;
  const gate = new PauseGate();
  let running: AbortController | undefined;

  return {
    prepare(options: TrainerOptions, onProgress?: (jobId: string, progress: TrialProgress) => void): Promise<void> {
      if (prepared) return Promise.reject(new Error('this trainer worker is already prepared for a study'));
      report = onProgress;
      const library = createDatasetLibrary(options.datasetsUrl, () => (db ??= openStudyDatabase(options.databaseName)));
      prepared = (async () => {
        const dataset = await library.load(options.dataset);
        // Read when the backend starts, so set before it.
        if (options.backend.name === 'wasm' && options.wasmThreads !== undefined) setThreadsCount(options.wasmThreads);
        await selectBackend({ candidates: [options.backend.name] });
        return { dataset, backend: options.backend };
      })();
      return prepared.then(() => undefined);
    },

    async train(job: TrialJob): Promise<TrainedOutcome> {
      if (running) throw new Error('this trainer worker is already training a trial');
      // Before the first await, so that a stop sent right after this call finds the trial.
      const controller = new AbortController();
      running = controller;
      try {
        if (!prepared) throw new Error('the trainer worker was not prepared for a study');
        const { dataset, backend } = await prepared;
        const onProgress = report;
        const trained = await trainJob(job, dataset, backend, { ...(onProgress ? { onProgress: (progress: TrialProgress) => onProgress(job.id, progress) } : {}), signal: controller.signal, gate });
        try {
          const weights = await trained.getWeights();
          // Fresh copies (downloadFloat32): they move to the search worker rather than being copied.
          const buffers = new Set(weights.flatMap((op) => [op.kernel, op.bias, op.mask, op.logSigma2].flatMap((array) => (array ? [array.buffer as ArrayBuffer] : []))));
          return transfer({ record: trained.record, weights }, [...buffers]);
        } finally {
          trained.dispose();
        }
      } finally {
        running = undefined;
      }
    },

    pause: () => gate.pause(),
    resume: () => gate.resume(),
    stop(): void {
      running?.abort();
    },
  };
}
