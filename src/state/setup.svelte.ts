/**
 * State of the search setup: everything a user sets before pressing "Start search", the problems
 * that stop it, the StudyConfig it gives, and the share link. The defaults alone give a useful run
 * (MNIST on the Arduino Uno, SpArSe's accounting and strategy). The settings are one immutable value
 * (setup-settings.ts), replaced by intent-named methods; lists the form takes as text keep the text
 * the user typed, so a half-typed "4, 8," is neither rewritten nor lost.
 */
import { convLikeTypes } from '../core/architecture.ts';
import type { BackendPreference } from '../core/backends.ts';
import { type PruningMethod, pruningMethods } from '../core/pruning.ts';
import type { Accounting } from '../core/resources.ts';
import type { ConvType, HeadType } from '../core/search-space.ts';
import { type Target, parseCustomTarget } from '../core/targets.ts';
import { studyLimits } from '../contracts/study-config-json.ts';
import type { StrategyName, StudyConfig } from '../contracts/study.ts';
import { epochsPerTrial } from '../contracts/training-recipe.ts';
import { type CustomTargetEntry, customTargetSpec } from './custom-target-entry.ts';
import { type DatasetChoice, builtinDatasetChoices } from './dataset-choices.ts';
import { checkSettings, settingsFromConfig } from './setup-config.ts';
import { applySettingsHash, settingsToHash } from './setup-hash.ts';
import { type Problem, type Settings, type SpaceKnobs, customTargetId, defaultSettings, settingsTable } from './setup-settings.ts';

export type { DatasetChoice } from './dataset-choices.ts';
export { builtinDatasetChoices, inputShapeText } from './dataset-choices.ts';
export type { CustomTargetEntry } from './custom-target-entry.ts';
export type { Problem } from './setup-settings.ts';

/** Search-space lists the form takes as text ("4, 8, 16"). */
export type ChoiceKnob = 'filters' | 'kernels' | 'strides' | 'bottlenecks' | 'denseUnits';

const knobKeys: Readonly<Record<ChoiceKnob, string>> = { filters: 'filters', kernels: 'kernels', strides: 'strides', bottlenecks: 'bottlenecks', denseUnits: 'units' };
const tableEntry = (knob: ChoiceKnob) => settingsTable.find((s) => s.key === knobKeys[knob])!;

interface Draft {
  readonly text: string;
  readonly problem?: string;
}

/** `list` with `item` in or out, in the order of `all`. */
function toggled<T>(list: readonly T[], item: T, on: boolean, all: readonly T[]): T[] {
  const others = list.filter((x) => x !== item);
  return on ? all.filter((x) => others.includes(x) || x === item) : others;
}

export class SetupState {
  #datasets = $state.raw<readonly DatasetChoice[]>(builtinDatasetChoices);
  #settings = $state.raw<Settings>(defaultSettings);
  #drafts = $state.raw<Readonly<Partial<Record<ChoiceKnob, Draft>>>>({});

  readonly #check = $derived.by(() => {
    const pending = Object.entries(this.#drafts).flatMap(([knob, draft]) =>
      draft?.problem === undefined ? [] : [{ field: tableEntry(knob as ChoiceKnob).label, message: draft.problem }],
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

  constructor(datasets: readonly DatasetChoice[] = builtinDatasetChoices) {
    this.#datasets = datasets;
    if (!datasets.some((d) => d.id === defaultSettings.dataset) && datasets[0] !== undefined) {
      this.#settings = { ...defaultSettings, dataset: datasets[0].id };
    }
  }

  get datasets(): readonly DatasetChoice[] {
    return this.#datasets;
  }
  get datasetId(): string {
    return this.#settings.dataset;
  }
  /** The chosen dataset, or undefined when it is not (or no longer) among `datasets`. */
  get dataset(): DatasetChoice | undefined {
    return this.#datasets.find((d) => d.id === this.#settings.dataset);
  }
  get name(): string | undefined {
    return this.#settings.name;
  }
  /** Selected targets, preset and custom ids, in the order they were chosen. */
  get targetIds(): readonly string[] {
    return this.#settings.targets;
  }
  /** Custom targets, selected or not. */
  get customTargets(): readonly Target[] {
    return this.#customTargets;
  }
  get earlyStopping(): boolean {
    return this.#settings.earlyStopping;
  }
  get backend(): BackendPreference {
    return this.#settings.backend;
  }
  get accounting(): Accounting {
    return this.#settings.accounting;
  }
  get strategy(): StrategyName {
    return this.#settings.strategy;
  }
  get trials(): number | undefined {
    return this.#settings.trials;
  }
  get minutes(): number | undefined {
    return this.#settings.minutes;
  }
  get epochs(): number {
    return this.#settings.epochs;
  }
  get seed(): number {
    return this.#settings.seed;
  }
  get batchSize(): number {
    return this.#settings.batchSize;
  }
  get learningRate(): number {
    return this.#settings.learningRate;
  }
  get pruning(): StudyConfig['pruning'] {
    return this.#settings.pruning;
  }
  /** The search-space knobs; input and classes follow the dataset. */
  get space(): SpaceKnobs {
    return this.#settings.space;
  }
  /** What stops the search, each naming the form's field; empty when it can start. */
  get errors(): readonly Problem[] {
    return this.#check.problems;
  }
  get config(): StudyConfig | undefined {
    return this.#check.config;
  }

  /** The text of a list knob: what the user typed, or the list as "4, 8, 16". */
  choicesText(knob: ChoiceKnob): string {
    return this.#drafts[knob]?.text ?? this.#settings.space[knob].join(', ');
  }

  replaceDatasets(datasets: readonly DatasetChoice[]): void {
    this.#datasets = datasets;
  }
  /** Chooses a dataset, and sets the epochs per trial the recipe gives it (about 500 steps: 15 on digits, 2 on MNIST). */
  chooseDataset(id: string): void {
    const choice = this.#datasets.find((d) => d.id === id);
    const epochs = choice ? epochsPerTrial(choice.trainCount, this.#settings.batchSize) : this.#settings.epochs;
    this.#settings = { ...this.#settings, dataset: id, epochs };
  }
  /** A name of the user's; empty or undefined gives the automatic one. */
  rename(name: string | undefined): void {
    this.#settings = { ...this.#settings, name: name === '' ? undefined : name };
  }
  toggleTarget(id: string, selected: boolean): void {
    const others = this.#settings.targets.filter((t) => t !== id);
    this.#settings = { ...this.#settings, targets: selected ? [...others, id] : others };
  }

  /** Adds and selects a custom target; on a bad entry returns its problems and changes nothing. */
  addCustomTarget(entry: CustomTargetEntry): readonly Problem[] {
    const existing = this.#settings.customTargets;
    if (existing.length >= studyLimits.targets) {
      return [{ field: 'Custom target', message: `at most ${studyLimits.targets} custom targets can be added; remove one first` }];
    }
    const result = customTargetSpec(entry, existing);
    if ('problems' in result) return result.problems;
    const id = customTargetId(result.spec);
    this.#settings = { ...this.#settings, customTargets: [...existing, result.spec], targets: [...this.#settings.targets, id] };
    return [];
  }
  removeCustomTarget(id: string): void {
    const s = this.#settings;
    this.#settings = { ...s, customTargets: s.customTargets.filter((t) => customTargetId(t) !== id), targets: s.targets.filter((t) => t !== id) };
  }

  setEarlyStopping(earlyStopping: boolean): void {
    this.#settings = { ...this.#settings, earlyStopping };
  }
  chooseBackend(backend: BackendPreference): void {
    this.#settings = { ...this.#settings, backend };
  }
  chooseAccounting(accounting: Accounting): void {
    this.#settings = { ...this.#settings, accounting };
  }
  chooseStrategy(strategy: StrategyName): void {
    this.#settings = { ...this.#settings, strategy };
  }
  /** Undefined: no limit on trials (a time budget must then be set). */
  setTrials(trials: number | undefined): void {
    this.#settings = { ...this.#settings, trials };
  }
  /** Undefined: no time budget. */
  setMinutes(minutes: number | undefined): void {
    this.#settings = { ...this.#settings, minutes };
  }
  setEpochs(epochs: number): void {
    this.#settings = { ...this.#settings, epochs };
  }
  setSeed(seed: number): void {
    this.#settings = { ...this.#settings, seed };
  }
  setBatchSize(batchSize: number): void {
    this.#settings = { ...this.#settings, batchSize };
  }
  setLearningRate(learningRate: number): void {
    this.#settings = { ...this.#settings, learningRate };
  }
  togglePruningMethod(method: PruningMethod, on: boolean): void {
    const pruning = this.#settings.pruning;
    this.#settings = { ...this.#settings, pruning: { ...pruning, methods: toggled(pruning.methods, method, on, pruningMethods) } };
  }
  setSparsity(sparsity: { min: number; max: number }): void {
    this.#settings = { ...this.#settings, pruning: { ...this.#settings.pruning, sparsity: { ...sparsity } } };
  }
  setConvLayers(range: { min: number; max: number }): void {
    this.#updateSpace({ convLayers: { ...range } });
  }
  setDenseLayers(range: { min: number; max: number }): void {
    this.#updateSpace({ denseLayers: { ...range } });
  }
  toggleConvType(type: ConvType, on: boolean): void {
    this.#updateSpace({ convTypes: toggled(this.space.convTypes, type, on, convLikeTypes) });
  }
  toggleHead(head: HeadType, on: boolean): void {
    this.#updateSpace({ heads: toggled(this.space.heads, head, on, ['flatten', 'globalAvgPool']) });
  }
  setPoolingProbability(probability: number): void {
    this.#updateSpace({ pooling: { ...this.space.pooling, probability } });
  }

  /**
   * A list knob from text ("4, 8, 16"). Text that does not read as a list keeps the last good list
   * in the settings and shows as a problem of that field until it is fixed.
   */
  enterChoices(knob: ChoiceKnob, text: string): void {
    const decoded = tableEntry(knob).decode(text, this.#settings, { datasets: this.#datasets });
    if (decoded.ok) this.#settings = decoded.value;
    this.#drafts = { ...this.#drafts, [knob]: decoded.ok ? { text } : { text, problem: decoded.message } };
  }

  #updateSpace(change: Partial<SpaceKnobs>): void {
    this.#settings = { ...this.#settings, space: { ...this.#settings.space, ...change } };
  }

  /** The share link's hash, without "#": every setting, so that applying it reproduces them exactly. */
  toHash(): string {
    return settingsToHash(this.#settings);
  }

  /** Applies a share link's hash; bad or unknown entries are skipped and returned as problems. */
  applyHash(hash: string): Problem[] {
    const { settings, problems, applied } = applySettingsHash(this.#settings, hash, { datasets: this.#datasets });
    this.#settings = settings;
    const drafts = Object.entries(this.#drafts).filter(([knob]) => !applied.has(knobKeys[knob as ChoiceKnob]));
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
