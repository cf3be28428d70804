/**
 * Everything a user sets before a search, as one immutable value, and ONE declarative table of those
 * settings (as TensorFlow Playground's state.ts does) that drives the share link, the per-field checks
 * and the naming of problems by the form's labels. The share link is untrusted input: every value is
 * length-capped, parsed by hand (JSON.parse at most, never eval) and checked before it is applied.
 */
import { type Padding, convLikeTypes, limits } from '../core/architecture.ts';
import { type BackendPreference, backendNames } from '../core/backends.ts';
import { type PruningMethod, pruningMethods } from '../core/pruning.ts';
import { type Accounting, accountingModes } from '../core/resources.ts';
import { defaultPruningSpace } from '../core/search/pruning-space.ts';
import { type HeadType, type PoolType, type SearchSpace, defaultSearchSpace } from '../core/search-space.ts';
import { findPresetTarget, parseCustomTarget } from '../core/targets.ts';
import { formatCount } from '../core/units.ts';
import { isRecord } from '../core/untrusted.ts';
import { studyLimits } from '../contracts/study-config-json.ts';
import { type StrategyName, type StudyConfig, strategyNames, studyTrainingDefaults } from '../contracts/study.ts';
import { epochsPerTrial } from '../core/training-recipe.ts';
import { type DatasetChoice, builtinDatasetChoices } from './dataset-choices.ts';
import {
  type Lens,
  type Setting,
  choiceSetting,
  fail,
  fieldLens,
  listSetting,
  namesOf,
  numberCheck,
  numberSetting,
  ok,
  optionalNumberSetting,
  quote,
  repeatedItem,
  setting,
  switchSetting,
  wholeFrom,
  wholeItem,
} from './setting-kinds.ts';


/** The search space without its input and classes, which follow the chosen dataset. */
export type SpaceKnobs = Omit<SearchSpace, 'input' | 'classes'>;

/** A custom target as parseCustomTarget reads it; it travels in the study config as this JSON. */
export type CustomTargetSpec = Readonly<Record<string, unknown>>;

/** Memory a preset keeps for the user's own code, when it is not the preset's default one. */
export interface PresetReserve {
  readonly sramBytes: number;
  readonly flashBytes: number;
}

export interface Settings {
  /** A name the user gave the study, or undefined for the automatic one. */
  readonly name: string | undefined;
  readonly dataset: string;
  /** The selected targets in order: preset ids and ids of `customTargets`. */
  readonly targets: readonly string[];
  readonly customTargets: readonly CustomTargetSpec[];
  /**
   * Presets' reserves for the user's own code that differ from the preset's default, by preset id.
   * A selected preset with one travels in the study config as `{ id, reserve }` (parseTargetSpec).
   */
  readonly reserves: Readonly<Record<string, PresetReserve>>;
  readonly accounting: Accounting;
  readonly strategy: StrategyName;
  readonly trials: number | undefined;
  readonly minutes: number | undefined;
  readonly epochs: number;
  readonly seed: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly pruning: StudyConfig['pruning'];
  /** Stop trials after an epoch when they are unlikely to reach the front (StudyConfig.earlyStopping). */
  readonly earlyStopping: boolean;
  /**
   * Where the worker trains: the fastest backend here (`auto`, timed) or one the user forces. A
   * matter of this machine, not of the study: it is not stored in the study, only in the link.
   */
  readonly backend: BackendPreference;
  readonly space: SpaceKnobs;
}

const { input: _input, classes: _classes, ...defaultKnobs } = defaultSearchSpace({ height: 28, width: 28, channels: 1 }, 10);

/**
 * A short but useful first run: two minutes of search on MNIST for the Arduino Uno, judged by what
 * the chip needs (the deploy accounting, issue 13: SpArSe's metrics undercount the Uno's SRAM), with
 * SpArSe's strategy, trials stopped early when hopeless. Time is the budget (no trial count);
 * the recipe (training-recipe.ts) gives the batch size, the learning rate and MNIST's epochs per trial.
 */
export const defaultSettings: Settings = {
  name: undefined,
  dataset: 'mnist',
  targets: ['arduino-uno'],
  customTargets: [],
  reserves: {},
  accounting: 'deploy',
  strategy: 'mobo',
  trials: undefined,
  minutes: 2,
  epochs: epochsPerTrial(builtinDatasetChoices.find((d) => d.id === 'mnist')!.trainCount),
  seed: 1,
  ...studyTrainingDefaults,
  pruning: defaultPruningSpace,
  space: defaultKnobs,
  earlyStopping: true,
  backend: 'auto',
};

/**
 * The quick demo (the first screen's one-click start): digits for the Arduino Uno for one minute,
 * judged by what the chip needs (deploy accounting), with the recipe's epochs for digits. A digits
 * trial trains in a few seconds, so a minute gives the search about a dozen trials (README, bench:
 * digits for the Uno reaches 95 % in about 0.3 minutes).
 */
export const quickDemo = {
  dataset: 'digits',
  targets: ['arduino-uno'],
  accounting: 'deploy',
  strategy: 'mobo',
  trials: undefined,
  minutes: 1,
  epochs: epochsPerTrial(builtinDatasetChoices.find((d) => d.id === 'digits')!.trainCount),
  earlyStopping: true,
} as const satisfies Partial<Settings>;

/** Something the user must fix: `field` is the form's label for it. */
export interface Problem {
  readonly field: string;
  readonly message: string;
}

export interface SettingsContext {
  readonly datasets: readonly DatasetChoice[];
}


/** Dataset and target ids (study-config-json.ts and parseCustomTarget use the same alphabet). */
const idPattern = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const controlCharacter = /[\u0000-\u001f\u007f]/;

export const customTargetId = (spec: CustomTargetSpec): string => String(spec.id);

/** Why a list of custom targets cannot be used, or undefined: parseCustomTarget's checks, plus unique ids. */
function customTargetsProblem(specs: readonly CustomTargetSpec[]): string | undefined {
  if (specs.length > studyLimits.targets) return `has ${specs.length} custom targets; at most ${studyLimits.targets} are allowed`;
  for (const [index, spec] of specs.entries()) {
    try {
      parseCustomTarget(spec);
    } catch (error) {
      return `custom target ${index + 1}: ${(error as Error).message}`;
    }
  }
  const repeated = repeatedItem(specs.map(customTargetId));
  return repeated === undefined ? undefined : `the id ${quote(repeated)} is used by two custom targets`;
}


/** The preset's reserve under these settings: the user's, or the preset's default. */
export function presetReserve(settings: Pick<Settings, 'reserves'>, id: string): PresetReserve {
  const own = Object.hasOwn(settings.reserves, id) ? settings.reserves[id] : undefined;
  const preset = findPresetTarget(id);
  return own ?? { sramBytes: preset?.reserve.sramBytes ?? 0, flashBytes: preset?.reserve.flashBytes ?? 0 };
}

/** Reserves without those equal to their preset's default (which need not travel). */
function ownReserves(reserves: Readonly<Record<string, PresetReserve>>): Record<string, PresetReserve> {
  return Object.fromEntries(
    Object.entries(reserves).filter(([id, r]) => {
      const preset = findPresetTarget(id);
      return preset === undefined || r.sramBytes !== preset.reserve.sramBytes || r.flashBytes !== preset.reserve.flashBytes;
    }),
  );
}

/** Why a preset's reserve cannot be used, or undefined. */
function reservesProblem(reserves: Readonly<Record<string, PresetReserve>>): string | undefined {
  for (const [id, r] of Object.entries(reserves)) {
    const preset = findPresetTarget(id);
    if (preset === undefined) return `${quote(id)} is not a preset; a custom target has its reserve in its own fields`;
    const bad = (value: number, total: number): boolean => !Number.isInteger(value) || value < 0 || value >= total;
    if (bad(r.sramBytes, preset.sramBytes)) return `${preset.name}: the SRAM kept for your code must be a whole number of bytes from 0 to ${formatCount(preset.sramBytes - 1)}`;
    if (bad(r.flashBytes, preset.flashBytes)) return `${preset.name}: the flash kept for your code must be a whole number of bytes from 0 to ${formatCount(preset.flashBytes - 1)}`;
  }
  return undefined;
}

// Where each setting lives in Settings.
const field = <F extends keyof Settings>(name: F): Lens<Settings, Settings[F]> => fieldLens<Settings, F>(name);
const knob = <F extends keyof SpaceKnobs>(name: F): Lens<Settings, SpaceKnobs[F]> => ({
  get: (s) => s.space[name],
  set: (s, value) => ({ ...s, space: { ...s.space, [name]: value } }),
});
const layers = (name: 'convLayers' | 'denseLayers', end: 'min' | 'max'): Lens<Settings, number> => ({
  get: (s) => s.space[name][end],
  set: (s, value) => ({ ...s, space: { ...s.space, [name]: { ...s.space[name], [end]: value } } }),
});
const pooling = <F extends keyof SpaceKnobs['pooling']>(name: F): Lens<Settings, SpaceKnobs['pooling'][F]> => ({
  get: (s) => s.space.pooling[name],
  set: (s, value) => ({ ...s, space: { ...s.space, pooling: { ...s.space.pooling, [name]: value } } }),
});
const sparsity = (end: 'min' | 'max'): Lens<Settings, number> => ({
  get: (s) => s.pruning.sparsity[end],
  set: (s, value) => ({ ...s, pruning: { ...s.pruning, sparsity: { ...s.pruning.sparsity, [end]: value } } }),
});
const pruningMethodsLens: Lens<Settings, readonly PruningMethod[]> = {
  get: (s) => s.pruning.methods,
  set: (s, methods) => ({ ...s, pruning: { ...s.pruning, methods } }),
};

const layerCount = wholeFrom(0, limits.layers);
const sparsityCheck = numberCheck((v) => v >= 0 && v < 1, 'a fraction from 0 up to (not including) 1');
const wholeNumbers = (max: number) => ({ parseItem: wholeItem(max), what: `the whole numbers from 1 to ${max}` });
const wholeInput = (min: number) => ({ min, step: 1 });
const anyAbove0 = { min: 0, step: 'any' } as const;
const above0UpTo = (max: number) => numberCheck((v) => v > 0 && v <= max, `a number above 0 and at most ${max}`);
const headTypes: readonly HeadType[] = ['flatten', 'globalAvgPool'];
const poolTypes: readonly PoolType[] = ['maxPool', 'avgPool'];
const paddings: readonly Padding[] = ['same', 'valid'];

/**
 * The settings table, in the order a share link is applied: custom targets before the selection
 * that may name them. Every setting is here exactly once; SetupState reads and updates them by key.
 */
export const settingsTable = [
  setting<Settings, SettingsContext, 'name', string | undefined>({
    key: 'name',
    label: 'Study name',
    path: 'name',
    ...field('name'),
    format: (name) => name ?? '',
    parse: (text) => ok(text === '' ? undefined : text),
    // An empty name is the automatic one.
    choose: (s, name) => ({ ...s, name: name === '' ? undefined : name }),
    check: (name) =>
      name === undefined ? undefined
      : name.length > studyLimits.nameLength ? `is ${name.length} characters long; at most ${studyLimits.nameLength} are allowed`
      : controlCharacter.test(name) ? 'must be plain text on one line'
      : undefined,
  }),
  setting<Settings, SettingsContext, 'dataset', string>({
    key: 'dataset',
    label: 'Dataset',
    path: 'dataset',
    ...field('dataset'),
    // Choosing a dataset also sets the epochs per trial the recipe gives it (about 500 steps: 15 on digits, 2 on MNIST).
    choose(s, dataset, { datasets }) {
      const choice = datasets.find((d) => d.id === dataset);
      return { ...s, dataset, epochs: choice ? epochsPerTrial(choice.trainCount, s.batchSize) : s.epochs };
    },
    format: (id) => id,
    parse: ok,
    check: (id, _s, { datasets }) =>
      !idPattern.test(id) ? `must be a dataset id such as "mnist", got ${quote(id)}`
      : datasets.some((d) => d.id === id) ? undefined
      : `${quote(id)} is not available here; choose one of ${datasets.map((d) => d.id).join(', ')}`,
  }),
  setting<Settings, SettingsContext, 'custom', readonly CustomTargetSpec[]>({
    key: 'custom',
    label: 'Custom targets',
    path: 'customTargets',
    maxLength: 8000,
    get: (s) => s.customTargets,
    // A removed custom target leaves the selection too.
    set: (s, customTargets) => ({
      ...s,
      customTargets,
      targets: s.targets.filter((id) => findPresetTarget(id) !== undefined || customTargets.some((t) => customTargetId(t) === id)),
    }),
    format: (specs) => (specs.length === 0 ? '' : JSON.stringify(specs)),
    parse(text) {
      if (text === '') return ok([]);
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        return fail('is not valid JSON');
      }
      if (!Array.isArray(value) || !value.every(isRecord)) return fail('must be a JSON list of custom target objects');
      return ok(value);
    },
    check: customTargetsProblem,
  }),
  listSetting({
    key: 'targets',
    label: 'Target',
    path: 'targets',
    at: field('targets'),
    parseItem: (id) => (idPattern.test(id) ? id : undefined),
    what: 'the target ids',
    checkList(ids, s: Settings) {
      if (ids.length === 0) return 'choose at least one target';
      if (ids.length > studyLimits.targets) return `has ${ids.length} targets; at most ${studyLimits.targets} are allowed`;
      const unknown = ids.find((id) => findPresetTarget(id) === undefined && !s.customTargets.some((t) => customTargetId(t) === id));
      return unknown === undefined ? undefined : `unknown target ${quote(unknown)}; expected a preset id or the id of a custom target`;
    },
  }),
  setting<Settings, SettingsContext, 'reserve', Readonly<Record<string, PresetReserve>>>({
    key: 'reserve',
    label: 'Kept for your code',
    path: 'reserves',
    maxLength: 1000,
    get: (s) => s.reserves,
    // A reserve set back to the preset's default is dropped: the link and the config stay short.
    set: (s, reserves) => ({ ...s, reserves: ownReserves(reserves) }),
    // `arduino-uno:512:4096,esp32:…`: preset id, SRAM bytes, flash bytes.
    format: (reserves) => Object.entries(reserves).map(([id, r]) => `${id}:${r.sramBytes}:${r.flashBytes}`).join(','),
    parse(text) {
      const reserves: Record<string, PresetReserve> = {};
      for (const item of text.split(',').filter((part) => part !== '')) {
        const match = /^([a-z0-9][a-z0-9._-]{0,63}):(\d{1,10}):(\d{1,10})$/.exec(item);
        if (match === null) return fail(`must be entries such as "arduino-uno:256:2048" (preset id, SRAM bytes, flash bytes), got ${quote(item)}`);
        reserves[match[1]!] = { sramBytes: Number(match[2]), flashBytes: Number(match[3]) };
      }
      return ok(reserves);
    },
    check: reservesProblem,
  }),
  choiceSetting({ key: 'accounting', label: 'Accounting', path: 'accounting', at: field('accounting'), choices: accountingModes }),
  choiceSetting({ key: 'strategy', label: 'Strategy', path: 'strategy', at: field('strategy'), choices: strategyNames }),
  choiceSetting({ key: 'backend', label: 'Training backend', path: 'backend', at: field('backend'), choices: ['auto', ...backendNames] as const }),
  optionalNumberSetting({ key: 'trials', label: 'Trials', path: 'budget.trials', at: field('trials'), input: wholeInput(1), check: wholeFrom(1, studyLimits.trials) }),
  optionalNumberSetting({ key: 'minutes', label: 'Search for (minutes)', path: 'budget.minutes', at: field('minutes'), input: anyAbove0, check: above0UpTo(studyLimits.minutes) }),
  numberSetting({ key: 'epochs', label: 'Epochs', path: 'epochs', at: field('epochs'), input: wholeInput(1), check: wholeFrom(1, studyLimits.epochs) }),
  switchSetting({ key: 'stop', label: 'Stop hopeless trials early', path: 'earlyStopping', at: field('earlyStopping') }),
  numberSetting({ key: 'seed', label: 'Seed', path: 'seed', at: field('seed'), input: wholeInput(0), check: wholeFrom(0, Number.MAX_SAFE_INTEGER) }),
  numberSetting({ key: 'batch', label: 'Batch size', path: 'batchSize', at: field('batchSize'), input: wholeInput(1), check: wholeFrom(1, studyLimits.batchSize) }),
  numberSetting({ key: 'lr', label: 'Learning rate', path: 'learningRate', at: field('learningRate'), input: anyAbove0, check: above0UpTo(studyLimits.learningRate) }),
  listSetting({ key: 'pruning', label: 'Pruning methods', path: 'pruning.methods', at: pruningMethodsLens, items: pruningMethods, parseItem: namesOf(pruningMethods), what: pruningMethods.join(', ') }),
  numberSetting({ key: 'spmin', label: 'Sparsity (min)', path: 'pruning.sparsity.min', at: sparsity('min'), input: { min: 0, max: 0.99, step: 0.05 }, check: sparsityCheck }),
  numberSetting({ key: 'spmax', label: 'Sparsity (max)', path: 'pruning.sparsity.max', at: sparsity('max'), input: { min: 0, max: 0.99, step: 0.05 }, check: sparsityCheck }),
  numberSetting({ key: 'convmin', label: 'Conv layers (min)', path: 'searchSpace.convLayers.min', at: layers('convLayers', 'min'), input: wholeInput(0), check: layerCount }),
  numberSetting({ key: 'convmax', label: 'Conv layers (max)', path: 'searchSpace.convLayers.max', at: layers('convLayers', 'max'), input: wholeInput(0), check: layerCount }),
  numberSetting({ key: 'densemin', label: 'Dense layers (min)', path: 'searchSpace.denseLayers.min', at: layers('denseLayers', 'min'), input: wholeInput(0), check: layerCount }),
  numberSetting({ key: 'densemax', label: 'Dense layers (max)', path: 'searchSpace.denseLayers.max', at: layers('denseLayers', 'max'), input: wholeInput(0), check: layerCount }),
  listSetting({ key: 'convtypes', label: 'Conv types', path: 'searchSpace.convTypes', at: knob('convTypes'), items: convLikeTypes, parseItem: namesOf(convLikeTypes), what: convLikeTypes.join(', ') }),
  listSetting({ key: 'filters', label: 'Filters', path: 'searchSpace.filters', at: knob('filters'), ...wholeNumbers(limits.filters) }),
  listSetting({ key: 'kernels', label: 'Kernel sizes', path: 'searchSpace.kernels', at: knob('kernels'), ...wholeNumbers(limits.kernel) }),
  listSetting({ key: 'strides', label: 'Strides', path: 'searchSpace.strides', at: knob('strides'), ...wholeNumbers(limits.stride) }),
  listSetting({ key: 'paddings', label: 'Paddings', path: 'searchSpace.paddings', at: knob('paddings'), items: paddings, parseItem: namesOf(paddings), what: paddings.join(', ') }),
  listSetting({ key: 'bottlenecks', label: 'Bottlenecks', path: 'searchSpace.bottlenecks', at: knob('bottlenecks'), ...wholeNumbers(limits.filters) }),
  listSetting({ key: 'units', label: 'Dense units', path: 'searchSpace.denseUnits', at: knob('denseUnits'), ...wholeNumbers(limits.units) }),
  listSetting({ key: 'pools', label: 'Pool types', path: 'searchSpace.pooling.types', at: pooling('types'), items: poolTypes, parseItem: namesOf(poolTypes), what: poolTypes.join(', ') }),
  listSetting({ key: 'poolsizes', label: 'Pool sizes', path: 'searchSpace.pooling.sizes', at: pooling('sizes'), ...wholeNumbers(limits.poolSize) }),
  numberSetting({
    key: 'poolp',
    label: 'Pooling probability',
    path: 'searchSpace.pooling.probability',
    at: pooling('probability'),
    input: { min: 0, max: 1, step: 0.05 },
    check: numberCheck((v) => v >= 0 && v <= 1, 'a probability from 0 to 1'),
  }),
  listSetting({ key: 'heads', label: 'Heads', path: 'searchSpace.heads', at: knob('heads'), items: headTypes, parseItem: namesOf(headTypes), what: headTypes.join(', ') }),
] as const;

/** One row of the table, and what its key says of its value. */
export type SettingRow = (typeof settingsTable)[number];
export type SettingKey = SettingRow['key'];
export type SettingValue<K extends SettingKey> = Extract<SettingRow, { readonly key: K }> extends Lens<Settings, infer T> ? T : never;
/** Keys of the settings that are numbers (a number field; an optional one may be left empty). */
export type NumberSettingKey = { [K in SettingKey]: SettingValue<K> extends number | undefined ? K : never }[SettingKey];
/** Keys of the settings that are one of a few names (a select). */
export type ChoiceSettingKey = { [K in SettingKey]: Extract<SettingRow, { readonly key: K }> extends { readonly choices: readonly unknown[] } ? K : never }[SettingKey];
/** Keys of the settings that are lists (checkboxes or comma-separated text). */
export type ListSettingKey = { [K in SettingKey]: SettingValue<K> extends readonly unknown[] ? K : never }[SettingKey];

/** What a list setting holds one of. */
export type SettingItem<K extends ListSettingKey> = SettingValue<K> extends readonly (infer I)[] ? I : never;

const rowsByKey: ReadonlyMap<string, Setting<Settings, SettingsContext>> = new Map(settingsTable.map((row) => [row.key, row as Setting<Settings, SettingsContext>]));

/** The names a choice setting may take, in the table's order. */
export function choicesOf<K extends ChoiceSettingKey>(key: K): readonly (SettingValue<K> & string)[] {
  return (rowsByKey.get(key) as unknown as { readonly choices: readonly (SettingValue<K> & string)[] }).choices;
}

/** The table's row for `key`. */
export function settingRow<K extends SettingKey>(key: K): Setting<Settings, SettingsContext, K, SettingValue<K>> {
  return rowsByKey.get(key) as unknown as Setting<Settings, SettingsContext, K, SettingValue<K>>;
}
