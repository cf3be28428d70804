/**
 * The search worker's API as the page sees it (DESIGN.md §1: the worker API types live in
 * contracts). src/workers/search-api.ts implements it; src/client wraps it with comlink.
 */
import type { DatasetImportRequest, DatasetInfo } from './datasets.ts';
import type { Study, StudyConfig, StudyTrial } from './study.ts';
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

export interface StudyProgress {
  readonly studyId: string;
  /** Index of the trial running now. */
  readonly trialIndex: number;
  /** Trials trained so far (completed or failed) and the trial budget, when there is one. */
  readonly trialsDone: number;
  readonly trialsBudget?: number;
  readonly trial?: TrialProgress;
  readonly elapsedSeconds: number;
  /** From the mean time of the trials so far and the budget left; absent until a trial ended. */
  readonly etaSeconds?: number;
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
  /** Creates a study and runs it on the backend asked for (default 'auto'); resolves when it completes or is stopped. */
  startStudy(config: StudyConfig, callbacks?: SearchCallbacks, backend?: BackendPreference): Promise<Study>;
  /** Resumes a stored study: a trial left running by a reload is trained again. */
  resumeStudy(studyId: string, callbacks?: SearchCallbacks, backend?: BackendPreference): Promise<Study>;
  /** Holds the running study between batches until `unpause` (or `stop`). */
  pause(): void;
  unpause(): void;
  /** Stops between batches; the running trial goes back to the queue. */
  stop(): void;
  listStudies(): Promise<Study[]>;
  getStudy(studyId: string): Promise<StudyView | undefined>;
  exportStudy(studyId: string, userAgent: string): Promise<string>;
  /** Validates an untrusted document, then stores it as a new study; a rejected file changes nothing. */
  importStudy(text: string, fileName: string): Promise<Study>;
  deleteStudy(studyId: string): Promise<boolean>;
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
