/**
 * The search worker's pool of trainer workers (parallel trials, issue 15): P dedicated workers, each
 * driven by a TrialTrainer that the study loop hands one trial at a time. The loop's PauseGate
 * (watched) and AbortSignal are forwarded to the worker as calls (pause, resume, stop), so that every
 * running trial holds or stops between its batches. A worker that fails mid-trial (an uncaught error, running out of
 * memory, a message it cannot read) fails that trial in words; the next trial starts a fresh worker.
 */
import { type Endpoint, type Remote, proxy, wrap } from 'comlink';
import type { TrialProgress } from '../contracts/search-worker.ts';
import { messageOf } from '../core/error-message.ts';
import { TrialAbortedError } from '../engine/train-trial.ts';
import type { TrainedJob, TrialHooks, TrialJob, TrialTrainer } from '../engine/trial-trainer.ts';
import type { TrainerApi, TrainerOptions } from './trainer-api.ts';

/**
 * What the pool uses of a dedicated worker: comlink's Endpoint, its error events, and terminate. The
 * WebWorker lib's Worker is one; written out so that Node's tests of the search API compile too.
 */
export type TrainerWorker = Endpoint & { terminate(): void };

/** Where a trainer worker comes from; tests pass their own. */
export type TrainerWorkerFactory = () => TrainerWorker;

/** One started worker: its remote, its preparation, and a promise that rejects when it fails. */
interface TrainerSession {
  readonly worker: TrainerWorker;
  readonly remote: Remote<TrainerApi>;
  readonly stopped: Promise<never>;
}

/** Ignores the answer of a call whose failure the trial's own call reports. */
const ignore = (): void => {};

/** A TrialTrainer over one trainer worker at a time (a fresh one after a failure). */
class WorkerTrainer implements TrialTrainer {
  #session: TrainerSession | undefined;
  #job: { id: string; onProgress: ((progress: TrialProgress) => void) | undefined } | undefined;
  #ended = false;
  readonly #options: TrainerOptions;
  readonly #createWorker: TrainerWorkerFactory;

  constructor(options: TrainerOptions, createWorker: TrainerWorkerFactory) {
    this.#options = options;
    this.#createWorker = createWorker;
  }

  /** The running worker, or a new one (the first trial, or the first after a failure). */
  #start(): TrainerSession {
    if (this.#session) return this.#session;
    if (this.#ended) throw new Error('the trainer workers were ended with the run');
    const worker = this.#createWorker();
    let fail: (error: Error) => void = ignore;
    const stopped = new Promise<never>((_resolve, reject) => (fail = reject));
    stopped.catch(ignore);
    const session: TrainerSession = { worker, remote: wrap<TrainerApi>(worker), stopped };
    const onFailure = (detail: string): void => {
      if (this.#session !== session) return;
      // A worker that failed may be half alive: it is ended, and the next trial gets a fresh one.
      this.#session = undefined;
      worker.terminate();
      fail(new Error(`the trainer worker stopped unexpectedly: ${detail}`));
    };
    worker.addEventListener('error', (event: Event) => {
      event.preventDefault();
      // An ErrorEvent has the uncaught error's message; a worker that failed to load has none.
      const message = (event as Event & { readonly message?: unknown }).message;
      onFailure(typeof message === 'string' && message !== '' ? message.replace(/^Uncaught /, '') : 'it failed to start or crashed (the browser gave no reason; it may have run out of memory)');
    });
    worker.addEventListener('messageerror', () => onFailure('a message from it could not be read'));
    this.#session = session;
    const onProgress = (jobId: string, progress: TrialProgress): void => {
      if (this.#job?.id === jobId) this.#job.onProgress?.(progress);
    };
    // Its failure reaches the first trial, whose train waits for it in the worker.
    session.remote.prepare(this.#options, proxy(onProgress)).catch(ignore);
    return session;
  }

  async train(job: TrialJob, hooks: TrialHooks): Promise<TrainedJob> {
    const { signal, gate } = hooks;
    if (signal?.aborted) throw new TrialAbortedError(job.id);
    const session = this.#start();
    const { remote } = session;
    const forward = (paused: boolean): void => void (paused ? remote.pause() : remote.resume()).catch(ignore);
    // Sent before the trial: comlink's messages arrive in order.
    forward(gate?.paused ?? false);
    const unfollow = gate?.watch(forward) ?? ignore;
    const onAbort = (): void => void remote.stop().catch(ignore);
    signal?.addEventListener('abort', onAbort, { once: true });
    this.#job = { id: job.id, onProgress: hooks.onProgress };
    try {
      const { record, weights } = await Promise.race([remote.train(job), session.stopped]);
      return { record, getWeights: () => Promise.resolve(weights), dispose: ignore };
    } catch (error) {
      // comlink carries an error's name and message, not its class.
      if (signal?.aborted || (error instanceof Error && error.name === 'TrialAbortedError')) throw new TrialAbortedError(job.id);
      throw error instanceof Error ? error : new Error(messageOf(error));
    } finally {
      this.#job = undefined;
      signal?.removeEventListener('abort', onAbort);
      unfollow();
    }
  }

  /** Ends the worker; a trial still training on it is left unanswered (its run has ended). */
  terminate(): void {
    this.#ended = true;
    this.#session?.worker.terminate();
    this.#session = undefined;
  }
}

export interface TrainerPool {
  /** One per trial at once, for runStudy's `trainers`. */
  readonly trainers: readonly TrialTrainer[];
  /** Ends every trainer worker (the run has ended); the pool cannot train after it. */
  terminate(): void;
}

/**
 * `size` trainers, each over its own dedicated worker, started at its first trial. The search
 * worker's entry passes the factory of src/workers/trainer.worker.ts (search.worker.ts).
 */
export function createTrainerPool(size: number, options: TrainerOptions, createWorker: TrainerWorkerFactory): TrainerPool {
  const trainers = Array.from({ length: size }, () => new WorkerTrainer(options, createWorker));
  return {
    trainers,
    terminate: () => {
      for (const trainer of trainers) trainer.terminate();
    },
  };
}
