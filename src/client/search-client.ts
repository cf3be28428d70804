/**
 * The page's side of the search worker: starts it lazily, hands it the datasets' URL, and calls
 * its API by the same names. Progress comes back through comlink proxies; the UI thread never
 * trains. When the worker fails (an uncaught error in it, a message it cannot read) every pending
 * call is rejected in words and the next call starts a new worker.
 */
import { type Remote, proxy, transfer, wrap } from 'comlink';
import type { DatasetImportRequest, DatasetInfo } from '../contracts/datasets.ts';
import type { DeletedStudy, Study, StudyConfig } from '../contracts/study.ts';
import type { TrialWeights } from '../contracts/weights.ts';
import type {
  BackendInfo,
  BackendPreference,
  BackendRequest,
  MicrocontrollerBundle, ModelFiles,
  RunSettings,
  SearchApi,
  SearchCallbacks,
  SearchPort,
  SearchWorker,
  SearchWorkerOptions,
  StorageNote,
  StudyExtension,
  StudyView,
  TrialCheck,
  TrialPrediction,
  TrialRequest,
  TryInput,
} from '../contracts/search-worker.ts';
import { SearchWorkerStoppedError } from '../contracts/search-worker.ts';

export type { SearchCallbacks, StudyView };

/** One started worker: its remote, and a promise that rejects when the worker fails. */
interface WorkerSession {
  readonly worker: Worker;
  readonly remote: Remote<SearchWorker>;
  readonly stopped: Promise<never>;
}

/** Where the worker comes from; tests pass their own to reach the real worker from outside. */
export type WorkerFactory = () => Worker;

const searchWorker: WorkerFactory = () => new Worker(new URL('../workers/search.worker.ts', import.meta.url), { type: 'module', name: 'search' });

/**
 * The worker's API with the same names (SearchPort), plus what only the page side does: proxying
 * the callbacks, transferring buffers, starting the worker on first use, and noticing when it fails.
 */
export class SearchClient implements SearchPort {
  #session: WorkerSession | undefined;
  readonly #options: SearchWorkerOptions;
  readonly #createWorker: WorkerFactory;

  constructor(options: Partial<SearchWorkerOptions> = {}, createWorker: WorkerFactory = searchWorker) {
    this.#options = { datasetsUrl: new URL(`${import.meta.env.BASE_URL}datasets/`, location.href).href, ...options };
    this.#createWorker = createWorker;
  }

  /**
   * The worker's API, starting the worker on first use. comlink types a nested object as a promise
   * of it, but calls through it as through any remote: the cast says so, and
   * tests/contracts/search-port.test.ts pins `Remote<SearchApi>` to SearchPort. A call made straight
   * through it is not rejected when the worker fails; the methods of this class are.
   */
  get api(): Remote<SearchApi> {
    return this.#start().remote.api as unknown as Remote<SearchApi>;
  }

  /** The running worker, or a new one (the first call, or the first after a failure). */
  #start(): WorkerSession {
    if (this.#session) return this.#session;
    const worker = this.#createWorker();
    let fail: (error: SearchWorkerStoppedError) => void = () => {};
    const stopped = new Promise<never>((_resolve, reject) => (fail = reject));
    // Only calls pending when it fails are told; the promise itself is never left unhandled.
    stopped.catch(() => {});
    const session: WorkerSession = { worker, remote: wrap<SearchWorker>(worker), stopped };
    const onFailure = (detail: string): void => {
      if (this.#session !== session) return;
      // An uncaught error may leave the worker half-alive (a run's timers still going): it is ended,
      // which also gives back the study lock it held, so that the study can be resumed.
      this.#session = undefined;
      worker.terminate();
      fail(new SearchWorkerStoppedError(`the search worker stopped unexpectedly: ${detail}`));
    };
    worker.addEventListener('error', (event: ErrorEvent) => {
      event.preventDefault();
      onFailure(event.message ? `${event.message.replace(/^Uncaught /, '')}` : 'it failed to start or crashed (the browser gave no reason)');
    });
    worker.addEventListener('messageerror', () => onFailure('a message from it could not be read'));
    this.#session = session;
    void this.#guard(session, () => session.remote.init(this.#options)).catch(() => {});
    return session;
  }

  /** Calls the worker, rejecting with SearchWorkerStoppedError if the worker fails before it answers. */
  #call<T>(call: (api: Remote<SearchApi>) => Promise<T>): Promise<T> {
    const session = this.#start();
    return this.#guard(session, () => call(session.remote.api as unknown as Remote<SearchApi>));
  }

  #guard<T>(session: WorkerSession, call: () => Promise<T>): Promise<T> {
    return Promise.race([call(), session.stopped]);
  }

  backend(request: BackendRequest): Promise<BackendInfo> {
    return this.#call((api) => api.backend(request));
  }

  /** The callbacks run on this side, through one comlink proxy. */
  startStudy(config: StudyConfig, callbacks: SearchCallbacks = {}, backend: BackendPreference = 'auto', run: RunSettings = {}): Promise<Study> {
    return this.#call((api) => api.startStudy(config, proxyCallbacks(callbacks), backend, run));
  }

  resumeStudy(studyId: string, callbacks: SearchCallbacks = {}, backend: BackendPreference = 'auto', run: RunSettings = {}): Promise<Study> {
    return this.#call((api) => api.resumeStudy(studyId, proxyCallbacks(callbacks), backend, run));
  }

  pause(): Promise<void> {
    return this.#call((api) => api.pause());
  }

  unpause(): Promise<void> {
    return this.#call((api) => api.unpause());
  }

  stop(): Promise<void> {
    return this.#call((api) => api.stop());
  }

  listDatasets(): Promise<DatasetInfo[]> {
    return this.#call((api) => api.listDatasets());
  }

  deleteDataset(id: string): Promise<boolean> {
    return this.#call((api) => api.deleteDataset(id));
  }

  /**
   * The files' buffers are transferred, not copied, so afterwards they are empty (detached) on
   * this side.
   */
  importDataset(request: DatasetImportRequest): Promise<DatasetInfo> {
    // A buffer may back two files; transferring it twice would throw a DataCloneError.
    const buffers = [...new Set(request.files.map((file) => file.bytes))];
    return this.#call((api) => api.importDataset(transfer(request, buffers)));
  }

  listStudies(): Promise<Study[]> {
    return this.#call((api) => api.listStudies());
  }

  studiesRunningElsewhere(): Promise<string[]> {
    return this.#call((api) => api.studiesRunningElsewhere());
  }

  storageNotes(): Promise<StorageNote[]> {
    return this.#call((api) => api.storageNotes());
  }

  dismissStorageNote(id: number): Promise<void> {
    return this.#call((api) => api.dismissStorageNote(id));
  }

  getStudy(studyId: string): Promise<StudyView | undefined> {
    return this.#call((api) => api.getStudy(studyId));
  }

  exportStudy(studyId: string, userAgent: string): Promise<string> {
    return this.#call((api) => api.exportStudy(studyId, userAgent));
  }

  importStudy(text: string, fileName: string): Promise<Study> {
    return this.#call((api) => api.importStudy(text, fileName));
  }

  deleteStudy(studyId: string): Promise<boolean> {
    return this.#call((api) => api.deleteStudy(studyId));
  }

  takeStudy(studyId: string): Promise<DeletedStudy | undefined> {
    return this.#call((api) => api.takeStudy(studyId));
  }

  restoreStudy(deleted: DeletedStudy): Promise<Study> {
    return this.#call((api) => api.restoreStudy(deleted));
  }

  /** The callbacks run on this side, through one comlink proxy, as for startStudy. */
  extendStudy(studyId: string, extension: StudyExtension, callbacks: SearchCallbacks = {}, backend: BackendPreference = 'auto', run: RunSettings = {}): Promise<Study> {
    return this.#call((api) => api.extendStudy(studyId, extension, proxyCallbacks(callbacks), backend, run));
  }

  getWeights(trialId: string): Promise<TrialWeights | undefined> {
    return this.#call((api) => api.getWeights(trialId));
  }

  queueTrial(studyId: string, request: TrialRequest): Promise<void> {
    return this.#call((api) => api.queueTrial(studyId, request));
  }

  exportModel(trialId: string): Promise<ModelFiles | undefined> {
    return this.#call((api) => api.exportModel(trialId));
  }

  exportForMicrocontroller(trialId: string): Promise<MicrocontrollerBundle | undefined> {
    return this.#call((api) => api.exportForMicrocontroller(trialId));
  }

  checkTrial(trialId: string): Promise<TrialCheck | undefined> {
    return this.#call((api) => api.checkTrial(trialId));
  }

  predict(trialId: string, input: TryInput): Promise<TrialPrediction | undefined> {
    return this.#call((api) => api.predict(trialId, input));
  }

  tensorCount(): Promise<number> {
    return this.#call((api) => api.tensorCount());
  }

  /**
   * Ends the worker at once (e.g. when the page goes away); a later call starts a new one. Calls
   * pending on it are left unanswered: the page that ends it is going away.
   */
  terminate(): void {
    this.#session?.worker.terminate();
    this.#session = undefined;
  }
}

const ignore = (): void => {};

/**
 * One proxy for all callbacks: comlink only proxies a top-level argument, and a property of a
 * proxy always looks present on the other side, so all are always given.
 */
function proxyCallbacks(callbacks: SearchCallbacks): SearchCallbacks {
  return proxy({
    onStudy: callbacks.onStudy ?? ignore,
    onBackend: callbacks.onBackend ?? ignore,
    onProgress: callbacks.onProgress ?? ignore,
    onTrial: callbacks.onTrial ?? ignore,
  });
}
