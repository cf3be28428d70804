/**
 * State of the search setup: everything a user sets before pressing "Start search", the problems
 * that stop it, the StudyConfig it gives, and the share link. The defaults alone give a useful run
 * (MNIST on the Arduino Uno, SpArSe's accounting and strategy). The settings are one immutable value
 * (setup-settings.ts), read and updated by the keys of its settings table, so that a new setting is
 * one row of that table and one field of the form. Fields the form takes as text keep the text the
 * user typed, so a half-typed "4, 8," is neither rewritten nor lost.
 */
import { type Target, parseCustomTarget } from '../core/targets.ts';
import { studyLimits } from '../contracts/study-config-json.ts';
import type { StudyConfig } from '../contracts/study.ts';
import { defaultParallelTrials, maxParallelTrials, parallelTrialsProblem } from '../contracts/search-worker.ts';
import { toggled } from './setting-kinds.ts';
import { type CustomTargetEntry, customTargetSpec } from './custom-target-entry.ts';
import { type DatasetChoice, builtinDatasetChoices } from './dataset-choices.ts';
import { checkSettings, settingsFromConfig } from './setup-config.ts';
import { applySettingsHash, settingsToHash } from './setup-hash.ts';
import {
  type ListSettingKey,
  type Problem,
  type SettingItem,
  type SettingKey,
  type SettingValue,
  type Settings,
  type PresetReserve,
  customTargetId,
  defaultSettings,
  presetReserve,
  quickDemo,
  settingRow,
} from './setup-settings.ts';

export type { DatasetChoice } from './dataset-choices.ts';
export { builtinDatasetChoices, inputShapeText } from './dataset-choices.ts';
export type { CustomTargetEntry } from './custom-target-entry.ts';
export type { ChoiceSettingKey, ListSettingKey, NumberSettingKey, Problem, SettingItem, SettingKey, SettingValue, Settings } from './setup-settings.ts';
export { choicesOf, settingRow } from './setup-settings.ts';

/** Text the user typed into a field, kept until it reads as a value, with why it does not yet. */
interface Draft {
  readonly text: string;
  readonly problem?: string;
}

/** Where a setting of this machine is remembered between visits (localStorage in the page). */
export interface LocalMemory {
  read(): string | null;
  write(value: string): void;
}

/** The form's label of the number of trials at once, which its problems name. */
export const parallelTrialsLabel = 'Trials at once';
export { maxParallelTrials };

export class SetupState {
  #datasets = $state.raw<readonly DatasetChoice[]>(builtinDatasetChoices);
  /**
   * Trials trained at once (each in its own worker): a matter of this machine, like the backend,
   * but not in the share link either, which another machine may open. NaN while the field is empty.
   */
  #parallelTrials = $state(1);
  readonly #cores: number | undefined;
  readonly #parallelMemory: LocalMemory | undefined;
  #settings = $state.raw<Settings>(defaultSettings);
  #drafts = $state.raw<Readonly<Partial<Record<SettingKey, Draft>>>>({});

  readonly #check = $derived.by(() => {
    const pending = Object.entries(this.#drafts).flatMap(([key, draft]) =>
      draft?.problem === undefined ? [] : [{ field: settingRow(key as SettingKey).label, message: draft.problem }],
    );
    return checkSettings(this.#settings, { datasets: this.#datasets }, pending);
  });

  // A bad spec (from a stored study) is left out here; `errors` names it.
  readonly #customTargets = $derived(
    this.#settings.customTargets.flatMap((spec) => {
      try {
        return [parseCustomTarget(spec)];
      } catch {
        return [];
      }
    }),
  );

  /**
   * `hardwareConcurrency` is this machine's number of logical cores (navigator.hardwareConcurrency
   * in the page); it suggests the trials at once (defaultParallelTrials), unless `parallelMemory`
   * remembers a number the user chose on an earlier visit.
   */
  constructor(datasets: readonly DatasetChoice[] = builtinDatasetChoices, hardwareConcurrency?: number, parallelMemory?: LocalMemory) {
    this.#datasets = datasets;
    this.#cores = hardwareConcurrency;
    this.#parallelMemory = parallelMemory;
    const remembered = Number(parallelMemory?.read() ?? Number.NaN);
    this.#parallelTrials = parallelTrialsProblem(remembered) === undefined ? remembered : defaultParallelTrials(hardwareConcurrency);
    if (!datasets.some((d) => d.id === defaultSettings.dataset) && datasets[0] !== undefined) {
      this.#settings = { ...defaultSettings, dataset: datasets[0].id };
    }
  }

  /** Every setting, as one immutable value. */
  get settings(): Settings {
    return this.#settings;
  }
  /** One setting, by its key in the settings table (and the share link). */
  value<K extends SettingKey>(key: K): SettingValue<K> {
    return settingRow(key).get(this.#settings);
  }
  /** Sets one setting, with what follows from it (a dataset brings its epochs per trial). */
  update<K extends SettingKey>(key: K, value: SettingValue<K>): void {
    this.#settings = settingRow(key).choose(this.#settings, value, { datasets: this.#datasets });
    if (this.#drafts[key] !== undefined) this.#drafts = Object.fromEntries(Object.entries(this.#drafts).filter(([k]) => k !== key));
  }
  /** An item of a list setting in or out (a checkbox): in the table's order of items, or last. */
  toggle<K extends ListSettingKey>(key: K, item: SettingItem<K>, on: boolean): void {
    const row = settingRow(key);
    const list = row.get(this.#settings) as readonly SettingItem<K>[];
    this.update(key, toggled(list, item, on, row.items as readonly SettingItem<K>[] | undefined) as SettingValue<K>);
  }

  /** A setting as the user typed it: their text while it does not read, else the value ("4, 8, 16"). */
  text(key: SettingKey): string {
    const draft = this.#drafts[key];
    if (draft !== undefined) return draft.text;
    const value: unknown = this.value(key);
    return Array.isArray(value) ? value.join(', ') : settingRow(key).encode(this.#settings);
  }
  /**
   * A setting from text ("4, 8, 16"). Text that does not read keeps the last good value in the
   * settings and shows as a problem of that field until it is fixed; the text is kept as typed.
   */
  enterText(key: SettingKey, text: string): void {
    const decoded = settingRow(key).decode(text, this.#settings, { datasets: this.#datasets });
    if (decoded.ok) this.#settings = decoded.value;
    this.#drafts = { ...this.#drafts, [key]: decoded.ok ? { text } : { text, problem: decoded.message } };
  }

  get datasets(): readonly DatasetChoice[] {
    return this.#datasets;
  }
  /** The chosen dataset, or undefined when it is not (or no longer) among `datasets`. */
  get dataset(): DatasetChoice | undefined {
    return this.#datasets.find((d) => d.id === this.#settings.dataset);
  }
  replaceDatasets(datasets: readonly DatasetChoice[]): void {
    this.#datasets = datasets;
  }
  /** Custom targets, selected or not, as targets. */
  get customTargets(): readonly Target[] {
    return this.#customTargets;
  }
  /** What stops the search, each naming the form's field; empty when it can start. */
  get errors(): readonly Problem[] {
    const problem = parallelTrialsProblem(this.#parallelTrials);
    return problem === undefined ? this.#check.problems : [...this.#check.problems, { field: parallelTrialsLabel, message: problem.replace(/^the number of trials at once /, '') }];
  }
  /** The study's config; undefined while a problem (of the study, or of the trials at once) stops the search. */
  get config(): StudyConfig | undefined {
    return parallelTrialsProblem(this.#parallelTrials) === undefined ? this.#check.config : undefined;
  }

  /** Trials trained at once, each in its own worker; NaN while the field is empty (`errors` says so). */
  get parallelTrials(): number {
    return this.#parallelTrials;
  }
  /** Sets the trials at once; a number that can be used is remembered for the next visit. */
  setParallelTrials(value: number): void {
    this.#parallelTrials = value;
    if (parallelTrialsProblem(value) === undefined) this.#parallelMemory?.write(String(value));
  }
  /** This machine's logical cores, when the browser says. */
  get cores(): number | undefined {
    return this.#cores;
  }
  /** What this machine suggests (defaultParallelTrials of its cores). */
  get suggestedParallelTrials(): number {
    return defaultParallelTrials(this.#cores);
  }

  /**
   * The quick demo's settings over the defaults (the backend, a matter of this machine, stays);
   * returns what it could not use, e.g. when digits is not among the datasets.
   */
  loadQuickDemo(): readonly Problem[] {
    this.#settings = { ...defaultSettings, ...quickDemo, backend: this.#settings.backend };
    this.#drafts = {};
    return this.errors;
  }

  /** Adds and selects a custom target; on a bad entry returns its problems and changes nothing. */
  addCustomTarget(entry: CustomTargetEntry): readonly Problem[] {
    const existing = this.#settings.customTargets;
    if (existing.length >= studyLimits.targets) {
      return [{ field: 'Custom target', message: `at most ${studyLimits.targets} custom targets can be added; remove one first` }];
    }
    const result = customTargetSpec(entry, existing);
    if ('problems' in result) return result.problems;
    this.update('custom', [...existing, result.spec]);
    this.toggle('targets', customTargetId(result.spec), true);
    return [];
  }
  /** The memory a preset keeps for the user's own code: the user's, or the preset's default. */
  reserveOf(presetId: string): PresetReserve {
    return presetReserve(this.#settings, presetId);
  }
  /** Sets a preset's reserve (one back at the default is forgotten); the check names a bad one. */
  setReserve(presetId: string, reserve: Partial<PresetReserve>): void {
    this.update('reserve', { ...this.#settings.reserves, [presetId]: { ...this.reserveOf(presetId), ...reserve } });
  }
  /** Removes a custom target, and so its selection. */
  removeCustomTarget(id: string): void {
    this.update('custom', this.#settings.customTargets.filter((t) => customTargetId(t) !== id));
  }

  /** The share link's hash, without "#": every setting, so that applying it reproduces them exactly. */
  toHash(): string {
    return settingsToHash(this.#settings);
  }

  /** Applies a share link's hash; bad or unknown entries are skipped and returned as problems. */
  applyHash(hash: string): Problem[] {
    const { settings, problems, applied } = applySettingsHash(this.#settings, hash, { datasets: this.#datasets });
    this.#settings = settings;
    const drafts = Object.entries(this.#drafts).filter(([key]) => !applied.has(key));
    this.#drafts = Object.fromEntries(drafts);
    return [...problems];
  }

  /** Loads a stored study's settings ("run again"); returns what could not be taken over as it was. */
  fromConfig(config: StudyConfig): Problem[] {
    const { settings, problems } = settingsFromConfig(config, this.#datasets);
    // The backend is this machine's, not the study's: it stays as it is.
    this.#settings = { ...settings, backend: this.#settings.backend };
    this.#drafts = {};
    return problems;
  }
}
