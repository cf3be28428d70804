/**
 * From the setup's settings to a StudyConfig and back. The config is assembled as `npm run search`
 * assembles it (src/cli/search-command.ts), validated field by field with the settings table, then
 * as a whole with core's validators (parseSearchSpace, parsePruningSpace) and finally with the
 * study document's own validator, so that the form never starts a study the worker would refuse.
 * Every problem is named by the label the form shows.
 */
import { builtinDatasetChoices, inputShapeText, type DatasetChoice } from './dataset-choices.ts';
import { type CustomTargetSpec, type PresetReserve, type Problem, type Settings, type SettingsContext, customTargetId, settingsTable } from './setup-settings.ts';
import { findPresetTarget, hasDefaultReserve, parseTargetSpec } from '../core/targets.ts';
import { PruningSpaceError, parsePruningSpace } from '../core/search/pruning-space.ts';
import { SearchSpaceError, parseSearchSpace } from '../core/search-space.ts';
import { studyConfigAt, studyLimits } from '../contracts/study-config-json.ts';
import type { StudyConfig } from '../contracts/study.ts';
import { presetTargets } from '../core/targets.ts';
import { strategyWords } from '../core/words.ts';
import { FieldError } from '../core/untrusted.ts';

/** Paths of whole ranges, which the table splits into min and max. */
const rangeLabels: Readonly<Record<string, string>> = {
  'searchSpace.convLayers': 'Conv layers',
  'searchSpace.denseLayers': 'Dense layers',
  'pruning.sparsity': 'Sparsity',
  searchSpace: 'Search space',
  pruning: 'Pruning methods',
  budget: 'Trials',
};

/** The form's label for a StudyConfig JSON path (`searchSpace.filters` → "Filters"). */
export function labelOf(path: string): string {
  const exact = settingsTable.find((s) => s.path === path)?.label ?? rangeLabels[path];
  if (exact !== undefined) return exact;
  if (path.startsWith('searchSpace.input') || path === 'searchSpace.classes') return 'Dataset';
  if (path.startsWith('targets')) return 'Target';
  const parent = path.slice(0, Math.max(path.lastIndexOf('.'), path.indexOf('[')));
  return parent === '' ? 'Setup' : labelOf(parent);
}

/**
 * The name the page gives a study, in words rather than ids ("Bayesian optimisation (SpArSe) on MNIST
 * for Arduino Uno": it heads the results), cut to the study document's limit.
 */
export function automaticName(settings: Pick<Settings, 'strategy' | 'dataset' | 'targets' | 'customTargets'>): string {
  const dataset = builtinDatasetChoices.find((d) => d.id === settings.dataset)?.name ?? settings.dataset;
  const targets = settings.targets.map((id) => presetTargets.find((t) => t.id === id)?.name ?? settings.customTargets.find((t) => customTargetId(t) === id)?.name ?? id);
  const name = `${strategyWords[settings.strategy]} on ${dataset} for ${targets.join(', ')}`;
  return name.length <= studyLimits.nameLength ? name : `${name.slice(0, studyLimits.nameLength - 1)}…`;
}

export interface SetupCheck {
  readonly problems: readonly Problem[];
  readonly config: StudyConfig | undefined;
}

function crossFieldProblems(settings: Settings, dataset: DatasetChoice): { problems: Problem[]; searchSpace?: StudyConfig['searchSpace'] } {
  const problems: Problem[] = [];
  if (settings.trials === undefined && settings.minutes === undefined) {
    problems.push({ field: 'Search for (minutes)', message: 'set how many minutes to search, a number of trials (under Advanced), or both' });
  }
  try {
    parsePruningSpace(settings.pruning);
  } catch (error) {
    if (!(error instanceof PruningSpaceError)) throw error;
    problems.push({ field: labelOf(error.field), message: error.reason });
  }
  try {
    const searchSpace = parseSearchSpace({ input: dataset.input, classes: dataset.classes, ...settings.space });
    return { problems, searchSpace };
  } catch (error) {
    if (!(error instanceof SearchSpaceError)) throw error;
    problems.push({ field: labelOf(error.field), message: error.reason });
    return { problems };
  }
}

/** The problems of `settings`, and the StudyConfig when there are none. `pending` are the form's unparsed entries. */
export function checkSettings(settings: Settings, context: SettingsContext, pending: readonly Problem[]): SetupCheck {
  const problems: Problem[] = [...pending];
  for (const setting of settingsTable) {
    const message = setting.problem(settings, context);
    if (message !== undefined) problems.push({ field: setting.label, message });
  }
  const dataset = context.datasets.find((d) => d.id === settings.dataset);
  if (problems.length > 0 || dataset === undefined) return { problems, config: undefined };
  const cross = crossFieldProblems(settings, dataset);
  if (cross.searchSpace === undefined || cross.problems.length > 0) return { problems: cross.problems, config: undefined };
  const config: StudyConfig = {
    name: settings.name ?? automaticName(settings),
    dataset: settings.dataset,
    // A preset with a reserve of the user's own travels as { id, reserve }, so the worker judges the same.
    targets: settings.targets.map((id) => {
      const reserve = Object.hasOwn(settings.reserves, id) ? settings.reserves[id] : undefined;
      return settings.customTargets.find((t) => customTargetId(t) === id) ?? (reserve ? { id, reserve: { ...reserve } } : id);
    }),
    accounting: settings.accounting,
    searchSpace: cross.searchSpace,
    pruning: { methods: [...settings.pruning.methods], sparsity: { ...settings.pruning.sparsity } },
    strategy: settings.strategy,
    budget: {
      ...(settings.trials !== undefined ? { trials: settings.trials } : {}),
      ...(settings.minutes !== undefined ? { minutes: settings.minutes } : {}),
    },
    epochs: settings.epochs,
    batchSize: settings.batchSize,
    learningRate: settings.learningRate,
    seed: settings.seed,
    earlyStopping: settings.earlyStopping,
  };
  try {
    studyConfigAt(config, '');
  } catch (error) {
    if (!(error instanceof FieldError)) throw error;
    return { problems: [{ field: labelOf(error.path), message: error.reason }], config: undefined };
  }
  return { problems: [], config };
}

const copySpec = (spec: CustomTargetSpec): CustomTargetSpec => {
  const reserve = spec.reserve;
  return typeof reserve === 'object' && reserve !== null ? { ...spec, reserve: { ...reserve } } : { ...spec };
};

/**
 * The settings of a stored study, for "run again". The search space's input and classes are not
 * kept: they follow the dataset, and a difference is reported.
 */
export function settingsFromConfig(config: StudyConfig, datasets: readonly DatasetChoice[]): { settings: Omit<Settings, 'backend'>; problems: Problem[] } {
  const problems: Problem[] = [];
  const isPreset = (t: StudyConfig['targets'][number]): boolean => findPresetTarget(typeof t === 'string' ? t : String(t.id)) !== undefined;
  const customTargets = config.targets.filter((t): t is CustomTargetSpec => typeof t !== 'string' && !isPreset(t)).map(copySpec);
  const reserves: Record<string, PresetReserve> = {};
  for (const spec of config.targets) {
    if (typeof spec === 'string' || !isPreset(spec)) continue;
    let target;
    try {
      target = parseTargetSpec(spec);
    } catch {
      problems.push({ field: 'Kept for your code', message: `the study's reserve for ${String(spec.id)} cannot be used; the preset's default is used` });
      continue;
    }
    if (!hasDefaultReserve(target)) reserves[target.id] = { sramBytes: target.reserve.sramBytes, flashBytes: target.reserve.flashBytes };
  }
  const targets = config.targets.map((t) => (typeof t === 'string' ? t : customTargetId(t)));
  const { input, classes, ...knobs } = config.searchSpace;
  const space: Settings['space'] = {
    ...knobs,
    convLayers: { ...knobs.convLayers },
    denseLayers: { ...knobs.denseLayers },
    pooling: { ...knobs.pooling, types: [...knobs.pooling.types], sizes: [...knobs.pooling.sizes] },
  };
  const dataset = datasets.find((d) => d.id === config.dataset);
  if (dataset !== undefined && (inputShapeText(dataset.input) !== inputShapeText(input) || dataset.classes !== classes)) {
    problems.push({
      field: 'Dataset',
      message: `the study's input ${inputShapeText(input)} with ${classes} classes differs from ${dataset.name}'s ${inputShapeText(dataset.input)} with ${dataset.classes}; the dataset's is used`,
    });
  }
  const named = { strategy: config.strategy, dataset: config.dataset, targets, customTargets };
  return {
    settings: {
      name: config.name === automaticName(named) ? undefined : config.name,
      dataset: config.dataset,
      targets,
      customTargets,
      reserves,
      accounting: config.accounting,
      strategy: config.strategy,
      trials: config.budget.trials,
      minutes: config.budget.minutes,
      epochs: config.epochs,
      seed: config.seed,
      batchSize: config.batchSize,
      learningRate: config.learningRate,
      earlyStopping: config.earlyStopping === true,
      pruning: { methods: [...config.pruning.methods], sparsity: { ...config.pruning.sparsity } },
      space,
    },
    problems,
  };
}

/** "about 40 s", "about 2 min", "about 1 h 10 min" */
function roughly(seconds: number): string {
  if (seconds < 55) return `about ${Math.max(5, Math.round(seconds / 5) * 5)} s`;
  const minutes = Math.round(seconds / 60);
  return minutes < 60 ? `about ${minutes} min` : `about ${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/**
 * How long a search with these settings will take, in words, before it starts. A time budget is
 * its own answer (plus the trials running when it ends); a trial budget alone is trials × epochs ×
 * training images at the training speed measured on this machine, when it has been measured. With
 * several trials at once the speed was measured for one, so the words give both ends: one at a time,
 * and P times sooner, which only a machine with P cores to spare reaches.
 */
export function expectedDuration(settings: Pick<Settings, 'trials' | 'minutes' | 'epochs'>, dataset: DatasetChoice | undefined, samplesPerSecond?: number, parallelTrials = 1): string {
  const byTrials =
    settings.trials !== undefined && dataset !== undefined && samplesPerSecond !== undefined && samplesPerSecond > 0
      ? (settings.trials * settings.epochs * dataset.trainCount) / samplesPerSecond
      : undefined;
  const several = Number.isInteger(parallelTrials) && parallelTrials > 1 ? parallelTrials : undefined;
  if (settings.minutes !== undefined) {
    const budget = settings.minutes * 60;
    if (byTrials !== undefined && byTrials < budget && several === undefined) return `${roughly(byTrials)} (${settings.trials} trials at the speed measured here), at most ${roughly(budget).slice(6)}`;
    if (byTrials !== undefined && byTrials < budget) {
      return `${roughly(byTrials)} one at a time (${settings.trials} trials at the speed measured here), down to ${roughly(byTrials / several!)} with ${several} at once where ${several} cores are free, at most ${roughly(budget).slice(6)}`;
    }
    return `${roughly(budget)}: the time budget, plus the ${several === undefined ? 'trial' : 'trials'} running when it ends`;
  }
  if (settings.trials === undefined) return 'no budget set';
  if (byTrials !== undefined) {
    const speed = `${Math.round(samplesPerSecond!).toLocaleString('en-US')} images/s`;
    if (several === undefined) return `${roughly(byTrials)} at the training speed measured here (${speed}), if no trial stops early`;
    return `${roughly(byTrials)} one at a time at the training speed measured here (${speed}), down to ${roughly(byTrials / several)} with ${several} at once where ${several} cores are free, if no trial stops early`;
  }
  return `depends on this machine: ${settings.trials} trials of ${settings.epochs} epochs over ${dataset?.trainCount.toLocaleString('en-US') ?? 'the'} training images each`;
}
