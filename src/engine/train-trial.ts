/**
 * One training trial, written once for the CLI and (later) the search worker: build the network,
 * train it, prune it with the chosen method and fine-tune, evaluate in float and simulated int8,
 * then measure its resources on the trained weights. Backend, storage and progress are handed in.
 */
import type { Architecture } from '../core/architecture.ts';
import { type PruningMethod, bcKlScale, pruningMethods } from '../core/pruning.ts';
import { estimate } from '../core/resources.ts';
import type { Target } from '../core/targets.ts';
import { fineTuneEpochsFor, trainingRecipe } from '../core/training-recipe.ts';
import type { Dataset } from '../data/dataset.ts';
import type { LrSchedule, TrialHyperparameters, TrialRecord } from '../contracts/trial.ts';
import type { TrialPhase, TrialProgress } from '../contracts/search-worker.ts';
import { disposeDeviceImageSet, uploadImageSet } from '../tf/device-data.ts';
import { evaluate } from '../tf/evaluate.ts';
import { type Network, createNetwork } from '../tf/network.ts';
import { magnitudePruning } from '../tf/pruning/magnitude.ts';
import { bayesianCompression, removeGatedChannels } from '../tf/pruning/bayesian-compression.ts';
import { pruneChannels } from '../tf/pruning/channels.ts';
import { sparseVariationalDropout } from '../tf/pruning/svd.ts';
import { compareInt8 } from '../tf/quantize.ts';
import type { LearningRateSchedule } from '../tf/schedule.ts';
import { type TrainOptions, type TrainProgress, type TrainResult, train } from '../tf/trainer.ts';
import { measurementOf } from '../tf/weights.ts';

export type { TrialPhase, TrialProgress };

export interface TrainTrialConfig {
  readonly id: string;
  readonly architecture: Architecture;
  readonly dataset: Dataset;
  /** Targets whose resources and feasibility the record reports; the first one's deploy numbers lead. */
  readonly targets: readonly Target[];
  readonly epochs: number;
  readonly batchSize?: number;
  readonly learningRate?: number;
  readonly schedule?: LrSchedule;
  /** Linear warm-up of the cosine schedule, in epochs; default the recipe's (training-recipe.ts). */
  readonly warmupEpochs?: number;
  readonly seed: number;
  readonly pruning?: { readonly method: PruningMethod; readonly sparsity?: number; readonly fineTuneEpochs?: number };
  /** Epochs without a better validation accuracy before training stops; default 3. */
  readonly patience?: number;
  readonly backend: { readonly name: string; readonly reason: string };
  readonly onProgress?: (progress: TrialProgress) => void;
  readonly signal?: AbortSignal;
  /** Awaited before every batch: a pause holds it until resumed. */
  readonly beforeBatch?: () => Promise<void>;
  /**
   * Judges the trial after each epoch of its training (multi-fidelity search): a reason in words
   * stops it there. It is then not pruned, but evaluated and measured as it is, with status `stopped`.
   */
  readonly judgeEpoch?: (epoch: number, valAccuracy: number) => string | undefined;
}

export interface TrainedTrial {
  readonly record: TrialRecord;
  /** The trained (and pruned) network; the caller disposes it. */
  readonly network: Network;
}

/** The trial was stopped through its signal before it finished; nothing of it is kept. */
export class TrialAbortedError extends Error {
  override readonly name = 'TrialAbortedError';
  constructor(id: string) {
    super(`trial ${id} was stopped before it finished`);
  }
}

/** Bad settings of a trial, in words; the message names the setting. */
export class TrialConfigError extends Error {
  override readonly name = 'TrialConfigError';
}

function checkConfig(config: TrainTrialConfig): Required<TrialHyperparameters['pruning']> {
  const { architecture, dataset } = config;
  const { input, classes } = architecture;
  const set = dataset.train;
  if (input.height !== set.height || input.width !== set.width || input.channels !== set.channels) {
    throw new TrialConfigError(
      `the architecture's input is ${input.height}×${input.width}×${input.channels}, but ${dataset.id} has ${set.height}×${set.width}×${set.channels} images`,
    );
  }
  if (classes !== dataset.classNames.length) {
    throw new TrialConfigError(`the architecture has ${classes} classes, but ${dataset.id} has ${dataset.classNames.length}`);
  }
  if (config.targets.length === 0) throw new TrialConfigError('at least one target is needed');
  const method = config.pruning?.method ?? 'none';
  if (!pruningMethods.includes(method)) throw new TrialConfigError(`unknown pruning method "${method}"; expected ${pruningMethods.join(', ')}`);
  const sparsity = method === 'none' ? 0 : (config.pruning?.sparsity ?? 0.5);
  if (!(sparsity >= 0 && sparsity < 1)) throw new TrialConfigError(`sparsity must be at least 0 and below 1, got ${sparsity}`);
  const fineTuneEpochs = method === 'none' ? 0 : (config.pruning?.fineTuneEpochs ?? fineTuneEpochsFor(config.epochs));
  if (!Number.isInteger(fineTuneEpochs) || fineTuneEpochs < 0) throw new TrialConfigError(`fine-tuning epochs must be a whole number, got ${fineTuneEpochs}`);
  return { method, sparsity, fineTuneEpochs };
}

const scheduleOf = (schedule: LrSchedule, epochs: number, warmupEpochs: number): LearningRateSchedule =>
  schedule === 'cosine' ? { kind: 'cosine', warmupEpochs } : { kind: 'step', everyEpochs: Math.max(1, Math.ceil(epochs / 3)), factor: 0.3 };

/**
 * Runs one trial to its record. Errors in the settings throw a TrialConfigError before any
 * training; a stop through `signal` ends training between batches and throws a TrialAbortedError.
 */
export async function runTrainingTrial(config: TrainTrialConfig): Promise<TrainedTrial> {
  const pruning = checkConfig(config);
  const started = performance.now();
  const batchSize = config.batchSize ?? trainingRecipe.batchSize;
  const learningRate = config.learningRate ?? trainingRecipe.learningRate;
  const schedule = config.schedule ?? 'cosine';
  const warmupEpochs = schedule === 'cosine' ? (config.warmupEpochs ?? trainingRecipe.warmupEpochs) : 0;
  const { dataset, seed } = config;
  const trainData = uploadImageSet(dataset.train);
  const validation = uploadImageSet(dataset.validation);
  let network = createNetwork(config.architecture, { seed });
  const runs: TrainResult[] = [];
  const progress = (phase: TrialPhase) => (p: TrainProgress) => config.onProgress?.({ ...p, phase });
  const common = (epochs: number, phase: TrialPhase, extra: Partial<TrainOptions> = {}): TrainOptions => ({
    epochs,
    batchSize,
    learningRate,
    schedule: scheduleOf(schedule, epochs, warmupEpochs),
    seed: `${seed}/${phase}`,
    validation,
    earlyStopping: { patience: config.patience ?? 3 },
    onProgress: progress(phase),
    ...(config.signal ? { signal: config.signal } : {}),
    ...(config.beforeBatch ? { beforeBatch: config.beforeBatch } : {}),
    ...extra,
  });
  try {
    const run = async (options: TrainOptions): Promise<void> => {
      const result = await train(network, trainData, options);
      runs.push(result);
      if (result.stopReason === 'aborted') throw new TrialAbortedError(config.id);
    };
    const judge = config.judgeEpoch;
    await run(common(config.epochs, 'training', judge ? { afterEpoch: ({ epoch, valAccuracy }) => judge(epoch, valAccuracy) } : {}));
    const stopReason = runs[0]!.stopReason === 'stopped' ? runs[0]!.stopMessage : undefined;
    const beforePruning = await evaluate(network, dataset.test);
    const totalWeightsBefore = network.ops.reduce((n, op) => n + op.kernel.size, 0);
    let sampledArchitecture: Architecture | undefined;
    let pruneMs = 0;

    const fineTune = pruning.fineTuneEpochs;
    const stepsPerEpoch = Math.ceil(dataset.train.count / batchSize);
    // A trial stopped early is measured as it is, unpruned.
    const method = stopReason === undefined ? pruning.method : 'none';
    if (method === 'magnitude' && fineTune > 0) {
      const gmp = magnitudePruning(network, { sparsity: pruning.sparsity, totalSteps: fineTune * stepsPerEpoch }, stepsPerEpoch);
      await run(common(fineTune, 'fine-tuning', { afterStep: gmp.afterStep, earlyStopping: { patience: fineTune, fromEpoch: gmp.fromEpoch } }));
    } else if (method === 'channels') {
      const pruneStart = performance.now();
      const result = await pruneChannels(network, pruning.sparsity, seed);
      sampledArchitecture = config.architecture;
      network.dispose();
      network = result.network;
      pruneMs = performance.now() - pruneStart;
      if (fineTune > 0) await run(common(fineTune, 'fine-tuning'));
    } else if (method === 'bc' && fineTune > 0) {
      const bc = bayesianCompression(network, { klScale: bcKlScale(pruning.sparsity) });
      // As for svd: no early stopping while the KL weight warms up, since channels only go late in the run.
      await run(common(fineTune, 'fine-tuning', { extraLoss: bc.extraLoss, earlyStopping: undefined, restoreBest: false }));
      const pruneStart = performance.now();
      const result = await removeGatedChannels(network, { seed });
      sampledArchitecture = config.architecture;
      network.dispose();
      network = result.network;
      pruneMs = performance.now() - pruneStart;
    } else if (method === 'svd' && fineTune > 0) {
      const svd = sparseVariationalDropout(network);
      // No early stopping while the KL weight warms up: sparsity only grows late in the run.
      await run(common(fineTune, 'fine-tuning', { extraLoss: svd.extraLoss, earlyStopping: undefined, restoreBest: false }));
      const pruneStart = performance.now();
      network.pruneByLogAlpha();
      pruneMs = performance.now() - pruneStart;
    }

    const evaluateStart = performance.now();
    config.onProgress?.({ ...lastProgress(runs), phase: 'evaluating' });
    const comparison = await compareInt8(network, { calibration: dataset.train, test: dataset.test }, { seed });
    const valAccuracy = (await evaluate(network, dataset.validation)).accuracy;
    const nonzero = await network.nonzeroWeights();
    const evaluateMs = performance.now() - evaluateStart;

    const architecture = network.architecture;
    const resources = estimate(architecture, config.targets, { measurement: measurementOf(network, nonzero) });
    const nonzeroWeights = nonzero.reduce((a, b) => a + b, 0);
    const totalWeights = network.ops.reduce((n, op) => n + op.kernel.size, 0);
    const samples = runs.reduce((n, r) => n + r.samplesSeen, 0);
    const trainingMs = runs.reduce((n, r) => n + r.timings.totalMs, 0);
    const first = resources.targets[0]!;
    const record: TrialRecord = {
      id: config.id,
      status: stopReason === undefined ? 'completed' : 'stopped',
      ...(stopReason === undefined ? {} : { stopReason }),
      dataset: dataset.id,
      architecture,
      ...(sampledArchitecture ? { sampledArchitecture } : {}),
      hyperparameters: { epochs: config.epochs, batchSize, learningRate, schedule, ...(warmupEpochs > 0 ? { warmupEpochs } : {}), seed, pruning },
      metrics: {
        testAccuracy: comparison.float.accuracy,
        int8TestAccuracy: comparison.int8.accuracy,
        valAccuracy,
        testAccuracyBeforePruning: beforePruning.accuracy,
        nonzeroWeights,
        totalWeights,
        sparsity: 1 - nonzeroWeights / totalWeightsBefore,
        epochsRun: runs.reduce((n, r) => n + r.epochsRun, 0),
        bestEpoch: runs[0]!.bestEpoch,
        valAccuracyByEpoch: runs[0]!.valAccuracy,
      },
      resources: {
        params: resources.params,
        nonzeroParams: resources.nonzeroParams,
        macs: resources.macs,
        modelSizeBytes: resources.paper.modelSizeBytes,
        workingMemoryBytes: resources.paper.workingMemoryBytes,
        flashBytes: first.deploy.flashBytes,
        sramBytes: first.deploy.sramBytes,
        targets: resources.targets.map((t) => ({
          id: t.target.id,
          flashBytes: t.deploy.flashBytes,
          sramBytes: t.deploy.sramBytes,
          latencyMs: t.latencyMs,
          feasible: { paper: t.verdicts.paper.fits, deploy: t.verdicts.deploy.fits },
        })),
        nonzeroWeightsByOp: nonzero,
      },
      timings: {
        trainMs: trainingMs,
        pruneMs,
        evaluateMs,
        totalMs: performance.now() - started,
        samplesPerSecond: trainingMs > 0 ? samples / (trainingMs / 1000) : 0,
      },
      backend: config.backend,
    };
    return { record, network };
  } catch (error) {
    network.dispose();
    throw error;
  } finally {
    disposeDeviceImageSet(trainData);
    disposeDeviceImageSet(validation);
  }
}

function lastProgress(runs: readonly TrainResult[]): TrainProgress {
  const last = runs[runs.length - 1]!;
  return { epoch: last.epochsRun, epochs: last.epochsRun, batch: 0, batches: 0, samplesSeen: last.samplesSeen };
}
