/**
 * The training-recipe sweep of `npm run bench -- --only recipe` (issue 10): which learning rate,
 * batch size, warm-up, input scaling, label smoothing and shift augmentation make the small networks
 * of a search learn fast and well in a short trial. Several architectures per dataset (fixed ones and
 * candidates the default search space draws for the Arduino Uno), each trained from the same seeds
 * under the chosen recipe, the previous default, and variations of one knob at a time, for as many epochs as a short
 * trial has; reported as the median test accuracy over architectures and seeds, and its time.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import type { Architecture } from '../src/core/architecture.ts';
import { createRng } from '../src/core/rng.ts';
import { createSearchProblem, createStrategy, defaultPruningSpace } from '../src/core/search/index.ts';
import { defaultSearchSpace } from '../src/core/search-space.ts';
import { findPresetTarget } from '../src/core/targets.ts';
import { trainingRecipe } from '../src/core/training-recipe.ts';
import { loadBuiltinDataset } from '../src/data/builtin.ts';
import type { Dataset } from '../src/data/dataset.ts';
import { nodeReader } from '../src/data/read-node.ts';
import { selectBackend } from '../src/tf/backend.ts';
import { type DeviceImageSet, disposeDeviceImageSet, uploadImageSet } from '../src/tf/device-data.ts';
import { evaluateOnDevice } from '../src/tf/evaluate.ts';
import { createNetwork } from '../src/tf/network.ts';
import { train } from '../src/tf/trainer.ts';
import { readArchitectureFile } from '../src/cli/common.ts';
import { ProgressBar } from '../src/cli/progress.ts';
import { median } from '../src/core/median.ts';

const projectRoot = fileURLToPath(new URL('../', import.meta.url));

/** One way to train: the knobs the sweep turns. */
export interface Recipe {
  readonly learningRate: number;
  readonly batchSize: number;
  /** Linear warm-up before the cosine decay, in epochs. */
  readonly warmupEpochs: number;
  /** 'unit': pixels / 255; 'standard': then minus the training set's mean, over its standard deviation. */
  readonly scaling: 'unit' | 'standard';
  readonly labelSmoothing: number;
  /** Whole pixels of random shift per image. */
  readonly maxShift: number;
}

/** The recipe the search trains with: the chosen defaults of src/core/training-recipe.ts. */
export const baselineRecipe: Recipe = {
  learningRate: trainingRecipe.learningRate,
  batchSize: trainingRecipe.batchSize,
  warmupEpochs: trainingRecipe.warmupEpochs,
  scaling: 'unit',
  labelSmoothing: 0,
  maxShift: 0,
};

/** The recipe before issue 10, which the sweep compares against: Adam at 3e-3, batches of 32, no warm-up. */
const previousRecipe: Recipe = { learningRate: 3e-3, batchSize: 32, warmupEpochs: 0, scaling: 'unit', labelSmoothing: 0, maxShift: 0 };

/** The variations of the sweep: the chosen recipe, the previous one, and one knob at a time around the chosen one. */
export function recipeVariations(base: Recipe): [string, Recipe][] {
  return [
    ['chosen', base],
    ['previous default (lr 3e-3, no warm-up)', previousRecipe],
    ['no warm-up', { ...base, warmupEpochs: 0 }],
    ['warm-up 1 epoch', { ...base, warmupEpochs: 1 }],
    ['lr 5e-3', { ...base, learningRate: 5e-3 }],
    ['lr 2e-2', { ...base, learningRate: 2e-2 }],
    ['batch 16', { ...base, batchSize: 16 }],
    ['batch 64', { ...base, batchSize: 64 }],
    ['standardised input', { ...base, scaling: 'standard' }],
    ['label smoothing 0.1', { ...base, labelSmoothing: 0.1 }],
    ['shift 1 px', { ...base, maxShift: 1 }],
    ['shift 2 px', { ...base, maxShift: 2 }],
  ];
}

interface SweepNetwork {
  readonly name: string;
  readonly architecture: Architecture;
}

/** Fixed networks from examples/ plus `sampled` candidates the default space draws that fit the Uno (paper). */
function networksFor(dataset: Dataset, files: readonly string[], sampled: number): SweepNetwork[] {
  const fixed = files.map((file) => ({ name: file, architecture: readArchitectureFile(resolve(projectRoot, file)) }));
  const { height, width, channels } = dataset.train;
  const problem = createSearchProblem({
    space: defaultSearchSpace({ height, width, channels }, dataset.classNames.length),
    pruning: defaultPruningSpace,
    targets: [findPresetTarget('arduino-uno')!],
    accounting: 'paper',
  });
  const strategy = createStrategy('random', problem);
  const drawn = Array.from({ length: sampled }, (_, i) => ({
    name: `sampled ${i + 1}`,
    architecture: strategy.propose([], createRng(`recipe/${dataset.id}`).fork(`${i}`)).architecture,
  }));
  return [...fixed, ...drawn];
}

/** The splits on the device, scaled as the recipe says (standardised with the training set's statistics). */
function scaled(dataset: Dataset, scaling: Recipe['scaling']): { train: DeviceImageSet; validation: DeviceImageSet; test: DeviceImageSet } {
  const sets = { train: uploadImageSet(dataset.train), validation: uploadImageSet(dataset.validation), test: uploadImageSet(dataset.test) };
  if (scaling === 'unit') return sets;
  const { mean, variance } = tf.tidy(() => tf.moments(sets.train.images));
  const standardise = (set: DeviceImageSet): DeviceImageSet => {
    const images = tf.tidy(() => set.images.sub(mean).div(variance.sqrt())) as tf.Tensor4D;
    set.images.dispose();
    return { ...set, images };
  };
  const result = { train: standardise(sets.train), validation: standardise(sets.validation), test: standardise(sets.test) };
  tf.dispose([mean, variance]);
  return result;
}


export interface RecipeSweepOptions {
  readonly datasets: readonly { readonly id: 'digits' | 'mnist'; readonly epochs: number; readonly files: readonly string[]; readonly sampled: number }[];
  readonly seeds: readonly number[];
  readonly variations?: (base: Recipe) => [string, Recipe][];
}

export const defaultRecipeSweep: RecipeSweepOptions = {
  datasets: [
    { id: 'digits', epochs: 8, files: ['examples/digits-cnn.json'], sampled: 3 },
    { id: 'mnist', epochs: 2, files: ['examples/uno-mnist.json'], sampled: 3 },
  ],
  seeds: [1, 2],
};

export async function benchRecipe(options: RecipeSweepOptions = defaultRecipeSweep): Promise<Record<string, unknown>> {
  tf.enableProdMode();
  await selectBackend({ candidates: ['wasm'] });
  const variations = (options.variations ?? recipeVariations)(baselineRecipe);
  const report: Record<string, unknown> = {};
  for (const spec of options.datasets) {
    const dataset = await loadBuiltinDataset(spec.id, nodeReader());
    const networks = networksFor(dataset, spec.files, spec.sampled);
    const progress = new ProgressBar(`recipe ${spec.id}`, variations.length * networks.length * options.seeds.length);
    const rows: Record<string, unknown>[] = [];
    for (const [name, recipe] of variations) {
      const sets = scaled(dataset, recipe.scaling);
      const accuracies: number[] = [];
      const seconds: number[] = [];
      const perNetwork: Record<string, number[]> = {};
      try {
        for (const { name: networkName, architecture } of networks) {
          for (const seed of options.seeds) {
            const network = createNetwork(architecture, { seed });
            const started = performance.now();
            try {
              await train(network, sets.train, {
                epochs: spec.epochs,
                batchSize: recipe.batchSize,
                learningRate: recipe.learningRate,
                schedule: { kind: 'cosine', warmupEpochs: recipe.warmupEpochs },
                seed,
                validation: sets.validation,
                earlyStopping: { patience: 3 },
                labelSmoothing: recipe.labelSmoothing,
                maxShift: recipe.maxShift,
              });
              const accuracy = (await evaluateOnDevice(network, sets.test)).accuracy;
              accuracies.push(accuracy);
              (perNetwork[networkName] ??= []).push(Number(accuracy.toFixed(4)));
              seconds.push((performance.now() - started) / 1000);
            } finally {
              network.dispose();
            }
            progress.tick();
          }
        }
      } finally {
        for (const set of Object.values(sets)) disposeDeviceImageSet(set);
      }
      rows.push({ variation: name, recipe, medianTestAccuracy: Number(median(accuracies).toFixed(4)), minTestAccuracy: Number(Math.min(...accuracies).toFixed(4)), medianSeconds: Number(median(seconds).toFixed(2)), perNetwork });
    }
    progress.done();
    report[spec.id] = { epochs: spec.epochs, seeds: options.seeds, networks: networks.map((n) => ({ name: n.name, architecture: n.architecture })), variations: rows };
  }
  return {
    description:
      'median test accuracy over the networks and seeds after a short trial (early stopping with patience 3 on validation, best weights restored), for a baseline recipe and variations of one knob at a time; WASM backend',
    ...report,
  };
}
