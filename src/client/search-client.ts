/**
 * The page's side of the search worker: starts it lazily, hands it the datasets' URL, and calls
 * its API by the same names. Progress comes back through comlink proxies; the UI thread never
 * trains.
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
  SearchApi,
  SearchCallbacks,
  SearchPort,
  SearchWorker,
  SearchWorkerOptions,
  StudyExtension,
  StudyView,
  TrialCheck,
  TrialPrediction,
  TrialRequest,
  TryInput,
} from '../contracts/search-worker.ts';

export type { SearchCallbacks, StudyView };

/**
 * The worker's API with the same names (SearchPort), plus what only the page side does: proxying
 * the callbacks, transferring buffers, and starting the worker on first use.
 */
export class SearchClient implements SearchPort {
  #worker: Worker | undefined;
  #remote: Remote<SearchWorker> | undefined;
  readonly #options: SearchWorkerOptions;

  constructor(options: Partial<SearchWorkerOptions> = {}) {
    this.#options = { datasetsUrl: new URL(`${import.meta.env.BASE_URL}datasets/`, location.href).href, ...options };
  }

  /**
   * The worker's API, starting the worker on first use. comlink types a nested object as a promise
   * of it, but calls through it as through any remote: the cast says so, and
   * tests/contracts/search-port.test.ts pins `Remote<SearchApi>` to SearchPort.
   */
  get api(): Remote<SearchApi> {
    if (!this.#remote) {
      this.#worker = new Worker(new URL('../workers/search.worker.ts', import.meta.url), { type: 'module', name: 'search' });
      this.#remote = wrap<SearchWorker>(this.#worker);
      void this.#remote.init(this.#options);
    }
    return this.#remote.api as unknown as Remote<SearchApi>;
  }

  backend(request: BackendRequest): Promise<BackendInfo> {
    return this.api.backend(request);
  }

  /** The callbacks run on this side, through one comlink proxy. */
  startStudy(config: StudyConfig, callbacks: SearchCallbacks = {}, backend: BackendPreference = 'auto'): Promise<Study> {
    return this.api.startStudy(config, proxyCallbacks(callbacks), backend);
  }

  resumeStudy(studyId: string, callbacks: SearchCallbacks = {}, backend: BackendPreference = 'auto'): Promise<Study> {
    return this.api.resumeStudy(studyId, proxyCallbacks(callbacks), backend);
  }

  pause(): Promise<void> {
    return this.api.pause();
  }

  unpause(): Promise<void> {
    return this.api.unpause();
  }

  stop(): Promise<void> {
    return this.api.stop();
  }

  listDatasets(): Promise<DatasetInfo[]> {
    return this.api.listDatasets();
  }

  deleteDataset(id: string): Promise<boolean> {
    return this.api.deleteDataset(id);
  }

  /**
   * The files' buffers are transferred, not copied, so afterwards they are empty (detached) on
   * this side.
   */
  importDataset(request: DatasetImportRequest): Promise<DatasetInfo> {
    // A buffer may back two files; transferring it twice would throw a DataCloneError.
    const buffers = [...new Set(request.files.map((file) => file.bytes))];
    return this.api.importDataset(transfer(request, buffers));
  }

  listStudies(): Promise<Study[]> {
    return this.api.listStudies();
  }

  getStudy(studyId: string): Promise<StudyView | undefined> {
    return this.api.getStudy(studyId);
  }

  exportStudy(studyId: string, userAgent: string): Promise<string> {
    return this.api.exportStudy(studyId, userAgent);
  }

  importStudy(text: string, fileName: string): Promise<Study> {
    return this.api.importStudy(text, fileName);
  }

  deleteStudy(studyId: string): Promise<boolean> {
    return this.api.deleteStudy(studyId);
  }

  takeStudy(studyId: string): Promise<DeletedStudy | undefined> {
    return this.api.takeStudy(studyId);
  }

  restoreStudy(deleted: DeletedStudy): Promise<Study> {
    return this.api.restoreStudy(deleted);
  }

  /** The callbacks run on this side, through one comlink proxy, as for startStudy. */
  extendStudy(studyId: string, extension: StudyExtension, callbacks: SearchCallbacks = {}, backend: BackendPreference = 'auto'): Promise<Study> {
    return this.api.extendStudy(studyId, extension, proxyCallbacks(callbacks), backend);
  }

  getWeights(trialId: string): Promise<TrialWeights | undefined> {
    return this.api.getWeights(trialId);
  }

  queueTrial(studyId: string, request: TrialRequest): Promise<void> {
    return this.api.queueTrial(studyId, request);
  }

  exportModel(trialId: string): Promise<ModelFiles | undefined> {
    return this.api.exportModel(trialId);
  }

  exportForMicrocontroller(trialId: string): Promise<MicrocontrollerBundle | undefined> {
    return this.api.exportForMicrocontroller(trialId);
  }

  checkTrial(trialId: string): Promise<TrialCheck | undefined> {
    return this.api.checkTrial(trialId);
  }

  predict(trialId: string, input: TryInput): Promise<TrialPrediction | undefined> {
    return this.api.predict(trialId, input);
  }

  /** Ends the worker at once (e.g. when the page goes away); a later call starts a new one. */
  terminate(): void {
    this.#worker?.terminate();
    this.#worker = undefined;
    this.#remote = undefined;
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
