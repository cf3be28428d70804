/**
 * Checking a trained trial's int8 model ("check the model" in the trial detail): its confusion
 * matrix on the test set, and its answer for one image. Both run the simulation the trial's int8
 * test accuracy was measured with (src/tf/quantize.ts), calibrated on the same training images
 * (the trial's seed picks them), so the matrix's accuracy is the recorded one.
 */
import { confusionMatrix, matrixAccuracy, perClassAccuracy } from '../core/confusion.ts';
import type { TrialCheck, TrialPrediction, TryInput } from '../contracts/search-worker.ts';
import { type Dataset, imageBytes } from '../data/dataset.ts';
import { int8SoftmaxLevels } from '../tf/int8-levels.ts';
import type { Network } from '../tf/network.ts';
import { type ActivationRange, calibrateActivations, predictInt8 } from '../tf/quantize.ts';

/** The activation ranges of a trial's network, calibrated as its training calibrated them. */
export function trialRanges(network: Network, dataset: Dataset, seed: number): Promise<ActivationRange[]> {
  return calibrateActivations(network, dataset.train, { seed });
}

/** The int8 model on the whole test set. */
export async function checkOnTestSet(network: Network, dataset: Dataset, ranges: readonly ActivationRange[]): Promise<Omit<TrialCheck, 'trialId' | 'milliseconds'>> {
  const predictions = await predictInt8(network, dataset.test, ranges);
  const confusion = confusionMatrix(dataset.test.labels, predictions, dataset.classNames.length);
  return {
    classNames: dataset.classNames,
    confusion,
    perClassAccuracy: perClassAccuracy(confusion),
    accuracy: matrixAccuracy(confusion),
    testCount: dataset.test.count,
  };
}

/** The int8 model's softmax and class for one image: the user's pixels, or a test image. */
export async function predictOne(network: Network, dataset: Dataset, ranges: readonly ActivationRange[], input: TryInput): Promise<Omit<TrialPrediction, 'trialId'>> {
  const { height, width, channels } = network.architecture.input;
  const bytes = height * width * channels;
  let pixels: Uint8Array;
  let testImage: TrialPrediction['testImage'];
  if ('testImage' in input) {
    const { test } = dataset;
    const index = input.testImage;
    if (!Number.isInteger(index) || index < 0 || index >= test.count) {
      throw new Error(`there is no test image ${index}: the test set holds ${test.count} (0 to ${test.count - 1})`);
    }
    pixels = test.images.slice(index * imageBytes(test), (index + 1) * imageBytes(test));
    testImage = { index, label: test.labels[index]!, count: test.count };
  } else {
    if (input.pixels.length !== bytes) {
      throw new Error(`the model takes ${height}×${width}×${channels} = ${bytes} pixels, got ${input.pixels.length}`);
    }
    pixels = Uint8Array.from(input.pixels, (v) => Math.min(255, Math.max(0, Math.round(v))));
  }
  const levels = await int8SoftmaxLevels(network, pixels, 1, ranges);
  let predicted = 0;
  levels.forEach((level, c) => {
    if (level > levels[predicted]!) predicted = c;
  });
  return {
    classNames: dataset.classNames,
    probabilities: Array.from(levels, (level) => level / 256),
    predicted,
    pixels,
    height,
    width,
    channels,
    ...(testImage ? { testImage } : {}),
  };
}
