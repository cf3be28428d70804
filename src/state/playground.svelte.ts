/**
 * The playground's session: the stored studies, the one on screen, whether a search is running, the
 * backend the worker trains on, and the messages for the user. Every action goes through a
 * SearchPort (the worker's client in the page; the same API in-process in Node tests), so the UI
 * thread never trains and this class never touches the DOM.
 */
import type { BackendInfo, BackendPreference, MicrocontrollerBundle, RunSettings, SearchCallbacks, SearchPort, StorageNote, TrialCheck, TrialPrediction, TrialRequest, TryInput } from '../contracts/search-worker.ts';
import { SearchWorkerStoppedError } from '../contracts/search-worker.ts';
import type { Study, StudyConfig } from '../contracts/study.ts';
import type { DatasetImportRequest, DatasetInfo } from '../contracts/datasets.ts';
import { StudyState } from './study.svelte.ts';
import { Clock } from './clock.svelte.ts';
import type { ShownEta } from './countdown.ts';
import type { DeletedStudy } from '../contracts/study.ts';
import type { StudyExtension } from '../contracts/search-worker.ts';
import { messageOf } from '../core/error-message.ts';

export type { SearchPort };

/** A file for the user to save: the UI turns it into a download. */
export interface DownloadFile {
  readonly fileName: string;
  readonly type: string;
  readonly data: string | ArrayBuffer;
}

/** A deleted study as the page offers it back. */
export interface DeletedEntry {
  readonly studyId: string;
  readonly name: string;
}

/** How long "Deleted "…". Undo" stays after a deletion (the study can be brought back later from the list of deleted ones). */
export const undoWindowMs = 10_000;

/** A file name from a study name: letters, digits and dashes only. */
export function fileNameOf(name: string, suffix: string): string {
  const base = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60);
  return `${base || 'study'}${suffix}`;
}

export class PlaygroundState {
  readonly #port: SearchPort;
  readonly #backendPreference: () => BackendPreference;
  readonly #parallelTrials: () => number;
  #studies = $state.raw<readonly Study[]>([]);
  #datasets = $state.raw<readonly DatasetInfo[]>([]);
  #current = $state.raw<StudyState | undefined>();
  #running = $state(false);
  #runningStudyId = $state<string | undefined>();
  #paused = $state(false);
  #backend = $state.raw<BackendInfo | undefined>();
  #alert = $state<string | undefined>();
  #notice = $state<string | undefined>();
  #importError = $state<string | undefined>();
  #storageNotes = $state.raw<readonly StorageNote[]>([]);
  #active: Promise<void> | undefined;
  /** Ticks while a search runs, so that the time left counts down between the worker's reports. */
  readonly #clock = new Clock();
  /** What deleted studies had stored, by id: each can be brought back until the page closes. */
  readonly #deleted = new Map<string, DeletedStudy>();
  #recentlyDeleted = $state.raw<readonly DeletedEntry[]>([]);
  #undoOffer = $state.raw<DeletedEntry | undefined>();
  #undoTimer: ReturnType<typeof setTimeout> | undefined;
  /** Studies another tab is running (it holds their lock): shown as such, with no Resume nor Delete here. */
  #elsewhere = $state.raw<ReadonlySet<string>>(new Set());

  /**
   * `backendPreference` and `parallelTrials` (trials at once) are read whenever a search starts,
   * resumes or is extended: the setup's choices in the page.
   */
  constructor(port: SearchPort, backendPreference: () => BackendPreference = () => 'auto', parallelTrials: () => number = () => 1) {
    this.#port = port;
    this.#backendPreference = backendPreference;
    this.#parallelTrials = parallelTrials;
  }

  /** How this machine runs the next search (not part of the study). */
  #runSettings(): RunSettings {
    return { parallelTrials: this.#parallelTrials() };
  }

  get studies(): readonly Study[] {
    return this.#studies;
  }
  /** The built-in datasets, then the imported ones. */
  get datasets(): readonly DatasetInfo[] {
    return this.#datasets;
  }
  get current(): StudyState | undefined {
    return this.#current;
  }
  get running(): boolean {
    return this.#running;
  }
  /** The study a search is running on (the user may be looking at another one meanwhile). */
  get runningStudyId(): string | undefined {
    return this.#runningStudyId;
  }
  get paused(): boolean {
    return this.#paused;
  }
  get backend(): BackendInfo | undefined {
    return this.#backend;
  }
  /** A problem the user must see (role="alert"). */
  get alert(): string | undefined {
    return this.#alert;
  }
  /** What the last upgrade of the stored database repaired or set aside, until dismissed. */
  get storageNotes(): readonly StorageNote[] {
    return this.#storageNotes;
  }
  /** What just happened (role="status"). */
  get notice(): string | undefined {
    return this.#notice;
  }
  /** The study deleted last, for "Deleted "…". Undo", during undoWindowMs after its deletion. */
  get undoOffer(): DeletedEntry | undefined {
    return this.#undoOffer;
  }
  /** Every study deleted since the page opened and not brought back, the latest first. */
  get recentlyDeleted(): readonly DeletedEntry[] {
    return this.#recentlyDeleted;
  }
  /** The time left of the running search, counting down each second (undefined when none runs). */
  get eta(): ShownEta | undefined {
    return this.#running ? this.#current?.etaAt(this.#clock.now) : undefined;
  }
  /** Seconds the running search has run, counting up each second. */
  get elapsedSeconds(): number | undefined {
    return this.#running ? this.#current?.elapsedAt(this.#clock.now) : undefined;
  }
  /** Ids of the studies another tab is running now (checkOtherTabs keeps it up to date). */
  get runningElsewhere(): ReadonlySet<string> {
    return this.#elsewhere;
  }
  /** Why the last imported file was refused; nothing stored was touched. */
  get importError(): string | undefined {
    return this.#importError;
  }

  /** Lists the stored studies and opens the latest one, so that a reload shows where the user was. */
  async load(): Promise<void> {
    try {
      await this.loadDatasets();
      this.#storageNotes = await this.#port.storageNotes();
      // First, so that a study another tab runs never shows a Resume here, even for a moment.
      await this.checkOtherTabs();
      await this.#refresh();
      const latest = this.#studies[0];
      if (latest && !this.#current) await this.open(latest.id);
    } catch (error) {
      this.#alert = `The stored studies could not be read (is storage blocked for this page?): ${messageOf(error)}`;
    }
  }

  /**
   * Asks which studies another tab is running (the page calls it on an interval and when it is
   * shown again). When that changes, the list is read again, and so is the study on screen while
   * another tab runs it or has just let it go, so that its trials and its Resume are up to date.
   */
  async checkOtherTabs(): Promise<void> {
    let ids: string[];
    try {
      ids = await this.#port.studiesRunningElsewhere();
    } catch {
      // The worker is starting again after a failure, or storage is blocked: the next check tells.
      return;
    }
    const before = this.#elsewhere;
    const now = new Set(ids);
    const changed = now.size !== before.size || ids.some((id) => !before.has(id));
    if (changed) this.#elsewhere = now;
    const shown = this.#current?.id;
    if (changed) await this.#refresh().catch(() => {});
    if (shown !== undefined && !(this.#running && this.#runningStudyId === shown) && (now.has(shown) || (changed && before.has(shown)))) await this.#reopen(shown);
  }

  async loadDatasets(): Promise<void> {
    this.#datasets = await this.#port.listDatasets();
  }

  /**
   * Imports a dataset in the worker (decoding never runs on this thread); resolves to it, or throws
   * the worker's message, which names the file and what is wrong with it.
   */
  async importDataset(request: DatasetImportRequest): Promise<DatasetInfo> {
    const info = await this.#port.importDataset(request);
    await this.loadDatasets();
    this.#notice = `Imported the dataset "${info.name}": ${info.splits.train + info.splits.validation + info.splits.test} images of ${info.shape.height}×${info.shape.width}×${info.shape.channels} in ${info.classes} classes.`;
    return info;
  }

  /** Deletes an imported dataset; the worker refuses while a stored study uses it. */
  async deleteDataset(id: string): Promise<void> {
    try {
      await this.#port.deleteDataset(id);
      await this.loadDatasets();
      this.#notice = 'Dataset deleted.';
    } catch (error) {
      this.#alert = messageOf(error);
    }
  }

  /** Starts a new study; resolves when it ends (completed or stopped). */
  startStudy(config: StudyConfig): Promise<void> {
    return this.#run((callbacks) => this.#port.startStudy(config, callbacks, this.#backendPreference(), this.#runSettings()), `Searching: ${config.name}`);
  }

  /** Goes on with a stored study: a trial a reload interrupted is trained again. */
  resumeStudy(studyId: string): Promise<void> {
    return this.#run((callbacks) => this.#port.resumeStudy(studyId, callbacks, this.#backendPreference(), this.#runSettings()), 'Resuming the search');
  }

  /** Stops between batches; the running trials go back to the queue, so a resume trains them again. */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#notice = 'Stopping after the current batch…';
    await this.#port.stop();
  }

  async pause(): Promise<void> {
    if (!this.#running || this.#paused) return;
    await this.#port.pause();
    this.#paused = true;
    this.#notice = 'Paused between batches.';
  }

  /** Goes on after `pause`, from the batch it held at. */
  async unpause(): Promise<void> {
    if (!this.#paused) return;
    await this.#port.unpause();
    this.#paused = false;
    this.#notice = 'Searching again.';
  }

  /** Reads the study on screen again from storage, keeping the trial selected when it is still there. */
  async #reopen(studyId: string): Promise<void> {
    const view = await this.#port.getStudy(studyId).catch(() => undefined);
    if (!view || this.#current?.id !== studyId) return;
    const selected = this.#current.selectedId;
    this.#current = new StudyState(view.study, view.trials);
    if (selected !== undefined && view.trials.some((t) => t.id === selected)) this.#current.select(selected);
  }

  /** Shows a stored study. */
  async open(studyId: string): Promise<void> {
    if (this.#current?.id === studyId) return;
    const view = await this.#port.getStudy(studyId);
    if (!view) {
      this.#alert = `The study "${studyId}" is not stored any more.`;
      await this.#refresh();
      return;
    }
    this.#current = new StudyState(view.study, view.trials);
  }

  /**
   * Deletes a study at once, keeping what it stored in memory (trials and kept weights too), so that
   * "Undo" (undoDelete) puts it back exactly, with the same id, until the page closes.
   */
  async remove(studyId: string): Promise<void> {
    if (this.#running && this.#runningStudyId === studyId) {
      this.#alert = 'Stop the search before you delete its study.';
      return;
    }
    if (this.#elsewhere.has(studyId)) {
      this.#alert = 'This study is running in another tab: stop it there before you delete it.';
      return;
    }
    const before = this.#studies;
    this.#studies = before.filter((s) => s.id !== studyId);
    let deleted: DeletedStudy | undefined;
    try {
      deleted = await this.#port.takeStudy(studyId);
    } catch (error) {
      this.#studies = before;
      this.#alert = `The study could not be deleted: ${messageOf(error)}`;
      return;
    }
    if (this.#current?.id === studyId) this.#current = undefined;
    if (deleted) {
      const entry: DeletedEntry = { studyId, name: deleted.study.config.name };
      this.#deleted.set(studyId, deleted);
      this.#recentlyDeleted = [entry, ...this.#recentlyDeleted.filter((e) => e.studyId !== studyId)];
      this.#offerUndo(entry);
    }
    // The offer says it (in its own live region); an older notice would only repeat itself.
    this.#notice = undefined;
    await this.#refresh();
  }

  /**
   * Brings a deleted study back as it was (the one deleted last by default), and shows it when no
   * other study is on screen. False when it cannot: the reason is in `alert`.
   */
  async undoDelete(studyId: string | undefined = this.#undoOffer?.studyId): Promise<boolean> {
    const deleted = studyId === undefined ? undefined : this.#deleted.get(studyId);
    if (!studyId || !deleted) return false;
    const name = deleted.study.config.name;
    try {
      await this.#port.restoreStudy(deleted);
    } catch (error) {
      this.#alert = `"${name}" could not be brought back: ${messageOf(error)}`;
      return false;
    }
    this.#deleted.delete(studyId);
    this.#recentlyDeleted = this.#recentlyDeleted.filter((e) => e.studyId !== studyId);
    if (this.#undoOffer?.studyId === studyId) this.dismissUndo();
    await this.#refresh();
    if (!this.#current) await this.open(studyId);
    this.#notice = `Brought back "${name}".`;
    return true;
  }

  /** Hides the undo offer; the study stays in recentlyDeleted. */
  dismissUndo(): void {
    clearTimeout(this.#undoTimer);
    this.#undoTimer = undefined;
    this.#undoOffer = undefined;
  }

  /**
   * "Extend by N minutes" (or trials) for a study that spent its budget: raises its budget and
   * searches on, for N more minutes from now or N more trials; resolves when the run ends.
   */
  extendStudy(studyId: string, extension: StudyExtension): Promise<void> {
    const what = [
      ...(extension.minutes !== undefined ? [`${extension.minutes} ${extension.minutes === 1 ? 'minute' : 'minutes'}`] : []),
      ...(extension.trials !== undefined ? [`${extension.trials} ${extension.trials === 1 ? 'trial' : 'trials'}`] : []),
    ].join(' and ');
    return this.#run((callbacks) => this.#port.extendStudy(studyId, extension, callbacks, this.#backendPreference(), this.#runSettings()), `Searching for ${what} more`);
  }

  #offerUndo(entry: DeletedEntry): void {
    this.dismissUndo();
    this.#undoOffer = entry;
    this.#undoTimer = setTimeout(() => this.dismissUndo(), undoWindowMs);
  }

  /** The study document of the study on screen ("Export JSON"). */
  async exportCurrent(userAgent: string): Promise<DownloadFile | undefined> {
    const study = this.#current?.study;
    if (!study) return undefined;
    const text = await this.#port.exportStudy(study.id, userAgent);
    return { fileName: fileNameOf(study.config.name, '.study.json'), type: 'application/json', data: text };
  }

  /** Opens a study document ("Import JSON"); an invalid file is refused with the reason and nothing changes. */
  async importFile(fileName: string, text: string): Promise<boolean> {
    this.#importError = undefined;
    try {
      const study = await this.#port.importStudy(text, fileName);
      await this.#refresh();
      this.#current = undefined;
      await this.open(study.id);
      this.#notice = `Imported "${study.config.name}" from ${fileName}.`;
      return true;
    } catch (error) {
      this.#importError = messageOf(error);
      return false;
    }
  }

  /**
   * "Train this architecture": queues it in the study on screen; a search that is not running is
   * resumed so that it trains at once.
   */
  async trainArchitecture(request: TrialRequest): Promise<boolean> {
    const study = this.#current?.study;
    this.#alert = undefined;
    if (!study) {
      this.#alert = 'Start or open a study first: the architecture is trained as one of its trials, on its dataset.';
      return false;
    }
    try {
      await this.#port.queueTrial(study.id, request);
    } catch (error) {
      this.#alert = `This architecture cannot be trained in "${study.config.name}": ${messageOf(error)}`;
      return false;
    }
    if (this.#running) {
      this.#notice = 'Queued: it trains after the current trial.';
    } else {
      this.#current = undefined;
      await this.open(study.id);
      void this.resumeStudy(study.id);
    }
    return true;
  }

  /** A trained model as tfjs files, when its weights were kept (trials on the Pareto front). */
  async modelDownloads(trialId: string): Promise<DownloadFile[]> {
    const files = await this.#port.exportModel(trialId);
    if (!files) {
      this.#alert = 'The weights of this trial were not kept: only trials on the Pareto front keep theirs.';
      return [];
    }
    return [
      { fileName: `${trialId}.model.json`, type: 'application/json', data: files.modelJson },
      { fileName: files.weightsFileName, type: 'application/octet-stream', data: files.weights },
    ];
  }

  /**
   * The microcontroller bundle of a trained trial as a zip, built in the worker; the notice says
   * what it holds and for which target its numbers are.
   */
  async microcontrollerDownload(trialId: string): Promise<DownloadFile | undefined> {
    let bundle: MicrocontrollerBundle | undefined;
    try {
      bundle = await this.#port.exportForMicrocontroller(trialId);
    } catch (error) {
      this.#alert = `The model could not be exported for the microcontroller: ${messageOf(error)}`;
      return undefined;
    }
    if (!bundle) {
      this.#alert = 'The weights of this trial were not kept: only trials on the Pareto front keep theirs.';
      return undefined;
    }
    const accuracy = `${(100 * bundle.int8TestAccuracy).toFixed(1)} %`;
    this.#notice =
      `Exported ${bundle.fileName}: model.tflite ${bundle.tfliteBytes.toLocaleString('en-US')} B, int8 test accuracy ${accuracy}, ` +
      `tensor arena ${bundle.arenaSizeToConfigure.toLocaleString('en-US')} B for ${bundle.targetName}; built in ${(bundle.milliseconds / 1000).toFixed(1)} s.` +
      (bundle.note ? ` ${bundle.note}.` : '');
    return { fileName: bundle.fileName, type: 'application/zip', data: bundle.zip };
  }

  /**
   * The int8 model of a trial on the test set, computed in the worker; undefined when its weights
   * were not kept. ModelCheckState (model-check.svelte.ts) holds the answer and its errors.
   */
  checkTrial(trialId: string): Promise<TrialCheck | undefined> {
    return this.#port.checkTrial(trialId);
  }

  /** The int8 model's answer for one image ("try it"), computed in the worker. */
  predict(trialId: string, input: TryInput): Promise<TrialPrediction | undefined> {
    return this.#port.predict(trialId, input);
  }

  /** Resolves when no search is running (at once when none is). */
  async idle(): Promise<void> {
    while (this.#active) await this.#active;
  }

  dismissAlert(): void {
    this.#alert = undefined;
  }

  /** Drops a storage note once read; the record it set aside stays in the database. */
  async dismissStorageNote(id: number): Promise<void> {
    try {
      await this.#port.dismissStorageNote(id);
      this.#storageNotes = this.#storageNotes.filter((note) => note.id !== id);
    } catch (error) {
      this.#alert = `The note could not be dismissed: ${messageOf(error)}`;
    }
  }

  async #refresh(): Promise<void> {
    const studies = await this.#port.listStudies();
    this.#studies = [...studies].sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : a.updatedAt > b.updatedAt ? -1 : 0));
  }

  #run(run: (callbacks: SearchCallbacks) => Promise<Study>, notice: string): Promise<void> {
    if (this.#running) {
      this.#alert = 'A search is already running; stop it first.';
      return Promise.resolve();
    }
    this.#running = true;
    const active = this.#search(run, notice).finally(() => {
      if (this.#active === active) this.#active = undefined;
    });
    this.#active = active;
    return active;
  }

  async #search(run: (callbacks: SearchCallbacks) => Promise<Study>, notice: string): Promise<void> {
    let failed = false;
    this.#paused = false;
    this.#alert = undefined;
    this.#notice = notice;
    this.#clock.start();
    try {
      // Until the worker says, possibly after timing the backends again (another dataset or preference).
      this.#backend = undefined;
      const callbacks: SearchCallbacks = {
        onBackend: (backend) => (this.#backend = backend),
        onStudy: (study) => {
          this.#runningStudyId = study.id;
          if (this.#current?.id === study.id) this.#current.recordStudy(study);
          else this.#current = new StudyState(study);
          this.#refresh().catch((error: unknown) => (this.#alert = `The stored studies could not be listed: ${messageOf(error)}`));
        },
        onProgress: (progress) => this.#current?.recordProgress(progress),
        onTrial: (trial) => this.#current?.recordTrial(trial),
      };
      const ended = await run(callbacks);
      this.#current?.recordStudy(ended);
      this.#notice = ended.status === 'stopped' ? 'Search stopped. Resume it whenever you like.' : ended.status === 'completed' ? 'Search finished.' : `The search ended: ${ended.statusReason ?? ended.status}.`;
    } catch (error) {
      failed = true;
      this.#notice = undefined;
      this.#alert =
        error instanceof SearchWorkerStoppedError
          ? `The search stopped: ${messageOf(error)}. The trials it finished are stored; press "Resume search" to go on (the trial it was training is trained again).`
          : `The search stopped with an error: ${messageOf(error)}`;
    } finally {
      const studyId = this.#runningStudyId;
      this.#clock.stop();
      this.#running = false;
      this.#runningStudyId = undefined;
      this.#paused = false;
      this.#current?.endRun();
      await this.#refresh().catch((error: unknown) => (this.#alert = `The stored studies could not be listed: ${messageOf(error)}`));
      // After a failure the page shows what is stored (the status, why it ended, the trials kept), not what it last heard.
      if (failed && studyId !== undefined) await this.#reopen(studyId);
    }
  }
}
