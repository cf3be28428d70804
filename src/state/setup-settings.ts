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
import { type ConvType, type HeadType, type PoolType, type SearchSpace, defaultSearchSpace } from '../core/search-space.ts';
import { findPresetTarget, parseCustomTarget } from '../core/targets.ts';
import { studyLimits } from '../contracts/study-config-json.ts';
import { type StrategyName, type StudyConfig, strategyNames, studyTrainingDefaults } from '../contracts/study.ts';
import { epochsPerTrial } from '../contracts/training-recipe.ts';
import { type DatasetChoice, builtinDatasetChoices } from './dataset-choices.ts';
import {
  type Setting,
  choiceSetting,
  fail,
  formatNumber,
  knobList,
  knobRange,
  listSetting,
  namesOf,
  numberCheck,
  numberSetting,
  ok,
  optionalNumberSetting,
  parseNumber,
  poolingList,
  quote,
  repeatedItem,
  setting,
  sparsitySetting,
  switchSetting,
  wholeFrom,
  wholeItem,
} from './setting-kinds.ts';

export type { Setting } from './setting-kinds.ts';

/** The search space without its input and classes, which follow the chosen dataset. */
export type SpaceKnobs = Omit<SearchSpace, 'input' | 'classes'>;

/** A custom target as parseCustomTarget reads it; it travels in the study config as this JSON. */
export type CustomTargetSpec = Readonly<Record<string, unknown>>;

export interface Settings {
  /** A name the user gave the study, or undefined for the automatic one. */
  readonly name: string | undefined;
  readonly dataset: string;
  /** The selected targets in order: preset ids and ids of `customTargets`. */
  readonly targets: readonly string[];
  readonly customTargets: readonly CustomTargetSpec[];
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
 * A short but useful first run: two minutes of search on MNIST for the Arduino Uno, SpArSe's
 * accounting and strategy, trials stopped early when hopeless. Time is the budget (no trial count);
 * the recipe (training-recipe.ts) gives the batch size, the learning rate and MNIST's epochs per trial.
 */
export const defaultSettings: Settings = {
  name: undefined,
  dataset: 'mnist',
  targets: ['arduino-uno'],
  customTargets: [],
  accounting: 'paper',
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

const isSpec = (value: unknown): value is CustomTargetSpec => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The settings table, in the order a share link is applied: custom targets before the selection
 * that may name them. Every setting is here exactly once.
 */
export const settingsTable: readonly Setting[] = [
  setting<string | undefined>({
    key: 'name',
    label: 'Name',
    path: 'name',
    get: (s) => s.name,
    set: (s, name) => ({ ...s, name }),
    format: (name) => name ?? '',
    parse: (text) => ok(text === '' ? undefined : text),
    check: (name) =>
      name === undefined ? undefined
      : name.length > studyLimits.nameLength ? `is ${name.length} characters long; at most ${studyLimits.nameLength} are allowed`
      : controlCharacter.test(name) ? 'must be plain text on one line'
      : undefined,
  }),
  setting<string>({
    key: 'dataset',
    label: 'Dataset',
    path: 'dataset',
    get: (s) => s.dataset,
    set: (s, dataset) => ({ ...s, dataset }),
    format: (id) => id,
    parse: ok,
    check: (id, _s, { datasets }) =>
      !idPattern.test(id) ? `must be a dataset id such as "mnist", got ${quote(id)}`
      : datasets.some((d) => d.id === id) ? undefined
      : `${quote(id)} is not available here; choose one of ${datasets.map((d) => d.id).join(', ')}`,
  }),
  setting<readonly CustomTargetSpec[]>({
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
      if (!Array.isArray(value) || !value.every(isSpec)) return fail('must be a JSON list of custom target objects');
      return ok(value);
    },
    check: customTargetsProblem,
  }),
  listSetting<string>({
    key: 'targets',
    label: 'Target',
    path: 'targets',
    get: (s) => s.targets,
    set: (s, targets) => ({ ...s, targets }),
    parseItem: (id) => (idPattern.test(id) ? id : undefined),
    what: 'the target ids',
    checkList(ids, s) {
      if (ids.length === 0) return 'choose at least one target';
      if (ids.length > studyLimits.targets) return `has ${ids.length} targets; at most ${studyLimits.targets} are allowed`;
      const unknown = ids.find((id) => findPresetTarget(id) === undefined && !s.customTargets.some((t) => customTargetId(t) === id));
      return unknown === undefined ? undefined : `unknown target ${quote(unknown)}; expected a preset id or the id of a custom target`;
    },
  }),
  choiceSetting('accounting', 'Accounting', 'accounting', 'accounting', accountingModes),
  choiceSetting('strategy', 'Strategy', 'strategy', 'strategy', strategyNames),
  choiceSetting('backend', 'Training backend', 'backend', 'backend', ['auto', ...backendNames]),
  optionalNumberSetting('trials', 'Trials', 'budget.trials', 'trials', wholeFrom(1, studyLimits.trials)),
  optionalNumberSetting(
    'minutes',
    'Search for (minutes)',
    'budget.minutes',
    'minutes',
    numberCheck((v) => v > 0 && v <= studyLimits.minutes, `a number above 0 and at most ${studyLimits.minutes}`),
  ),
  numberSetting('epochs', 'Epochs', 'epochs', 'epochs', wholeFrom(1, studyLimits.epochs)),
  switchSetting('stop', 'Stop hopeless trials early', 'earlyStopping', 'earlyStopping'),
  numberSetting('seed', 'Seed', 'seed', 'seed', wholeFrom(0, Number.MAX_SAFE_INTEGER)),
  numberSetting('batch', 'Batch size', 'batchSize', 'batchSize', wholeFrom(1, studyLimits.batchSize)),
  numberSetting(
    'lr',
    'Learning rate',
    'learningRate',
    'learningRate',
    numberCheck((v) => v > 0 && v <= studyLimits.learningRate, `a number above 0 and at most ${studyLimits.learningRate}`),
  ),
  listSetting<PruningMethod>({
    key: 'pruning',
    label: 'Pruning methods',
    path: 'pruning.methods',
    get: (s) => s.pruning.methods,
    set: (s, methods) => ({ ...s, pruning: { ...s.pruning, methods } }),
    parseItem: namesOf(pruningMethods),
    what: pruningMethods.join(', '),
  }),
  sparsitySetting('spmin', 'Sparsity (min)', 'min'),
  sparsitySetting('spmax', 'Sparsity (max)', 'max'),
  knobRange('convmin', 'Conv layers (min)', 'convLayers', 'min'),
  knobRange('convmax', 'Conv layers (max)', 'convLayers', 'max'),
  knobRange('densemin', 'Dense layers (min)', 'denseLayers', 'min'),
  knobRange('densemax', 'Dense layers (max)', 'denseLayers', 'max'),
  knobList<ConvType>('convtypes', 'Conv types', 'convTypes', namesOf(convLikeTypes), convLikeTypes.join(', ')),
  knobList<number>('filters', 'Filters', 'filters', wholeItem(limits.filters), `the whole numbers from 1 to ${limits.filters}`),
  knobList<number>('kernels', 'Kernel sizes', 'kernels', wholeItem(limits.kernel), `the whole numbers from 1 to ${limits.kernel}`),
  knobList<number>('strides', 'Strides', 'strides', wholeItem(limits.stride), `the whole numbers from 1 to ${limits.stride}`),
  knobList<Padding>('paddings', 'Paddings', 'paddings', namesOf<Padding>(['same', 'valid']), 'same, valid'),
  knobList<number>('bottlenecks', 'Bottlenecks', 'bottlenecks', wholeItem(limits.filters), `the whole numbers from 1 to ${limits.filters}`),
  knobList<number>('units', 'Dense units', 'denseUnits', wholeItem(limits.units), `the whole numbers from 1 to ${limits.units}`),
  poolingList<PoolType>('pools', 'Pool types', 'types', namesOf<PoolType>(['maxPool', 'avgPool']), 'maxPool, avgPool'),
  poolingList<number>('poolsizes', 'Pool sizes', 'sizes', wholeItem(limits.poolSize), `the whole numbers from 1 to ${limits.poolSize}`),
  setting<number>({
    key: 'poolp',
    label: 'Pooling probability',
    path: 'searchSpace.pooling.probability',
    get: (s) => s.space.pooling.probability,
    set: (s, probability) => ({ ...s, space: { ...s.space, pooling: { ...s.space.pooling, probability } } }),
    format: formatNumber,
    parse: parseNumber,
    check: numberCheck((v) => v >= 0 && v <= 1, 'a probability from 0 to 1'),
  }),
  knobList<HeadType>('heads', 'Heads', 'heads', namesOf<HeadType>(['flatten', 'globalAvgPool']), 'flatten, globalAvgPool'),
];
