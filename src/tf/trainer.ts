/**
 * Our own training loop (not tf.LayersModel.fit): Adam with a learning-rate schedule, seeded shuffled
 * mini-batches, early stopping on validation accuracy, and hooks through which pruning plugs in.
 *
 * No GPU→CPU sync per batch: each split is uploaded once, batches are gathered on the device, and the
 * running loss stays there until it is read every `lossEveryBatches` batches and at the end of each
 * epoch. fit() reads the loss back after every batch; on a GPU that stalls the pipeline each time.
 */
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../core/rng.ts';
import { trainingRecipe } from '../core/training-recipe.ts';
import type { ImageSet } from '../data/dataset.ts';
import { randomShift } from './augment.ts';
import { type DeviceImageSet, withDeviceSet } from './device-data.ts';
import { evaluateOnDevice } from './evaluate.ts';
import type { Network } from './network.ts';
import { learningRateAt } from './schedule.ts';
import { type StepContext, type TrainOptions, type TrainResult, checkTrainOptions } from './train-options.ts';

export type { EarlyStopping, StepContext, TrainOptions, TrainProgress, TrainResult } from './train-options.ts';

/** Adam whose learning rate the schedule can change between steps. */
class ScheduledAdam extends tf.AdamOptimizer {
  setLearningRate(rate: number): void {
    this.learningRate = rate;
  }
}

/** Lets messages (a stop, a pause) reach a worker between batches: awaiting a resolved promise would not. */
const macrotask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** Trains `network` in place and says how it went. Splits given as ImageSets are uploaded for the call. */
export async function train(network: Network, trainSet: ImageSet | DeviceImageSet, options: TrainOptions): Promise<TrainResult> {
  checkTrainOptions(options, trainSet.count);
  const started = performance.now();
  return withDeviceSet(trainSet, network, 'the training set', (trainData) => {
    const validation = options.validation;
    if (!validation) return runTraining(network, trainData, null, options, started);
    return withDeviceSet(validation, network, 'the validation set', (valData) => runTraining(network, trainData, valData, options, started));
  });
}

/**
 * The running loss: each step's mean cross-entropy and total loss stay on the device as scalars and
 * are weighted by their batch sizes, summed and read back only when asked (every few batches and at
 * the end of an epoch). Keeping the scalars costs no op per step; the sums cost a few per read.
 */
class LossMeter {
  #crossEntropy: tf.Scalar[] = [];
  #total: tf.Scalar[] = [];
  #sizes: number[] = [];
  #pending = 0;
  epochCe = 0;
  epochExtra = 0;
  /** Mean cross-entropy between the last two reads. */
  recent: number | undefined;

  /** Takes ownership of both scalars: the batch's mean losses. */
  add(crossEntropy: tf.Scalar, total: tf.Scalar, size: number): void {
    this.#crossEntropy.push(crossEntropy);
    this.#total.push(total);
    this.#sizes.push(size);
    this.#pending += size;
  }

  async read(): Promise<void> {
    if (this.#pending === 0) return;
    const sums = tf.tidy(() => tf.stack([tf.stack(this.#crossEntropy), tf.stack(this.#total)]).mul(tf.tensor1d(this.#sizes)).sum(1));
    this.dispose();
    const [ce, total] = await sums.data();
    sums.dispose();
    this.epochCe += ce!;
    this.epochExtra += total! - ce!;
    this.recent = ce! / this.#pending;
    this.#pending = 0;
  }

  dispose(): void {
    tf.dispose([...this.#crossEntropy, ...this.#total]);
    this.#crossEntropy = [];
    this.#total = [];
    this.#sizes = [];
  }
}

/** Copies of the variables and masks at the best epoch, kept on the device. */
class Snapshot {
  readonly #variables: tf.Tensor[];
  readonly #masks: (tf.Tensor | null)[];

  constructor(variables: readonly tf.Variable[], network: Network) {
    this.#variables = variables.map((v) => tf.keep(v.clone()));
    this.#masks = network.ops.map((op) => (op.mask ? tf.keep(op.mask.clone()) : null));
  }

  restore(variables: readonly tf.Variable[], network: Network): void {
    variables.forEach((v, i) => v.assign(this.#variables[i]!));
    this.#masks.forEach((mask, i) => network.setMask(i, mask));
  }

  dispose(): void {
    tf.dispose([...this.#variables, ...this.#masks.filter((m): m is tf.Tensor => m !== null)]);
  }
}

/** Runs a hook inside tf.tidy, so that tensors it makes and does not keep are freed. */
function tidyHook(hook: (context: StepContext) => void | Promise<void>, context: StepContext): void | Promise<void> {
  const outcome: { result?: void | Promise<void> } = {};
  tf.tidy(() => {
    outcome.result = hook(context);
  });
  return outcome.result;
}

async function runTraining(network: Network, data: DeviceImageSet, validation: DeviceImageSet | null, options: TrainOptions, started: number): Promise<TrainResult> {
  const { epochs, signal, earlyStopping } = options;
  const batchSize = options.batchSize ?? trainingRecipe.batchSize;
  const baseRate = options.learningRate ?? trainingRecipe.learningRate;
  const schedule = options.schedule ?? { kind: 'cosine' };
  const lossEvery = options.lossEveryBatches ?? 20;
  const progressInterval = options.progressIntervalMs ?? 250;
  const classes = network.architecture.classes;
  const batches = Math.ceil(data.count / batchSize);
  const totalSteps = epochs * batches;
  const rng = createRng(options.seed ?? 0);
  const shuffleRng = rng.fork('shuffle');
  const noiseRng = rng.fork('noise');
  const shiftRng = rng.fork('shift');
  const labelSmoothing = options.labelSmoothing ?? 0;
  const maxShift = options.maxShift ?? 0;
  const indices = Array.from({ length: data.count }, (_, i) => i);
  const evaluateValidation = async (set: DeviceImageSet): Promise<number> =>
    (await evaluateOnDevice(network, set, { batchSize: options.evalBatchSize, what: 'the validation set' })).accuracy;

  // The variables are fixed when training starts: turn Sparse Variational Dropout on before, not in a hook.
  const variables = network.trainableVariables();
  const optimizer = new ScheduledAdam(baseRate, 0.9, 0.999);
  const meter = new LossMeter();
  let best: { snapshot: Snapshot | null; epoch: number; accuracy: number; step: number } | null = null;

  const trainLoss: number[] = [];
  const extraLoss: number[] = [];
  const valAccuracy: number[] = [];
  let validatedStep = -1;
  let sinceBest = 0;
  let stopReason: TrainResult['stopReason'] = 'completed';
  let stopMessage: string | undefined;
  let step = 0;
  let samplesSeen = 0;
  let trainMs = 0;
  let validationMs = 0;
  let lastReport = -Infinity;
  let lastYield = performance.now();
  let epochStart = 0;

  const report = (epoch: number, batch: number): void => {
    lastReport = performance.now();
    const elapsed = (lastReport - started) / 1000;
    const etaSeconds = samplesSeen > 0 ? (elapsed / samplesSeen) * (epochs * data.count - samplesSeen) : undefined;
    options.onProgress?.({ epoch, epochs, batch, batches, samplesSeen, loss: meter.recent, valAccuracy: valAccuracy.at(-1), etaSeconds });
  };

  try {
    training: for (let epoch = 1; epoch <= epochs; epoch++) {
      epochStart = performance.now();
      meter.epochCe = 0;
      meter.epochExtra = 0;
      const order = tf.tensor1d(shuffleRng.shuffle(indices), 'int32');
      try {
        for (let batch = 1; batch <= batches; batch++) {
          const start = (batch - 1) * batchSize;
          const size = Math.min(batchSize, data.count - start);
          const learningRate = learningRateAt(schedule, baseRate, { step, stepsPerEpoch: batches, totalSteps });
          const context: StepContext = { epoch, epochs, batch, batches, step, totalSteps, samplesSeen, trainCount: data.count, learningRate };
          if (signal?.aborted) { stopReason = 'aborted'; break training; }
          if (options.beforeBatch) await options.beforeBatch(context);
          if (signal?.aborted) { stopReason = 'aborted'; break training; }
          optimizer.setLearningRate(learningRate);
          // Drawn every step, so that the stream is the same whether or not the noise is used.
          const noiseSeed = noiseRng.int(0, 2 ** 31 - 1);
          tf.tidy(() => {
            const batchIndices = order.slice([start], [size]);
            const x = randomShift(data.images.gather(batchIndices), maxShift, shiftRng);
            const y = data.labels.gather(batchIndices);
            const kept: { crossEntropy?: tf.Scalar } = {};
            const { value, grads } = tf.variableGrads(() => {
              const logits = network.apply(x, { training: true, noiseSeed });
              const crossEntropy = tf.losses.softmaxCrossEntropy(tf.oneHot(y, classes), logits, undefined, labelSmoothing) as tf.Scalar;
              kept.crossEntropy = tf.keep(crossEntropy);
              return options.extraLoss ? crossEntropy.add(options.extraLoss(context)) : crossEntropy;
            }, variables);
            optimizer.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
            meter.add(kept.crossEntropy!, tf.keep(value), size);
          });
          // Adam's momentum would move pruned weights off 0 again; the forward mask alone zeroes their gradient only.
          if (network.hasMasks) network.applyMasks();
          step++;
          samplesSeen += size;
          if (options.afterStep) {
            const pending = tidyHook(options.afterStep, { ...context, samplesSeen });
            if (pending) await pending;
          }
          if (batch % lossEvery === 0 && batch < batches) await meter.read();
          const now = performance.now();
          if (options.onProgress && now - lastReport >= progressInterval && batch < batches) report(epoch, batch);
          if (now - lastYield >= 100) {
            await macrotask();
            lastYield = performance.now();
          }
        }
      } finally {
        order.dispose();
      }
      await meter.read();
      trainMs += performance.now() - epochStart;
      trainLoss.push(meter.epochCe / data.count);
      extraLoss.push(meter.epochExtra / data.count);
      if (validation) {
        const validationStart = performance.now();
        const accuracy = await evaluateValidation(validation);
        validationMs += performance.now() - validationStart;
        valAccuracy.push(accuracy);
        validatedStep = step;
        if (epoch >= (earlyStopping?.fromEpoch ?? 1)) {
          if (best === null || accuracy > best.accuracy + (earlyStopping?.minDelta ?? 0)) {
            best?.snapshot?.dispose();
            const snapshot = options.restoreBest === false ? null : new Snapshot(variables, network);
            best = { snapshot, epoch, accuracy, step };
            sinceBest = 0;
          } else sinceBest++;
        }
      }
      report(epoch, batches);
      const judged = validation && options.afterEpoch ? options.afterEpoch({ epoch, valAccuracy: valAccuracy.at(-1)! }) : undefined;
      if (judged !== undefined && epoch < epochs) {
        stopReason = 'stopped';
        stopMessage = judged;
        break;
      }
      if (earlyStopping && sinceBest >= earlyStopping.patience) {
        stopReason = 'early-stopped';
        break;
      }
    }
    if (stopReason === 'aborted') {
      await meter.read();
      trainMs += performance.now() - epochStart;
    }

    let restoredBest = false;
    let finalValAccuracy: number | null = null;
    if (best?.snapshot && best.step !== step) {
      best.snapshot.restore(variables, network);
      restoredBest = true;
      finalValAccuracy = best.accuracy;
    } else if (validation) {
      finalValAccuracy = validatedStep === step ? valAccuracy.at(-1)! : await evaluateValidation(validation);
    }
    return {
      epochsRun: trainLoss.length,
      bestEpoch: best?.epoch ?? 0,
      bestValAccuracy: best?.accuracy ?? null,
      finalValAccuracy,
      trainLoss,
      extraLoss,
      valAccuracy,
      stopReason,
      ...(stopMessage === undefined ? {} : { stopMessage }),
      restoredBest,
      steps: step,
      samplesSeen,
      timings: { totalMs: performance.now() - started, trainMs, validationMs, samplesPerSecond: trainMs > 0 ? (samplesSeen / trainMs) * 1000 : 0 },
    };
  } finally {
    optimizer.dispose();
    meter.dispose();
    (best as { snapshot: Snapshot | null } | null)?.snapshot?.dispose();
  }
}
