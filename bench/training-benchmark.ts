/**
 * Training throughput of our trainer (`train`) against `tf.LayersModel.fit` on the current backend,
 * for `npm run bench` (issue 3, item 7). Pure tfjs: Node runs it on tfjs-cpu, the bench page
 * (bench/training.html) runs it in Chromium on each backend.
 *
 * Fair by construction: both trainers start from the same weights (two networks built with one
 * seed, fit's through `toLayersModel`), read the same image and label tensors on the device, use the
 * same batch size, Adam (β 0.9 / 0.999) at the same constant learning rate, and softmax
 * cross-entropy from logits; fit shuffles (`shuffle: true`) as our trainer does. Each trainer gets a
 * warm-up epoch first (shaders compiled, Adam's slots made). The timed epochs then alternate, ours,
 * fit, ours, fit…, so that a slow spell of a shared machine hits both, and each ends only when a
 * weight written by the last step has been read back: GPU work still queued is inside the time.
 */
import * as tf from '@tensorflow/tfjs';
import type { Architecture } from '../src/core/architecture.ts';
import { median } from '../src/core/median.ts';
import { trainingRecipe } from '../src/core/training-recipe.ts';
import type { ImageSet } from '../src/data/dataset.ts';
import { pickImages } from '../src/data/image-set.ts';
import { type BackendName, selectBackend } from '../src/tf/backend.ts';
import { probeArchitecture } from '../src/tf/backend-speed.ts';
import { type DeviceImageSet, checkImageSet, disposeDeviceImageSet, uploadImageSet } from '../src/tf/device-data.ts';
import { toLayersModel } from '../src/tf/layers-model.ts';
import { createNetwork, type Network } from '../src/tf/network.ts';
import { train } from '../src/tf/trainer.ts';

export type Trainer = 'ours' | 'fit';

/**
 * The constant rate both trainers get: Adam's own default (Kingma & Ba 2015; tf.train.adam's), not
 * the recipe's 1e-2. A benchmark of speed, not of accuracy: the rate does not change the time of a
 * step, and the figures in the README were measured at this one.
 */
export const benchLearningRate = 1e-3;

export interface TrainingBenchmarkOptions {
  /** Default the recipe's (src/core/training-recipe.ts), 32. */
  readonly batchSize?: number;
  /** Adam's constant learning rate; default {@link benchLearningRate}. */
  readonly learningRate?: number;
  /** Seed of the starting weights (both trainers) and of our shuffling; default 1. */
  readonly seed?: number;
  /** Images of the warm-up epoch (and of the probe); default 4 batches. */
  readonly warmUpSamples?: number;
  /**
   * Images per timed epoch. Without it, a probe (a second warm-up epoch of each trainer, timed)
   * sizes it so that a round, one timed epoch of each trainer, lasts about `targetSeconds`.
   */
  readonly samples?: number;
  /** Default 8. */
  readonly targetSeconds?: number;
  /** Bounds of the probed size; defaults 8 batches and 16,384 images. Rounded to whole batches. */
  readonly minSamples?: number;
  readonly maxSamples?: number;
  /** Timed epochs per trainer; the median counts. Default 3. */
  readonly rounds?: number;
  readonly onProgress?: (progress: TrainingBenchmarkProgress) => void;
}

export interface TrainingBenchmarkProgress {
  readonly phase: 'warm-up' | 'probe' | 'timed';
  readonly trainer: Trainer;
  /** From 1; for 'timed' only. */
  readonly round?: number;
  readonly rounds: number;
  /** Images in the epoch just run. */
  readonly samples: number;
  /** Absent for the warm-up, which is not timed. */
  readonly samplesPerSecond?: number;
}

export interface TrainerThroughput {
  /** Median over the rounds. */
  readonly samplesPerSecond: number;
  /** One per timed epoch, in order. */
  readonly rounds: readonly number[];
  /** Mean cross-entropy of the last timed epoch, as the trainer reported it: both should be alike. */
  readonly lastEpochLoss: number;
}

export interface TrainingBenchmarkResult {
  /** tfjs's backend it ran on. */
  readonly backend: string;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly seed: number;
  /** Images per timed epoch: the first `samples` of the set, repeated from the start when it has fewer. */
  readonly samples: number;
  readonly warmUpSamples: number;
  readonly rounds: number;
  /** Present when the probe sized `samples`. */
  readonly probe?: { readonly targetSeconds: number; readonly ours: number; readonly fit: number };
  readonly ours: TrainerThroughput;
  readonly fit: TrainerThroughput;
  /** ours.samplesPerSecond / fit.samplesPerSecond. */
  readonly oursOverFit: number;
}

/** One backend's entry: measured, or skipped with the probe's reason when it cannot train here. */
export type BackendTrainingBenchmark =
  | { readonly backend: BackendName; readonly status: 'measured'; readonly reason: string; readonly probeMs: number; readonly result: TrainingBenchmarkResult }
  | { readonly backend: BackendName; readonly status: 'skipped'; readonly reason: string };


const wholeBatches = (count: number, batchSize: number): number => Math.max(1, Math.round(count / batchSize)) * batchSize;

/**
 * Images per timed epoch when the trainers run at `rates` samples/s: one epoch of each takes about
 * `targetSeconds` together. In whole batches (a partial last batch has new shapes, so new shaders
 * on a GPU), within [minSamples, maxSamples].
 */
export function plannedSamples(rates: Readonly<Record<Trainer, number>>, options: { batchSize: number; targetSeconds: number; minSamples: number; maxSamples: number }): number {
  const { batchSize, targetSeconds } = options;
  const min = wholeBatches(options.minSamples, batchSize);
  const max = Math.max(min, wholeBatches(options.maxSamples, batchSize));
  const secondsPerSample = 1 / rates.ours + 1 / rates.fit;
  const wanted = Number.isFinite(secondsPerSample) && secondsPerSample > 0 ? wholeBatches(targetSeconds / secondsPerSample, batchSize) : min;
  return Math.min(max, Math.max(min, wanted));
}

/** The first `count` images of `set`, starting over from its first image when it has fewer. */
export function benchmarkImages(set: ImageSet, count: number): ImageSet {
  if (set.count < 1) throw new Error('training benchmark: the image set is empty');
  return pickImages(set, Array.from({ length: count }, (_, i) => i % set.count));
}

/** A split on the device, with the one-hot float32 labels fit takes. */
interface BenchmarkData extends DeviceImageSet {
  readonly oneHot: tf.Tensor2D;
}

function uploadBenchmarkData(set: ImageSet, classes: number): BenchmarkData {
  const device = uploadImageSet(set);
  const oneHot = tf.tidy(() => tf.oneHot(device.labels, classes).toFloat()) as tf.Tensor2D;
  return { ...device, oneHot };
}

function disposeBenchmarkData(data: BenchmarkData | null): void {
  if (data === null) return;
  disposeDeviceImageSet(data);
  data.oneHot.dispose();
}

function checkCount(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 1) throw new Error(`training benchmark: ${what} must be a positive integer, got ${value}`);
}

/** Our trainer on one network, one epoch per call. */
class OurRun {
  readonly #network: Network;
  readonly #batchSize: number;
  readonly #learningRate: number;
  readonly #seed: number;
  #calls = 0;

  constructor(network: Network, batchSize: number, learningRate: number, seed: number) {
    this.#network = network;
    this.#batchSize = batchSize;
    this.#learningRate = learningRate;
    this.#seed = seed;
  }

  /** Milliseconds of one epoch over `data`, and its mean loss. */
  async epoch(data: BenchmarkData): Promise<{ ms: number; loss: number }> {
    const start = performance.now();
    const result = await train(this.#network, data, {
      epochs: 1,
      batchSize: this.#batchSize,
      learningRate: this.#learningRate,
      schedule: { kind: 'constant' },
      // A new shuffle each epoch, as fit draws one.
      seed: `${this.#seed}/${this.#calls++}`,
    });
    // The last step updated every variable; reading one waits for the device to finish the epoch.
    await this.#network.ops.at(-1)!.bias.data();
    return { ms: performance.now() - start, loss: result.trainLoss[0]! };
  }
}

/** tf.LayersModel.fit on the same starting weights, one epoch per call. */
class FitRun {
  readonly #model: tf.Sequential;
  readonly #optimizer: tf.AdamOptimizer;
  readonly #batchSize: number;

  constructor(network: Network, batchSize: number, learningRate: number) {
    this.#model = toLayersModel(network, { softmax: false });
    this.#optimizer = tf.train.adam(learningRate, 0.9, 0.999);
    this.#batchSize = batchSize;
    // The model ends with logits, as ours does: softmax cross-entropy from logits, the loss our trainer minimises.
    this.#model.compile({ optimizer: this.#optimizer, loss: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.losses.softmaxCrossEntropy(yTrue, yPred) });
  }

  async epoch(data: BenchmarkData): Promise<{ ms: number; loss: number }> {
    const start = performance.now();
    const history = await this.#model.fit(data.images, data.oneHot, { batchSize: this.#batchSize, epochs: 1, shuffle: true, verbose: 0 });
    const last = this.#model.layers.at(-1)!.weights.at(-1)!;
    await last.read().data();
    const ms = performance.now() - start;
    const loss = history.history.loss?.[0];
    return { ms, loss: typeof loss === 'number' ? loss : Number.NaN };
  }

  dispose(): void {
    // A model compiled with an optimizer object does not own it, so it is freed here.
    this.#model.dispose();
    this.#optimizer.dispose();
  }
}

/**
 * Times our trainer and fit on the current tfjs backend (see the file comment). `set` must fit the
 * architecture's input and classes; its first images are the ones trained on.
 */
export async function benchmarkTraining(architecture: Architecture, set: ImageSet, options: TrainingBenchmarkOptions = {}): Promise<TrainingBenchmarkResult> {
  const batchSize = options.batchSize ?? trainingRecipe.batchSize;
  const learningRate = options.learningRate ?? benchLearningRate;
  const seed = options.seed ?? 1;
  const warmUpSamples = options.warmUpSamples ?? 4 * batchSize;
  const rounds = options.rounds ?? 3;
  const targetSeconds = options.targetSeconds ?? 8;
  checkCount(batchSize, 'the batch size');
  checkCount(warmUpSamples, 'the warm-up sample count');
  checkCount(rounds, 'the number of rounds');
  if (options.samples !== undefined) checkCount(options.samples, 'the sample count');
  if (!(targetSeconds > 0)) throw new Error(`training benchmark: targetSeconds must be positive, got ${targetSeconds}`);
  const report = options.onProgress ?? ((): void => {});
  const rate = (samples: number, ms: number): number => (samples / ms) * 1000;

  const ours = createNetwork(architecture, { seed });
  let fitSource: Network | null = null;
  let fit: FitRun | null = null;
  let warmUp: BenchmarkData | null = null;
  let timed: BenchmarkData | null = null;
  try {
    checkImageSet(set, ours, 'the benchmark images');
    fitSource = createNetwork(architecture, { seed });
    fit = new FitRun(fitSource, batchSize, learningRate);
    fitSource.dispose();
    const runs: Record<Trainer, OurRun | FitRun> = { ours: new OurRun(ours, batchSize, learningRate, seed), fit };

    warmUp = uploadBenchmarkData(benchmarkImages(set, warmUpSamples), architecture.classes);
    for (const trainer of ['ours', 'fit'] as const) {
      await runs[trainer].epoch(warmUp);
      report({ phase: 'warm-up', trainer, rounds, samples: warmUpSamples });
    }

    let samples = options.samples;
    let probe: TrainingBenchmarkResult['probe'];
    if (samples === undefined) {
      const probed = { ours: 0, fit: 0 };
      for (const trainer of ['ours', 'fit'] as const) {
        probed[trainer] = rate(warmUpSamples, (await runs[trainer].epoch(warmUp)).ms);
        report({ phase: 'probe', trainer, rounds, samples: warmUpSamples, samplesPerSecond: probed[trainer] });
      }
      probe = { targetSeconds, ...probed };
      samples = plannedSamples(probed, {
        batchSize,
        targetSeconds,
        minSamples: options.minSamples ?? 8 * batchSize,
        maxSamples: options.maxSamples ?? 16_384,
      });
    }
    disposeBenchmarkData(warmUp);
    warmUp = null;

    timed = uploadBenchmarkData(benchmarkImages(set, samples), architecture.classes);
    const rates: Record<Trainer, number[]> = { ours: [], fit: [] };
    const losses: Record<Trainer, number> = { ours: Number.NaN, fit: Number.NaN };
    for (let round = 1; round <= rounds; round++) {
      for (const trainer of ['ours', 'fit'] as const) {
        const { ms, loss } = await runs[trainer].epoch(timed);
        rates[trainer].push(rate(samples, ms));
        losses[trainer] = loss;
        report({ phase: 'timed', trainer, round, rounds, samples, samplesPerSecond: rates[trainer].at(-1)! });
      }
    }
    const throughput = (trainer: Trainer): TrainerThroughput => ({ samplesPerSecond: median(rates[trainer]), rounds: rates[trainer], lastEpochLoss: losses[trainer] });
    const result = { ours: throughput('ours'), fit: throughput('fit') };
    return {
      backend: tf.getBackend(),
      batchSize,
      learningRate,
      seed,
      samples,
      warmUpSamples,
      rounds,
      ...(probe ? { probe } : {}),
      ...result,
      oursOverFit: result.ours.samplesPerSecond / result.fit.samplesPerSecond,
    };
  } finally {
    ours.dispose();
    fitSource?.dispose();
    fit?.dispose();
    disposeBenchmarkData(warmUp);
    disposeBenchmarkData(timed);
  }
}

/**
 * Makes `backend` tfjs's current backend through the probe of backend.ts and benchmarks on it; a
 * backend that cannot train here is reported as skipped, with the probe's reason, not as an error.
 */
export async function benchmarkTrainingOn(backend: BackendName, architecture: Architecture, set: ImageSet, options: TrainingBenchmarkOptions = {}): Promise<BackendTrainingBenchmark> {
  let choice;
  try {
    choice = await selectBackend({ candidates: [backend] });
  } catch (error) {
    return { backend, status: 'skipped', reason: error instanceof Error ? error.message : String(error) };
  }
  const attempt = choice.attempts.at(-1)!;
  const result = await benchmarkTraining(architecture, set, options);
  return { backend, status: 'measured', reason: choice.reason, probeMs: attempt.ms, result };
}

/** Options that can cross from Node into a page (no callback). */
export type PlainTrainingBenchmarkOptions = Omit<TrainingBenchmarkOptions, 'onProgress'>;

/**
 * The networks the training bench times, each on its dataset's training split: the reference CNN
 * (conv 8, conv 16, dense 32; what the backend probe trains on 28×28 inputs) on MNIST, and the
 * digits CNN (conv 8, separableConv 16, dense 32) on the 8×8 digits. The architecture is
 * examples/<id>.json.
 */
export const benchNetworks = { 'reference-cnn': { dataset: 'mnist' }, 'digits-cnn': { dataset: 'digits' } } as const;
export type BenchNetworkId = keyof typeof benchNetworks;
export const benchNetworkIds = Object.keys(benchNetworks) as BenchNetworkId[];

/** The backend probe's choice for a network's data, as the worker makes it. */
export interface ProbeOutcome {
  readonly backend: BackendName;
  readonly ms: number;
  readonly attempts: readonly { readonly backend: string; readonly ok: boolean; readonly samplesPerSecond?: number; readonly reason: string }[];
}

/**
 * What the bench page (bench/training.html) puts on `globalThis[trainingBenchGlobal]` for the
 * harness (bench/bench-training.ts), which calls `run` once per network and backend, and `probe`
 * once per network, through Playwright. Progress goes to the console as lines starting with
 * `trainingBenchLogPrefix`.
 */
export interface TrainingBenchPage {
  run(backend: BackendName, network: BenchNetworkId, options: PlainTrainingBenchmarkOptions): Promise<BackendTrainingBenchmark>;
  probe(network: BenchNetworkId): Promise<ProbeOutcome>;
}
export const trainingBenchGlobal = 'trainingBench';
export const trainingBenchLogPrefix = 'training-bench: ';

/**
 * Runs the backend probe as the search worker does (every backend this runtime offers, timed on the
 * probe's CNN for `input` at `batchSize`), and leaves the chosen backend current.
 */
export async function probeBackends(input: Architecture['input'], classes: number, batchSize: number): Promise<ProbeOutcome> {
  const start = performance.now();
  const choice = await selectBackend({ speed: { architecture: probeArchitecture(input, classes), batchSize } });
  return {
    backend: choice.backend,
    ms: performance.now() - start,
    attempts: choice.attempts.map(({ backend, ok, reason, samplesPerSecond }) => ({ backend, ok, reason, ...(samplesPerSecond === undefined ? {} : { samplesPerSecond }) })),
  };
}

/** One line about a progress event, e.g. "timed ours 2/3: 412 samples/s on 512 images". */
export function describeProgress(p: TrainingBenchmarkProgress): string {
  const what = p.phase === 'timed' ? `timed ${p.trainer} ${p.round}/${p.rounds}` : `${p.phase} ${p.trainer}`;
  return p.samplesPerSecond === undefined ? `${what}: ${p.samples} images` : `${what}: ${p.samplesPerSecond.toFixed(1)} samples/s on ${p.samples} images`;
}
