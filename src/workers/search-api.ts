/**
 * What the search worker offers the page, as plain async functions over the engine and the
 * database (STYLE.md: the worker entry only exposes them, so they can be tested without a worker).
 * Training runs here, never on the UI thread; progress goes back through callbacks that the page
 * passes as comlink proxies, throttled here so that the page is never flooded.
 */
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { transfer } from 'comlink';
import { type BackendPreference, type BackendRequest, type MicrocontrollerBundle, type ModelFiles, type RunSettings, type SearchApi, type SearchCallbacks, type SearchWorkerOptions, type StorageNote, type StudyExtension, type StudyView, type TrialCheck, type TrialPrediction, type TrialRequest, type TryInput, parallelTrialsProblem } from '../contracts/search-worker.ts';
import { newStudyId } from '../contracts/study-ids.ts';
import { checkStudyConfig } from '../contracts/study-records.ts';
import { resolveTargetSpec } from '../contracts/study-objectives.ts';
import { zipBundle } from '../deploy/bundle.ts';
import { chooseExportTarget, exportNetwork } from '../engine/export-trial.ts';
import { checkOnTestSet, predictOne, trialRanges } from '../engine/check-trial.ts';
import type { ActivationRange } from '../tf/quantize.ts';
import { Network } from '../tf/network.ts';
import type { DatasetImportRequest, DatasetInfo } from '../contracts/datasets.ts';
import { type DeletedStudy, type Study, type StudyConfig, type StudyTrial, studyTrainingDefaults } from '../contracts/study.ts';
import { buildStudyDocument, parseStudyDocument, serializeStudyDocument } from '../contracts/study-document.ts';
import type { TrialWeights } from '../contracts/weights.ts';
import type { Dataset } from '../data/dataset.ts';
import { importStudyDocument } from '../db/import.ts';
import { openStudyDatabase, type StudyDatabase } from '../db/schema.ts';
import { createStudy, deleteStudy, getStudy, listStudies, restoreStudy, resumeStudy, takeStudy, updateStudy } from '../db/studies.ts';
import { extendedBudget } from '../engine/extend-study.ts';
import { listTrials } from '../db/trials.ts';
import { dismissRepair, listRepairs } from '../db/repairs.ts';
import { getWeights } from '../db/weights.ts';
import { indexedDbStudyStore } from '../db/study-store.ts';
import { paretoFrontIds, requestedTrial, runStudy } from '../engine/study-runner.ts';
import { modelFiles } from '../tf/model-files.ts';
import { type BackendChoice, backendNames, selectBackend } from '../tf/backend.ts';
import { probeArchitecture } from '../tf/backend-speed.ts';
import { createDatasetLibrary } from './dataset-library.ts';
import { createStudyLocks } from './study-locks.ts';
import { type TrainerWorkerFactory, createTrainerPool } from './trainer-pool.ts';
import { PauseGate } from '../engine/pause-gate.ts';
import { messageOf } from '../core/error-message.ts';

/** What a second start, resume or extension is told while one is being prepared or runs. */
const busyMessage = 'a study is already running in this worker; stop it first';

/** How many trials a run trains at once, checked in words before anything is stored. */
function parallelTrialsOf(run: RunSettings, canStartWorkers: boolean): number {
  const parallelTrials = run.parallelTrials ?? 1;
  const problem = parallelTrialsProblem(parallelTrials);
  if (problem !== undefined) throw new Error(problem);
  if (parallelTrials > 1 && !canStartWorkers) throw new Error('several trials at once need trainer workers, which cannot be started here; train one trial at a time');
  return parallelTrials;
}

/** The threads of this worker's WASM backend, which tfjs sized to the machine; 1 before it started. */
function wasmThreadsHere(): number {
  try {
    return getThreadsCount();
  } catch {
    return 1;
  }
}

/**
 * Creates the API; nothing starts (no database, no backend) until a function needs it.
 * `createTrainerWorker` makes the trainer workers of runs with several trials at once: the worker
 * entry passes src/workers/trainer.worker.ts; without it (Node) only one trial at a time runs.
 */
export function createSearchApi(options: SearchWorkerOptions, createTrainerWorker?: TrainerWorkerFactory): SearchApi {
  let db: Promise<StudyDatabase> | undefined;
  let backend: { key: string; choice: Promise<BackendChoice> } | undefined;
  let running: { studyId: string; controller: AbortController; gate: PauseGate; requested: TrialRequest[] } | undefined;
  /**
   * Taken synchronously, before the first await, by startStudy, resumeStudy and extendStudy, and
   * given back when they end on any path: two calls in the same tick cannot both pass.
   */
  let reserved = false;
  /** One owner per study, across tabs (study-locks.ts). */
  const locks = createStudyLocks();

  const database = (): Promise<StudyDatabase> => (db ??= openStudyDatabase(options.databaseName));
  const library = createDatasetLibrary(options.datasetsUrl, database);
  const dataset = (id: string): Promise<Dataset> => library.load(id);

  /**
   * The backend for `request`, probed once per request (a new dataset shape or preference probes
   * again). A failed probe is forgotten, so that the next call tries again.
   */
  async function chooseBackend(request: BackendRequest): Promise<BackendChoice> {
    const key = JSON.stringify([request.preference, request.dataset, request.batchSize]);
    if (backend?.key !== key) {
      // Probing switches tfjs's backend: never under a study that is training.
      if (running) throw new Error('a study is training; the backend can be chosen again when it has stopped');
      const probing = (async (): Promise<BackendChoice> => {
        const data = await dataset(request.dataset);
        const { height, width, channels } = data.train;
        return selectBackend({
          candidates: request.preference === 'auto' ? (options.backends ?? backendNames) : [request.preference],
          speed: { architecture: probeArchitecture({ height, width, channels }, data.classNames.length), batchSize: request.batchSize },
        });
      })();
      backend = { key, choice: probing };
      probing.catch(() => {
        if (backend?.key === key) backend = undefined;
      });
    }
    return backend.choice;
  }
  /** The backend in use, or (before any study) the fastest for the built-in MNIST. */
  const currentBackend = (): Promise<BackendChoice> => backend?.choice ?? chooseBackend({ preference: 'auto', dataset: 'mnist', batchSize: studyTrainingDefaults.batchSize });

  /** Reserves the one run of this worker, or refuses in words; the caller gives it back in a `finally`. */
  function reserve(): () => void {
    if (reserved || running) throw new Error(busyMessage);
    reserved = true;
    return () => {
      reserved = false;
    };
  }

  /** Refuses in words to change a study that another tab is running. */
  async function refuseIfElsewhere(studyId: string, doing: string): Promise<void> {
    if ((await locks.elsewhere()).includes(studyId)) throw new Error(`this study is running in another tab; stop it there before you ${doing}`);
  }

  /** Refuses in words to delete a study that this worker or another tab is running. */
  async function refuseDeleting(studyId: string): Promise<void> {
    if (locks.owned === studyId || running?.studyId === studyId) throw new Error('stop the search before you delete its study');
    await refuseIfElsewhere(studyId, 'delete it');
  }

  /**
   * A new study's config, checked before anything is stored: as an untrusted study config (the
   * checks an import makes), its dataset present here, and its search space shaped for that dataset.
   */
  async function checkedConfig(config: StudyConfig): Promise<StudyConfig> {
    let checked: StudyConfig;
    try {
      checked = checkStudyConfig(config);
    } catch (error) {
      throw new Error(`the study's settings cannot be used: ${messageOf(error)}`);
    }
    let data: Dataset;
    try {
      data = await dataset(checked.dataset);
    } catch (error) {
      throw new Error(`the study's dataset cannot be used: ${messageOf(error)}`);
    }
    const { input, classes } = checked.searchSpace;
    const { height, width, channels } = data.train;
    if (input.height !== height || input.width !== width || input.channels !== channels || classes !== data.classNames.length) {
      throw new Error(
        `the study's search space takes ${input.height}×${input.width}×${input.channels} images in ${classes} classes, ` +
          `but the dataset "${checked.dataset}" has ${height}×${width}×${channels} images in ${data.classNames.length} classes`,
      );
    }
    return checked;
  }

  /**
   * Runs a stored study to its end, a stop, or a pause that is never resumed, `parallelTrials`
   * trials at once: one in this worker, or each in its own trainer worker. One run at a time.
   */
  async function run(study: Study, callbacks: SearchCallbacks, preference: BackendPreference, parallelTrials: number, minutesSpent = 0): Promise<Study> {
    if (running) throw new Error(busyMessage);
    const choice = await chooseBackend({ preference, dataset: study.config.dataset, batchSize: study.config.batchSize });
    callbacks.onBackend?.(choice);
    const data = await dataset(study.config.dataset);
    const controller = new AbortController();
    const gate = new PauseGate();
    const requested: TrialRequest[] = [];
    running = { studyId: study.id, controller, gate, requested };
    let last = 0;
    const interval = options.progressIntervalMs ?? 200;
    // Each trainer worker loads the dataset itself and trains on the backend chosen here, by name.
    const pool =
      parallelTrials > 1 && createTrainerWorker
        ? createTrainerPool(
            parallelTrials,
            {
              datasetsUrl: options.datasetsUrl,
              ...(options.databaseName !== undefined ? { databaseName: options.databaseName } : {}),
              dataset: study.config.dataset,
              backend: { name: choice.backend, reason: choice.reason },
              // tfjs sized this worker's WASM pool to the machine (half its cores); the trainers share it.
              ...(choice.backend === 'wasm' ? { wasmThreads: Math.max(1, Math.floor(wasmThreadsHere() / parallelTrials)) } : {}),
            },
            createTrainerWorker,
          )
        : undefined;
    try {
      return await runStudy(study, {
        store: indexedDbStudyStore(await database()),
        dataset: data,
        backend: { name: choice.backend, reason: choice.reason },
        keepWeights: true,
        signal: controller.signal,
        gate,
        onProgress: (progress) => {
          const now = performance.now();
          if (progress.trial && now - last < interval) return;
          last = now;
          callbacks.onProgress?.(progress);
        },
        onTrial: (trial) => callbacks.onTrial?.(trial),
        takeRequested: () => requested.shift(),
        ...(minutesSpent > 0 ? { minutesSpent } : {}),
        ...(pool ? { trainers: pool.trainers } : {}),
      });
    } finally {
      pool?.terminate();
      running = undefined;
      // A request that arrived as the study ended is kept as a queued trial, trained on the next resume.
      if (requested.length > 0) {
        const d = await database();
        const store = indexedDbStudyStore(d);
        let index = (await listTrials(d, study.id)).length;
        for (const request of requested.splice(0)) await store.saveTrial(requestedTrial(study, index++, request));
      }
    }
  }

  /** The calibrated ranges of the trial checked last: "try it" asks again and again for one trial. */
  let calibrated: { trialId: string; ranges: Promise<ActivationRange[]> } | undefined;

  /**
   * A trial whose weights are kept, rebuilt for inference: its study, its dataset and its network
   * with the weights set (the caller disposes it); undefined when its weights are not kept. Runs on
   * the study's backend, or else on WASM once it passes the numerical check, with no speed probe.
   */
  async function keptTrial(trialId: string): Promise<{ study: Study; trial: StudyTrial; data: Dataset; network: Network } | undefined> {
    const d = await database();
    const weights = await getWeights(d, trialId);
    if (!weights) return undefined;
    const study = await getStudy(d, weights.studyId);
    const trial = (await listTrials(d, weights.studyId)).find((t) => t.id === trialId);
    if (!study || !trial) return undefined;
    const data = await dataset(study.config.dataset);
    await (backend?.choice ?? selectBackend({ candidates: ['wasm', 'cpu'] }));
    const network = Network.create(trial.architecture);
    try {
      network.setWeights(weights.ops);
    } catch (error) {
      network.dispose();
      throw error;
    }
    return { study, trial, data, network };
  }

  /**
   * Runs `use` on a trial's network rebuilt from its kept weights, with its int8 calibration;
   * undefined when its weights are not kept. The network is disposed afterwards.
   */
  async function withTrialNetwork<T>(trialId: string, use: (network: Network, data: Dataset, ranges: readonly ActivationRange[]) => Promise<T>): Promise<T | undefined> {
    const kept = await keptTrial(trialId);
    if (!kept) return undefined;
    const { trial, data, network } = kept;
    try {
      if (calibrated?.trialId !== trialId) {
        const ranges = trialRanges(network, data, trial.hyperparameters.seed);
        calibrated = { trialId, ranges };
        ranges.catch(() => {
          if (calibrated?.ranges === ranges) calibrated = undefined;
        });
      }
      return await use(network, data, await calibrated.ranges);
    } finally {
      network.dispose();
    }
  }

  return {
    backend: (request: BackendRequest): Promise<BackendChoice> => chooseBackend(request),
    importDataset: (request: DatasetImportRequest): Promise<DatasetInfo> => library.importFiles(request),
    listDatasets: (): Promise<DatasetInfo[]> => library.list(),
    deleteDataset: (id: string): Promise<boolean> => library.remove(id),
    async startStudy(config: StudyConfig, callbacks: SearchCallbacks = {}, preference: BackendPreference = 'auto', settings: RunSettings = {}): Promise<Study> {
      const release = reserve();
      try {
        const parallelTrials = parallelTrialsOf(settings, createTrainerWorker !== undefined);
        const checked = await checkedConfig(config);
        // The id first, so that the lock is held before the study can be seen by another tab.
        const id = newStudyId();
        return await locks.hold(id, async () => {
          const study = await createStudy(await database(), checked, { id });
          callbacks.onStudy?.(study);
          return run(study, callbacks, preference, parallelTrials);
        });
      } finally {
        release();
      }
    },
    /** Resumes a stored study: a trial left running by a reload or a crash is trained again. */
    async resumeStudy(studyId: string, callbacks: SearchCallbacks = {}, preference: BackendPreference = 'auto', settings: RunSettings = {}): Promise<Study> {
      const release = reserve();
      try {
        const parallelTrials = parallelTrialsOf(settings, createTrainerWorker !== undefined);
        return await locks.hold(studyId, async () => {
          const { study } = await resumeStudy(await database(), studyId);
          callbacks.onStudy?.(study);
          return run(study, callbacks, preference, parallelTrials);
        });
      } finally {
        release();
      }
    },
    pause(): void {
      running?.gate.pause();
    },
    unpause(): void {
      running?.gate.resume();
    },
    /** Stops between batches; the running trials go back to the queue. */
    stop(): void {
      running?.gate.resume();
      running?.controller.abort();
    },
    listStudies: async (): Promise<Study[]> => listStudies(await database()),
    studiesRunningElsewhere: (): Promise<string[]> => locks.elsewhere(),
    storageNotes: async (): Promise<StorageNote[]> => (await listRepairs(await database())).flatMap((note) => (note.id === undefined ? [] : [{ id: note.id, text: note.text, at: note.at }])),
    dismissStorageNote: async (id: number): Promise<void> => dismissRepair(await database(), id),
    async getStudy(studyId: string): Promise<StudyView | undefined> {
      const d = await database();
      const study = await getStudy(d, studyId);
      if (!study) return undefined;
      const trials = await listTrials(d, studyId);
      return { study, trials, paretoFront: paretoFrontIds(trials, study.config) };
    },
    async exportStudy(studyId: string, userAgent: string): Promise<string> {
      const d = await database();
      const study = await getStudy(d, studyId);
      if (!study) throw new Error(`there is no study "${studyId}" to export`);
      const trials = await listTrials(d, studyId);
      const choice = await currentBackend();
      return serializeStudyDocument(buildStudyDocument(study, trials, paretoFrontIds(trials, study.config), { tfjsVersion: tf.version.tfjs, backend: choice.backend, userAgent }));
    },
    /** Validates an untrusted document, then stores it as a new study; a rejected file changes nothing. */
    async importStudy(text: string, fileName: string): Promise<Study> {
      const doc = parseStudyDocument(text, fileName);
      return (await importStudyDocument(await database(), doc, { fileName })).study;
    },
    async deleteStudy(studyId: string): Promise<boolean> {
      await refuseDeleting(studyId);
      return deleteStudy(await database(), studyId);
    },
    async takeStudy(studyId: string): Promise<DeletedStudy | undefined> {
      await refuseDeleting(studyId);
      return takeStudy(await database(), studyId);
    },
    restoreStudy: async (deleted: DeletedStudy): Promise<Study> => restoreStudy(await database(), deleted),
    async extendStudy(studyId: string, extension: StudyExtension, callbacks: SearchCallbacks = {}, preference: BackendPreference = 'auto', settings: RunSettings = {}): Promise<Study> {
      // Reserved, and the lock taken, before the budget changes: run() would refuse only after it.
      const release = reserve();
      try {
        const parallelTrials = parallelTrialsOf(settings, createTrainerWorker !== undefined);
        return await locks.hold(studyId, async () => {
          const d = await database();
          const stored = await getStudy(d, studyId);
          if (!stored) throw new Error(`there is no study "${studyId}" to extend`);
          const { config, minutesSpent } = extendedBudget(stored, await listTrials(d, studyId), extension);
          await updateStudy(d, studyId, { config });
          const { study } = await resumeStudy(d, studyId);
          callbacks.onStudy?.(study);
          return run(study, callbacks, preference, parallelTrials, minutesSpent);
        });
      } finally {
        release();
      }
    },
    getWeights: async (trialId: string): Promise<TrialWeights | undefined> => getWeights(await database(), trialId),
    async queueTrial(studyId: string, request: TrialRequest): Promise<void> {
      const d = await database();
      const study = await getStudy(d, studyId);
      if (!study) throw new Error(`there is no study "${studyId}" to add a trial to`);
      if (running?.studyId !== studyId) await refuseIfElsewhere(studyId, 'add a trial to it here');
      const trials = await listTrials(d, studyId);
      // Checked here, in words, before anything is queued.
      const trial = requestedTrial(study, trials.length, request);
      if (running?.studyId === studyId) running.requested.push(request);
      else await indexedDbStudyStore(d).saveTrial(trial);
    },
    async exportModel(trialId: string): Promise<ModelFiles | undefined> {
      const d = await database();
      const weights = await getWeights(d, trialId);
      if (!weights) return undefined;
      const trial = (await listTrials(d, weights.studyId)).find((t) => t.id === trialId);
      if (!trial) return undefined;
      await currentBackend();
      const files = await modelFiles(trial.architecture, weights.ops, `${trialId}.weights.bin`);
      return transfer(files, [files.weights]);
    },
    async exportForMicrocontroller(trialId: string): Promise<MicrocontrollerBundle | undefined> {
      const started = performance.now();
      const kept = await keptTrial(trialId);
      if (!kept) return undefined;
      const { study, trial, data, network } = kept;
      const choice = chooseExportTarget(study.config.targets.map((spec) => resolveTargetSpec(spec)));
      try {
        const result = await exportNetwork(network, data, {
          target: choice.target,
          seed: trial.hyperparameters.seed,
          source: { dataset: study.config.dataset, study: study.id, trial: trial.id },
          createdBy: `sparse-search-playground in the browser (tfjs ${tf.version.tfjs}, ${tf.getBackend()})`,
        });
        const folder = `${trialId.replace(/[^A-Za-z0-9._-]/g, '_')}-microcontroller`;
        const zip = zipBundle(result.files, folder);
        const buffer = zip.buffer.slice(zip.byteOffset, zip.byteOffset + zip.byteLength) as ArrayBuffer;
        const bundle: MicrocontrollerBundle = {
          fileName: `${folder}.zip`,
          zip: buffer,
          tfliteBytes: result.manifest.tfliteBytes,
          targetName: result.manifest.target.name,
          ...(choice.note ? { note: choice.note } : {}),
          int8TestAccuracy: result.manifest.int8TestAccuracy,
          arenaSizeToConfigure: result.manifest.predicted.arenaSizeToConfigure,
          milliseconds: performance.now() - started,
        };
        return transfer(bundle, [buffer]);
      } finally {
        network.dispose();
      }
    },
    async checkTrial(trialId: string): Promise<TrialCheck | undefined> {
      const started = performance.now();
      return withTrialNetwork(trialId, async (network, data, ranges) => ({ trialId, ...(await checkOnTestSet(network, data, ranges)), milliseconds: performance.now() - started }));
    },
    tensorCount: (): number => tf.memory().numTensors,
    predict: (trialId: string, input: TryInput): Promise<TrialPrediction | undefined> =>
      withTrialNetwork(trialId, async (network, data, ranges) => ({ trialId, ...(await predictOne(network, data, ranges, input)) })),
  };
}

