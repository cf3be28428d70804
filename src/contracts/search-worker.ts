/**
 * The search worker's API as the page sees it (DESIGN.md §1: the worker API types live in
 * contracts). src/workers/search-api.ts implements it; src/client wraps it with comlink.
 */
import type { DatasetImportRequest, DatasetInfo } from './datasets.ts';
import type { DeletedStudy, Study, StudyConfig, StudyTrial } from './study.ts';
import type { TrialWeights } from './weights.ts';
import type { Architecture } from '../core/architecture.ts';
import type { BackendChoice, BackendName, BackendPreference } from '../core/backends.ts';
import type { TrainProgress } from '../core/progress.ts';
import type { PruningMethod } from '../core/pruning.ts';

export type { BackendName, BackendPreference };

/** The backend a worker trains on, why, and what was tried (src/tf/backend.ts probes them). */
export type BackendInfo = BackendChoice;

/** What the backend probe needs to know: the backend asked for, and the data it will train on. */
export interface BackendRequest {
  readonly preference: BackendPreference;
  /** Dataset id: the probe times a small CNN shaped for its images and classes. */
  readonly dataset: string;
  readonly batchSize: number;
}

export type TrialPhase = 'training' | 'pruning' | 'fine-tuning' | 'evaluating';

/** Where the running trial stands. */
export interface TrialProgress extends TrainProgress {
  readonly phase: TrialPhase;
}

/** One running trial of a study, and how far its training is (absent until its first batch). */
export interface RunningTrialProgress {
  readonly trialIndex: number;
  readonly trial?: TrialProgress;
}

export interface StudyProgress {
  readonly studyId: string;
  /** Index of the trial running now. */
  readonly trialIndex: number;
  /** Trials trained so far (completed or failed) and the trial budget, when there is one. */
  readonly trialsDone: number;
  readonly trialsBudget?: number;
  readonly trial?: TrialProgress;
  /**
   * Every trial running now (parallel trials, issue 15), in the order they started; the first is
   * `trialIndex` / `trial`. Absent when none runs.
   */
  readonly running?: readonly RunningTrialProgress[];
  readonly elapsedSeconds: number;
  /**
   * Seconds left (src/core/study-eta.ts): the samples the budget still plans over the samples per
   * second measured in this run, or a time budget's seconds left when sooner; absent until a sample
   * was trained (a time budget knows its own from the start).
   */
  readonly etaSeconds?: number;
  /** True when the budget is spent: only the running trial finishes (etaSeconds is its time left). */
  readonly finishing?: boolean;
}

export interface SearchWorkerOptions {
  /** URL of the built-in datasets folder, e.g. `${import.meta.env.BASE_URL}datasets/`. */
  readonly datasetsUrl: string;
  /** IndexedDB database name (tests use their own). */
  readonly databaseName?: string;
  /** Backends the automatic choice may take; default all of `backendNames`. */
  readonly backends?: readonly BackendName[];
  /** Least time between two progress callbacks; default 200 ms. Trial boundaries always report. */
  readonly progressIntervalMs?: number;
}

export interface StudyView {
  readonly study: Study;
  readonly trials: readonly StudyTrial[];
  readonly paretoFront: readonly string[];
}

export interface SearchCallbacks {
  /** The study as soon as it is stored (startStudy resolves only when it ends). */
  readonly onStudy?: (study: Study) => void;
  /** The backend the study trains on, once it is chosen (probing takes a few seconds the first time). */
  readonly onBackend?: (backend: BackendInfo) => void;
  readonly onProgress?: (progress: StudyProgress) => void;
  readonly onTrial?: (trial: StudyTrial) => void;
}

/** A note of a database upgrade: what it repaired or set aside, in words (src/db/repairs.ts). */
export interface StorageNote {
  readonly id: number;
  readonly text: string;
  /** ISO 8601 time of the upgrade. */
  readonly at: string;
}

export interface SearchApi {
  /**
   * Chooses the backend a study on `request.dataset` trains on: the one asked for, or the fastest
   * that works here, timed on a few training steps. Probed inside the worker, once per request.
   */
  backend(request: BackendRequest): Promise<BackendInfo>;
  /**
   * Decodes the user's files in the worker, splits them and stores them in IndexedDB as a new
   * dataset (id `user-…`); throws an Error naming the file and field at fault, storing nothing.
   * The page transfers the files' buffers (SearchClient.importDataset).
   */
  importDataset(request: DatasetImportRequest): Promise<DatasetInfo>;
  /** Built-in datasets first (from the manifest), then imported ones, the newest first. */
  listDatasets(): Promise<DatasetInfo[]>;
  /** Deletes an imported dataset; refused while a stored study uses it. False when there was none. */
  deleteDataset(id: string): Promise<boolean>;
  /**
   * Creates a study and runs it on the backend asked for (default 'auto'), `run.parallelTrials`
   * trials at once; resolves when it completes or is stopped. Throws in words, storing nothing, when
   * `run` cannot be used (runSettingsProblem).
   */
  startStudy(config: StudyConfig, callbacks?: SearchCallbacks, backend?: BackendPreference, run?: RunSettings): Promise<Study>;
  /**
   * Resumes a stored study: a trial left running by a reload or a crash is trained again. Refused
   * in words while another tab runs it (each run holds the study's Web Lock, studyLockName).
   */
  resumeStudy(studyId: string, callbacks?: SearchCallbacks, backend?: BackendPreference, run?: RunSettings): Promise<Study>;
  /** Holds the running study between batches until `unpause` (or `stop`). */
  pause(): void;
  unpause(): void;
  /** Stops between batches; the running trial goes back to the queue. */
  stop(): void;
  listStudies(): Promise<Study[]>;
  /**
   * Ids of the studies another tab (another worker) is running now: those whose Web Lock is held,
   * but not by this worker. Empty where the browser has no Web Locks.
   */
  studiesRunningElsewhere(): Promise<string[]>;
  /**
   * What an upgrade of the stored database repaired or set aside, in words, until the user has read
   * it (src/db/repairs.ts): an upgrade never aborts on data that breaks a new rule, and never drops
   * it silently.
   */
  storageNotes(): Promise<StorageNote[]>;
  /** Removes a note once read; the record it set aside stays stored. */
  dismissStorageNote(id: number): Promise<void>;
  getStudy(studyId: string): Promise<StudyView | undefined>;
  exportStudy(studyId: string, userAgent: string): Promise<string>;
  /** Validates an untrusted document, then stores it as a new study; a rejected file changes nothing. */
  importStudy(text: string, fileName: string): Promise<Study>;
  deleteStudy(studyId: string): Promise<boolean>;
  /**
   * Deletes a study like deleteStudy and hands back everything it stored, exactly (trials and the
   * weights of its Pareto front included), for an "Undo"; undefined when there was none. Refused while
   * the study runs.
   */
  takeStudy(studyId: string): Promise<DeletedStudy | undefined>;
  /** Puts a study that takeStudy deleted back with the same ids; refused in words when its id was taken since. */
  restoreStudy(deleted: DeletedStudy): Promise<Study>;
  /**
   * "Extend by N minutes" (or trials) for a study that spent its budget: raises the budget and runs
   * it again, for N more minutes from now (the time budget counts from the start of a run) or N more
   * trials than it has trained; resolves as startStudy does.
   */
  extendStudy(studyId: string, extension: StudyExtension, callbacks?: SearchCallbacks, backend?: BackendPreference, run?: RunSettings): Promise<Study>;
  getWeights(trialId: string): Promise<TrialWeights | undefined>;
  /**
   * Queues an architecture as a trial of a study ("Train this architecture"), with the study's
   * training settings and the given pruning. A running study trains it next; a stopped or finished
   * one when it is resumed. Throws in words when it does not fit the study's dataset.
   */
  queueTrial(studyId: string, request: TrialRequest): Promise<void>;
  /** A trained model in tfjs's layers format (model.json and its weights), when its weights are kept. */
  exportModel(trialId: string): Promise<ModelFiles | undefined>;
  /**
   * The microcontroller bundle of a trained trial (a zip: model.tflite, the C array, test samples,
   * expect.json, export.json, example programs for TFLite Micro), when its weights are kept. Built
   * in the worker, so the page never waits on it.
   */
  exportForMicrocontroller(trialId: string): Promise<MicrocontrollerBundle | undefined>;
  /**
   * Checks a trained trial's int8 model (the simulation its int8 test accuracy was measured with) on
   * the whole test set: the confusion matrix and each class's accuracy. Undefined when its weights
   * are not kept (only trials on the Pareto front keep theirs).
   */
  checkTrial(trialId: string): Promise<TrialCheck | undefined>;
  /**
   * The int8 model's answer for one image ("try it"): pixels the user drew or dropped, already in
   * the network's input shape, or an image of the test set. Undefined when the weights are not kept.
   */
  predict(trialId: string, input: TryInput): Promise<TrialPrediction | undefined>;
  /**
   * The tensors tfjs holds in the search worker now (tf.memory().numTensors): a run, whatever its
   * trials at once, leaves none behind. For the browser tests' leak checks.
   */
  tensorCount(): number;
}

/**
 * How one run of a study trains on this machine. Not part of the study's config, which is shared
 * with other people and machines: each start, resume or extension says it again.
 */
export interface RunSettings {
  /**
   * Trials trained at once, each in its own dedicated worker (issue 15); a whole number from 1 to
   * maxParallelTrials. Default 1: the one trial trains in the search worker itself, as before.
   */
  readonly parallelTrials?: number;
}

/** The most trials at once: each holds a dataset, a network and a backend of its own in its worker. */
export const maxParallelTrials = 8;

/**
 * Trials at once that this machine suggests: half its logical cores (the other half is left to the
 * page, the search worker and the rest of the computer; a core's second hardware thread adds little
 * to tfjs's CPU kernels), at least 1 and at most 4. 2 cores → 1, 8 → 4, unknown → 1.
 */
export function defaultParallelTrials(hardwareConcurrency: number | undefined): number {
  if (hardwareConcurrency === undefined || !Number.isFinite(hardwareConcurrency)) return 1;
  return Math.max(1, Math.min(4, Math.floor(hardwareConcurrency / 2)));
}

/** Why `value` cannot be a number of trials at once, in words; undefined when it can. */
export function parallelTrialsProblem(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= maxParallelTrials) return undefined;
  const got =
    value === undefined || value === null || Number.isNaN(value) ? 'got no number'
    : typeof value === 'number' ? `got ${value}`
    : typeof value === 'string' ? `got the text ${JSON.stringify(value.slice(0, 20))}`
    : `got a value of type ${typeof value}`;
  return `the number of trials at once must be a whole number from 1 to ${maxParallelTrials}, ${got}`;
}

/**
 * The Web Lock a run holds on its study for as long as it runs, so that one study is never run by
 * two tabs at once (every trial trained twice, records overwriting each other).
 */
export const studyLockName = (studyId: string): string => `sparse-search-study:${studyId}`;

/** What a run refused because another tab holds the study's lock says, in words. */
export const runningElsewhereMessage = 'this study is running in another tab; stop it there, or close that tab, to go on with it here';

/**
 * The search worker ended a call by failing itself (an uncaught error, a message it could not
 * read), not by an error of the call: every call pending on it is rejected with this, and the next
 * call starts a new worker.
 */
export class SearchWorkerStoppedError extends Error {
  override readonly name = 'SearchWorkerStoppedError';
}

/** The int8 model of a trial on the test set (rows of `confusion` = true class, columns = predicted). */
export interface TrialCheck {
  readonly trialId: string;
  readonly classNames: readonly string[];
  readonly confusion: readonly (readonly number[])[];
  /** Per class: the share of its test images predicted right; undefined for a class with none. */
  readonly perClassAccuracy: readonly (number | undefined)[];
  /** Equals the trial's recorded int8 test accuracy: the same weights, calibration and simulation. */
  readonly accuracy: number;
  readonly testCount: number;
  readonly milliseconds: number;
}

/**
 * An image for the int8 model: height × width × channels bytes (0–255, NHWC) in the network's
 * input shape, or the test set's image number `testImage`.
 */
export type TryInput = { readonly pixels: Uint8Array | readonly number[] } | { readonly testImage: number };

export interface TrialPrediction {
  readonly trialId: string;
  readonly classNames: readonly string[];
  /** The int8 softmax's output per class (its 256 levels of 1/256), summing to about 1. */
  readonly probabilities: readonly number[];
  /** The class the int8 model answers: the first of the largest levels, as the chip finds it. */
  readonly predicted: number;
  /** The image as the model saw it: height × width × channels bytes. */
  readonly pixels: Uint8Array;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  /** For a test image: its number, its true class, and how many images the test set holds. */
  readonly testImage?: { readonly index: number; readonly label: number; readonly count: number };
}

/** What "Extend" adds to a study's budget: minutes, trials, or both (each a positive number). */
export interface StudyExtension {
  readonly minutes?: number;
  readonly trials?: number;
}

/** A microcontroller bundle and what the page says about it. */
export interface MicrocontrollerBundle {
  readonly fileName: string;
  readonly zip: ArrayBuffer;
  readonly tfliteBytes: number;
  readonly targetName: string;
  /** Why the bundle's numbers are for another target than the study's first, in words. */
  readonly note?: string;
  readonly int8TestAccuracy: number;
  readonly arenaSizeToConfigure: number;
  /** Time the worker took, for the record. */
  readonly milliseconds: number;
}

export interface TrialRequest {
  readonly architecture: Architecture;
  readonly pruning: { readonly method: PruningMethod; readonly sparsity: number };
}

/** Files of a tfjs layers model: `model.json` names `weightsFileName` in its weights manifest. */
export interface ModelFiles {
  readonly modelJson: string;
  readonly weightsFileName: string;
  readonly weights: ArrayBuffer;
}

/**
 * SearchApi as another thread calls it: every method answers with a promise. It is comlink's
 * `Remote<SearchApi>` (tests/contracts/search-port.test.ts pins the two together); SearchClient
 * implements it in the page, and the state layer and its Node tests take any implementation.
 */
export type SearchPort = {
  readonly [K in keyof SearchApi]: (...args: Parameters<SearchApi[K]>) => Promise<Awaited<ReturnType<SearchApi[K]>>>;
};

/** What the worker entry exposes: `init` once, then the API. */
export interface SearchWorker {
  init(options: SearchWorkerOptions): void;
  readonly api: SearchApi;
}
