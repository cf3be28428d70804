/**
 * Validation of one trial of a study document from untrusted JSON. Which fields a trial carries
 * depends on its status: only a completed or a stopped trial has metrics (and it must have its
 * metrics, resources, timings and backend), only a stopped one a stop reason, only a failed one an
 * error, only a skipped one a skip reason.
 */
import type { SearchSpace } from '../core/search-space.ts';
import { pruningMethods } from '../core/pruning.ts';
import { accountingModes } from '../core/resources.ts';
import { measurementFromNonzero } from '../core/ops.ts';
import type { StudyTrial } from './study.ts';
import type { TargetResources, TrialHyperparameters, TrialMetrics, TrialResources, TrialStatus, TrialTimings } from './trial.ts';
import { architectureAt, studyLimits } from './study-config-json.ts';
import {
  FieldError,
  booleanAt,
  childPath,
  choiceAt,
  countAt,
  describe,
  fractionBelowOneAt,
  idAt,
  integerAt,
  itemPath,
  listAt,
  nonNegativeAt,
  numberAt,
  objectAt,
  positiveNumberAt,
  seedAt,
  textAt,
} from '../core/untrusted.ts';

export type DocumentTrial = Omit<StudyTrial, 'studyId'>;

export const trialStatuses: readonly TrialStatus[] = ['queued', 'running', 'completed', 'stopped', 'failed', 'skipped'];

/** Long enough for any message the engine writes; short enough that a file cannot stuff the UI. */
const messageLength = 4000;
/** Milliseconds: about 31 years, far beyond any trial. */
const maxMs = 1e12;

function hyperparametersAt(value: unknown, path: string): TrialHyperparameters {
  const record = objectAt(value, path, 'the hyperparameters', ['epochs', 'batchSize', 'learningRate', 'schedule', 'seed', 'pruning'], ['warmupEpochs']);
  const epochs = integerAt(record.epochs, childPath(path, 'epochs'), 1, studyLimits.epochs);
  const batchSize = integerAt(record.batchSize, childPath(path, 'batchSize'), 1, studyLimits.batchSize);
  const learningRate = positiveNumberAt(record.learningRate, childPath(path, 'learningRate'), studyLimits.learningRate);
  const schedule = choiceAt(record.schedule, childPath(path, 'schedule'), ['cosine', 'step'] as const);
  const seed = seedAt(record.seed, childPath(path, 'seed'));
  const pruningPath = childPath(path, 'pruning');
  const pruning = objectAt(record.pruning, pruningPath, 'the pruning of a trial', ['method', 'sparsity', 'fineTuneEpochs']);
  const warmupEpochs = record.warmupEpochs === undefined ? undefined : numberAt(record.warmupEpochs, childPath(path, 'warmupEpochs'), 0, epochs);
  return {
    epochs,
    batchSize,
    learningRate,
    schedule,
    ...(warmupEpochs === undefined ? {} : { warmupEpochs }),
    seed,
    pruning: {
      method: choiceAt(pruning.method, childPath(pruningPath, 'method'), pruningMethods),
      sparsity: fractionBelowOneAt(pruning.sparsity, childPath(pruningPath, 'sparsity')),
      fineTuneEpochs: integerAt(pruning.fineTuneEpochs, childPath(pruningPath, 'fineTuneEpochs'), 0, studyLimits.epochs),
    },
  };
}

const metricFields = [
  'testAccuracy',
  'int8TestAccuracy',
  'valAccuracy',
  'testAccuracyBeforePruning',
  'nonzeroWeights',
  'totalWeights',
  'sparsity',
  'epochsRun',
  'bestEpoch',
] as const;

function metricsAt(value: unknown, path: string): TrialMetrics {
  const record = objectAt(value, path, 'the metrics of a trial', metricFields, ['valAccuracyByEpoch']);
  const accuracy = (field: string): number => numberAt(record[field], childPath(path, field), 0, 1);
  const metrics: TrialMetrics = {
    testAccuracy: accuracy('testAccuracy'),
    int8TestAccuracy: accuracy('int8TestAccuracy'),
    valAccuracy: accuracy('valAccuracy'),
    testAccuracyBeforePruning: accuracy('testAccuracyBeforePruning'),
    nonzeroWeights: countAt(record.nonzeroWeights, childPath(path, 'nonzeroWeights')),
    totalWeights: countAt(record.totalWeights, childPath(path, 'totalWeights')),
    sparsity: numberAt(record.sparsity, childPath(path, 'sparsity'), 0, 1),
    epochsRun: countAt(record.epochsRun, childPath(path, 'epochsRun')),
    bestEpoch: countAt(record.bestEpoch, childPath(path, 'bestEpoch')),
  };
  if (metrics.nonzeroWeights > metrics.totalWeights) {
    throw new FieldError(childPath(path, 'nonzeroWeights'), `${metrics.nonzeroWeights} is more than totalWeights (${metrics.totalWeights})`);
  }
  if (metrics.bestEpoch > metrics.epochsRun) {
    throw new FieldError(childPath(path, 'bestEpoch'), `${metrics.bestEpoch} is after the last epoch run (${metrics.epochsRun})`);
  }
  if (record.valAccuracyByEpoch === undefined) return metrics;
  const curvePath = childPath(path, 'valAccuracyByEpoch');
  const valAccuracyByEpoch = listAt(record.valAccuracyByEpoch, curvePath, studyLimits.epochs, 'a list of validation accuracies, one per epoch').map((item, index) =>
    numberAt(item, itemPath(curvePath, index), 0, 1),
  );
  return { ...metrics, valAccuracyByEpoch };
}

function targetResourcesAt(value: unknown, path: string, targetIds: readonly string[]): TargetResources {
  const record = objectAt(value, path, "a target's resources", ['id', 'flashBytes', 'sramBytes', 'latencyMs', 'feasible']);
  const id = record.id;
  if (typeof id !== 'string' || !targetIds.includes(id)) {
    const known = `the study's targets (${targetIds.join(', ')})`;
    throw new FieldError(childPath(path, 'id'), id === undefined ? `is missing; it must be one of ${known}` : `${describe(id)} is not one of ${known}`);
  }
  const feasiblePath = childPath(path, 'feasible');
  const feasible = objectAt(record.feasible, feasiblePath, 'the verdict per accounting mode', accountingModes);
  return {
    id,
    flashBytes: countAt(record.flashBytes, childPath(path, 'flashBytes'), 'bytes'),
    sramBytes: countAt(record.sramBytes, childPath(path, 'sramBytes'), 'bytes'),
    latencyMs: numberAt(record.latencyMs, childPath(path, 'latencyMs'), 0, maxMs),
    feasible: { paper: booleanAt(feasible.paper, childPath(feasiblePath, 'paper')), deploy: booleanAt(feasible.deploy, childPath(feasiblePath, 'deploy')) },
  };
}

function resourcesAt(value: unknown, path: string, targetIds: readonly string[]): TrialResources {
  const fields = ['params', 'nonzeroParams', 'macs', 'modelSizeBytes', 'workingMemoryBytes', 'flashBytes', 'sramBytes', 'targets'];
  const record = objectAt(value, path, 'the resources of a trial', fields, ['nonzeroWeightsByOp']);
  const resources = {
    params: countAt(record.params, childPath(path, 'params')),
    nonzeroParams: countAt(record.nonzeroParams, childPath(path, 'nonzeroParams')),
    macs: countAt(record.macs, childPath(path, 'macs')),
    modelSizeBytes: countAt(record.modelSizeBytes, childPath(path, 'modelSizeBytes'), 'bytes'),
    workingMemoryBytes: countAt(record.workingMemoryBytes, childPath(path, 'workingMemoryBytes'), 'bytes'),
    flashBytes: countAt(record.flashBytes, childPath(path, 'flashBytes'), 'bytes'),
    sramBytes: countAt(record.sramBytes, childPath(path, 'sramBytes'), 'bytes'),
  };
  if (resources.nonzeroParams > resources.params) {
    throw new FieldError(childPath(path, 'nonzeroParams'), `${resources.nonzeroParams} is more than params (${resources.params})`);
  }
  const targetsPath = childPath(path, 'targets');
  const targets = listAt(record.targets, targetsPath, studyLimits.targets, "a list of each target's resources").map((item, index) =>
    targetResourcesAt(item, itemPath(targetsPath, index), targetIds),
  );
  if (record.nonzeroWeightsByOp === undefined) return { ...resources, targets };
  const opsPath = childPath(path, 'nonzeroWeightsByOp');
  const nonzeroWeightsByOp = listAt(record.nonzeroWeightsByOp, opsPath, studyLimits.weightedOps, 'a list of non-zero weight counts').map((count, index) =>
    countAt(count, itemPath(opsPath, index)),
  );
  return { ...resources, targets, nonzeroWeightsByOp };
}

function timingsAt(value: unknown, path: string): TrialTimings {
  const record = objectAt(value, path, 'the timings of a trial', ['trainMs', 'pruneMs', 'evaluateMs', 'totalMs', 'samplesPerSecond']);
  const ms = (field: string): number => numberAt(record[field], childPath(path, field), 0, maxMs);
  return {
    trainMs: ms('trainMs'),
    pruneMs: ms('pruneMs'),
    evaluateMs: ms('evaluateMs'),
    totalMs: ms('totalMs'),
    samplesPerSecond: nonNegativeAt(record.samplesPerSecond, childPath(path, 'samplesPerSecond')),
  };
}

function backendAt(value: unknown, path: string): { name: string; reason: string } {
  const record = objectAt(value, path, 'the backend a trial ran on', ['name', 'reason']);
  return {
    name: textAt(record.name, childPath(path, 'name'), { maxLength: 64 }),
    reason: textAt(record.reason, childPath(path, 'reason'), { maxLength: 1000, multiline: true, allowEmpty: true }),
  };
}

/** Which statuses a field belongs to: present on any other status, it is an error. */
const onlyFor: Readonly<Record<'metrics' | 'stopReason' | 'error' | 'skipReason' | 'workerLost', readonly TrialStatus[]>> = {
  metrics: ['completed', 'stopped'],
  workerLost: ['failed'],
  stopReason: ['stopped'],
  error: ['failed'],
  skipReason: ['skipped'],
};
const articles = { metrics: 'metrics', stopReason: 'a stopReason', error: 'an error', skipReason: 'a skipReason', workerLost: 'workerLost' } as const;
/** Fields a status cannot do without. */
const requiredFor: Partial<Record<TrialStatus, readonly string[]>> = {
  completed: ['metrics', 'resources', 'timings', 'backend'],
  stopped: ['metrics', 'resources', 'timings', 'backend', 'stopReason'],
  failed: ['error'],
  skipped: ['skipReason'],
};

const requiredTrialFields = ['id', 'index', 'status', 'architecture', 'hyperparameters'];
const optionalTrialFields = ['sampledArchitecture', 'metrics', 'resources', 'timings', 'backend', 'error', 'skipReason', 'stopReason', 'workerLost'];
const messageRule = { maxLength: messageLength, multiline: true } as const;

/** One trial of a study document (`trials[i]`), checked against the study's space and targets. */
export function documentTrialAt(value: unknown, path: string, space: SearchSpace, targetIds: readonly string[]): DocumentTrial {
  const record = objectAt(value, path, 'a trial', requiredTrialFields, optionalTrialFields);
  const at = (field: string): string => childPath(path, field);
  const id = idAt(record.id, at('id'));
  const index = integerAt(record.index, at('index'), 0, studyLimits.trials - 1);
  const status = choiceAt(record.status, at('status'), trialStatuses);
  const architecture = architectureAt(record.architecture, at('architecture'), space);
  const sampledArchitecture = record.sampledArchitecture === undefined ? undefined : architectureAt(record.sampledArchitecture, at('sampledArchitecture'), space);
  const hyperparameters = hyperparametersAt(record.hyperparameters, at('hyperparameters'));
  for (const field of Object.keys(onlyFor) as (keyof typeof onlyFor)[]) {
    if (record[field] !== undefined && !onlyFor[field].includes(status)) {
      throw new FieldError(at(field), `only a ${onlyFor[field].map((s) => `"${s}"`).join(' or ')} trial has ${articles[field]}; this one is "${status}"`);
    }
  }
  for (const field of requiredFor[status] ?? []) {
    if (record[field] === undefined) throw new FieldError(at(field), `is missing; a "${status}" trial must have ${field}`);
  }
  if (record.workerLost !== undefined && record.workerLost !== true) throw new FieldError(at('workerLost'), `must be true when present, got ${describe(record.workerLost)}`);
  const resources = record.resources !== undefined ? resourcesAt(record.resources, at('resources'), targetIds) : undefined;
  if (resources?.nonzeroWeightsByOp) {
    try {
      measurementFromNonzero(architecture, resources.nonzeroWeightsByOp);
    } catch (error) {
      throw new FieldError(childPath(at('resources'), 'nonzeroWeightsByOp'), `does not fit the trial's architecture: ${(error as Error).message}`);
    }
  }
  return {
    id,
    index,
    status,
    architecture,
    ...(sampledArchitecture !== undefined ? { sampledArchitecture } : {}),
    hyperparameters,
    ...(record.metrics !== undefined ? { metrics: metricsAt(record.metrics, at('metrics')) } : {}),
    ...(resources !== undefined ? { resources } : {}),
    ...(record.timings !== undefined ? { timings: timingsAt(record.timings, at('timings')) } : {}),
    ...(record.backend !== undefined ? { backend: backendAt(record.backend, at('backend')) } : {}),
    ...(record.error !== undefined ? { error: textAt(record.error, at('error'), messageRule) } : {}),
    ...(record.skipReason !== undefined ? { skipReason: textAt(record.skipReason, at('skipReason'), messageRule) } : {}),
    ...(record.stopReason !== undefined ? { stopReason: textAt(record.stopReason, at('stopReason'), messageRule) } : {}),
    ...(record.workerLost === true ? { workerLost: true as const } : {}),
  };
}
