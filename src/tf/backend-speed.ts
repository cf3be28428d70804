/**
 * How fast the current tfjs backend trains: a few real training steps (forward, gradients, Adam) of
 * a small CNN on random images, for the backend probe (backend.ts). The same network and batch on
 * every backend, so the figures rank them.
 */
import * as tf from '@tensorflow/tfjs';
import type { Architecture, InputShape, Layer } from '../core/architecture.ts';
import { trainingRecipe } from '../core/training-recipe.ts';
import { createNetwork } from './network.ts';

/**
 * The reference CNN (examples/reference-cnn.json: conv 8, max pool, conv 16, max pool, dense 32)
 * on the given input: a pool is left out where the side is already below 2, so that every input
 * from 1×1 up gets a valid network of the same kind as the ones a search trains.
 */
export function probeArchitecture(input: InputShape, classes: number): Architecture {
  const layers: Layer[] = [];
  let side = Math.min(input.height, input.width);
  for (const filters of [8, 16]) {
    layers.push({ type: 'conv', filters, kernel: 3, stride: 1, padding: 'same' });
    if (side >= 2) {
      layers.push({ type: 'maxPool', size: 2 });
      side = Math.floor(side / 2);
    }
  }
  layers.push({ type: 'flatten' }, { type: 'dense', units: 32 });
  return { input, classes, layers };
}

export interface SpeedProbeOptions {
  readonly architecture: Architecture;
  readonly batchSize: number;
  /** About how long the timed steps may take, after a warm-up step; default 400 ms. */
  readonly budgetMs?: number;
  /**
   * The best rate of a backend measured before, if any: when a single timed step shows this one is
   * more than 3× slower, it stops there (it cannot win, and a slow backend would eat the budget).
   */
  readonly bestSoFar?: number;
}

export interface SpeedProbe {
  readonly samplesPerSecond: number;
  /** Timed steps (after the warm-up). */
  readonly steps: number;
  /** The warm-up step: the first on this backend, so it includes compiling shaders. */
  readonly warmUpMs: number;
}

/**
 * Times training steps of `architecture` on the current backend: one warm-up step, one timed step,
 * then as many as fit `budgetMs`, timed together and ended by reading a weight back, so that work a
 * GPU still has queued is inside the time (as in the training bench). Leaves no tensor behind.
 */
export async function measureTrainingSpeed(options: SpeedProbeOptions): Promise<SpeedProbe> {
  const { architecture, batchSize } = options;
  const budgetMs = options.budgetMs ?? 400;
  const { height, width, channels } = architecture.input;
  const network = createNetwork(architecture, { seed: 'backend probe' });
  // The trials' optimiser at the trials' rate; the rate does not change how long a step takes.
  const optimizer = tf.train.adam(trainingRecipe.learningRate);
  const x = tf.randomUniform([batchSize, height, width, channels], 0, 1, 'float32', 1) as tf.Tensor4D;
  const y = tf.tidy(() => tf.oneHot(tf.randomUniform([batchSize], 0, architecture.classes, 'int32', 2), architecture.classes));
  const variables = network.trainableVariables();
  const step = (): void =>
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, network.apply(x, { training: true })) as tf.Scalar, variables);
      optimizer.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
    });
  const finish = async (): Promise<void> => {
    await network.ops.at(-1)!.bias.data();
  };
  const timeSteps = async (count: number): Promise<number> => {
    const start = performance.now();
    for (let i = 0; i < count; i++) step();
    await finish();
    return performance.now() - start;
  };
  try {
    const warmUpMs = await timeSteps(1);
    const firstMs = await timeSteps(1);
    const rate = (steps: number, ms: number): number => (steps * batchSize * 1000) / Math.max(ms, 1e-3);
    const single = rate(1, firstMs);
    if ((options.bestSoFar !== undefined && single * 3 < options.bestSoFar) || firstMs >= budgetMs) {
      return { samplesPerSecond: single, steps: 1, warmUpMs };
    }
    const more = Math.max(1, Math.min(50, Math.round((budgetMs - firstMs) / firstMs)));
    const moreMs = await timeSteps(more);
    return { samplesPerSecond: rate(1 + more, firstMs + moreMs), steps: 1 + more, warmUpMs };
  } finally {
    network.dispose();
    optimizer.dispose();
    tf.dispose([x, y]);
  }
}
