/**
 * Validation of a study's config (StudyConfig) from untrusted JSON, for the study document. The
 * search space, custom targets and architectures reuse the validators of src/core; their messages
 * are given the JSON path of the value they are about.
 */
import { ArchitectureError, parseArchitecture, limits as architectureLimits, type Architecture } from '../core/architecture.ts';
import { accountingModes } from '../core/resources.ts';
import { pruningMethods, type PruningMethod } from '../core/pruning.ts';
import { SearchSpaceError, parseSearchSpace, type SearchSpace } from '../core/search-space.ts';
import { TargetError, findPresetTarget, parseTargetSpec, presetTargetIds } from '../core/targets.ts';
import { strategyNames, type StudyConfig, type TargetSpec } from './study.ts';
import {
  FieldError,
  booleanAt,
  checkDepth,
  childPath,
  choiceAt,
  describe,
  firstRepeat,
  fractionBelowOneAt,
  integerAt,
  isRecord,
  itemPath,
  listAt,
  objectAt,
  patternAt,
  positiveNumberAt,
  rangeAt,
  seedAt,
  textAt,
} from '../core/untrusted.ts';

/** Bounds no real study comes near; they stop absurd files early. */
export const studyLimits = {
  nameLength: 200,
  targets: 16,
  trials: 100_000,
  /** A week. */
  minutes: 7 * 24 * 60,
  epochs: 10_000,
  batchSize: 65_536,
  learningRate: 10,
  /** Levels of nesting allowed inside an architecture (its extra layer fields included). */
  architectureDepth: 16,
  /** Weighted ops of an architecture: at most two per layer, plus the classifier. */
  weightedOps: 2 * architectureLimits.layers + 1,
} as const;

const datasetPattern = /^[a-z0-9][a-z0-9._-]{0,63}$/;

function targetAt(value: unknown, path: string): { spec: TargetSpec; id: string } {
  if (typeof value === 'string') {
    if (findPresetTarget(value) === undefined) {
      throw new FieldError(path, `unknown target ${describe(value)}; expected a preset id (${presetTargetIds.join(', ')}) or a custom target object`);
    }
    return { spec: value, id: value };
  }
  if (!isRecord(value)) throw new FieldError(path, `must be a preset id or a custom target object, got ${describe(value)}`);
  try {
    // A custom target, or a preset with a reserve of the user's own.
    const target = parseTargetSpec(value);
    const spec = { ...value, ...(isRecord(value.reserve) ? { reserve: { ...value.reserve } } : {}) };
    return { spec, id: target.id };
  } catch (error) {
    if (error instanceof TargetError) throw new FieldError(path, error.message);
    throw error;
  }
}

/** The study's targets and their ids, in order; an id may appear once. */
export function targetsAt(value: unknown, path: string): { specs: TargetSpec[]; ids: string[] } {
  const list = listAt(value, path, studyLimits.targets, 'a list of targets');
  if (list.length === 0) throw new FieldError(path, 'must list at least one target');
  const specs: TargetSpec[] = [];
  const ids: string[] = [];
  list.forEach((item, index) => {
    const { spec, id } = targetAt(item, itemPath(path, index));
    if (ids.includes(id)) throw new FieldError(itemPath(path, index), `target "${id}" is listed twice`);
    specs.push(spec);
    ids.push(id);
  });
  return { specs, ids };
}

function searchSpaceAt(value: unknown, path: string): SearchSpace {
  try {
    return parseSearchSpace(value);
  } catch (error) {
    if (!(error instanceof SearchSpaceError)) throw error;
    // parseSearchSpace names fields from "searchSpace"; put them under this path.
    const field = error.path === 'searchSpace' ? path : `${path}${error.path.slice('searchSpace'.length)}`;
    throw new FieldError(field, error.reason);
  }
}

function pruningAt(value: unknown, path: string): StudyConfig['pruning'] {
  const record = objectAt(value, path, 'the pruning choices', ['methods', 'sparsity']);
  const methodsPath = childPath(path, 'methods');
  const methods = listAt(record.methods, methodsPath, pruningMethods.length, 'a list of pruning methods').map((item, index) =>
    choiceAt<PruningMethod>(item, itemPath(methodsPath, index), pruningMethods),
  );
  if (methods.length === 0) throw new FieldError(methodsPath, 'must list at least one pruning method');
  const repeated = firstRepeat(methods);
  if (repeated >= 0) throw new FieldError(itemPath(methodsPath, repeated), `"${methods[repeated]}" is listed twice`);
  const sparsityPath = childPath(path, 'sparsity');
  const sparsity = objectAt(record.sparsity, sparsityPath, 'a sparsity range', ['min', 'max']);
  return { methods, sparsity: rangeAt(sparsity, sparsityPath, fractionBelowOneAt) };
}

function budgetAt(value: unknown, path: string): StudyConfig['budget'] {
  const record = objectAt(value, path, 'a budget', [], ['trials', 'minutes']);
  if (record.trials === undefined && record.minutes === undefined) throw new FieldError(path, 'must set trials, minutes or both');
  return {
    ...(record.trials !== undefined ? { trials: integerAt(record.trials, childPath(path, 'trials'), 1, studyLimits.trials) } : {}),
    ...(record.minutes !== undefined ? { minutes: positiveNumberAt(record.minutes, childPath(path, 'minutes'), studyLimits.minutes) } : {}),
  };
}

const configFields = ['name', 'dataset', 'targets', 'accounting', 'searchSpace', 'pruning', 'strategy', 'budget', 'epochs', 'batchSize', 'learningRate', 'seed'];

/** A study's config, and the ids of its targets (trials' resources must name only those). */
export function studyConfigAt(value: unknown, path: string): { config: StudyConfig; targetIds: string[] } {
  const record = objectAt(value, path, 'a study config', configFields, ['earlyStopping']);
  const name = textAt(record.name, childPath(path, 'name'), { maxLength: studyLimits.nameLength });
  const dataset = patternAt(record.dataset, childPath(path, 'dataset'), datasetPattern, 'a dataset id such as "digits"');
  const { specs, ids } = targetsAt(record.targets, childPath(path, 'targets'));
  const config: StudyConfig = {
    name,
    dataset,
    targets: specs,
    accounting: choiceAt(record.accounting, childPath(path, 'accounting'), accountingModes),
    searchSpace: searchSpaceAt(record.searchSpace, childPath(path, 'searchSpace')),
    pruning: pruningAt(record.pruning, childPath(path, 'pruning')),
    strategy: choiceAt(record.strategy, childPath(path, 'strategy'), strategyNames),
    budget: budgetAt(record.budget, childPath(path, 'budget')),
    epochs: integerAt(record.epochs, childPath(path, 'epochs'), 1, studyLimits.epochs),
    batchSize: integerAt(record.batchSize, childPath(path, 'batchSize'), 1, studyLimits.batchSize),
    learningRate: positiveNumberAt(record.learningRate, childPath(path, 'learningRate'), studyLimits.learningRate),
    seed: seedAt(record.seed, childPath(path, 'seed')),
    ...(record.earlyStopping === undefined ? {} : { earlyStopping: booleanAt(record.earlyStopping, childPath(path, 'earlyStopping')) }),
  };
  return { config, targetIds: ids };
}

/**
 * An architecture, checked by parseArchitecture (extra layer fields are kept, as DESIGN.md §2 says),
 * and required to take the search space's input and classes.
 */
export function architectureAt(value: unknown, path: string, space: SearchSpace): Architecture {
  checkDepth(value, path, studyLimits.architectureDepth);
  let architecture: Architecture;
  try {
    architecture = parseArchitecture(value);
  } catch (error) {
    if (!(error instanceof ArchitectureError)) throw error;
    throw new FieldError(error.path === 'architecture' ? path : `${path}.${error.path}`, error.reason);
  }
  const shape = (s: { height: number; width: number; channels: number }) => `${s.height}×${s.width}×${s.channels}`;
  if (shape(architecture.input) !== shape(space.input)) {
    throw new FieldError(`${path}.input`, `${shape(architecture.input)} differs from the search space's ${shape(space.input)}`);
  }
  if (architecture.classes !== space.classes) {
    throw new FieldError(`${path}.classes`, `${architecture.classes} differs from the search space's ${space.classes}`);
  }
  return architecture;
}
