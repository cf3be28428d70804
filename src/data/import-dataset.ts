/**
 * Building a Dataset from parsed user data (parseIdx, parseCifar10, parseCsv): class names, the
 * class / grayscale / resize options, then seeded stratified splits. When the data comes with its own
 * test set (MNIST's t10k files, CIFAR-10's test_batch.bin) that set is kept as the test split and
 * validation is taken out of the training data; otherwise both come out of the one pool.
 */
import { createRng } from '../core/rng.ts';
import type { Dataset, ImageSet } from './dataset.ts';
import { assertDataset } from './image-set.ts';
import { splitCounts, splitImageSet, takeStratified } from './split.ts';
import { transformImages, type TransformOptions } from './transform.ts';

export interface ImportOptions extends TransformOptions {
  readonly id: string;
  readonly name: string;
  /** The source's class names by label; "0", "1", … when absent. */
  readonly classNames?: readonly string[];
  /** Share of the training data kept for validation, e.g. 0.1. */
  readonly validation: number;
  /** Share of the data kept for testing when no test set is given, e.g. 0.2; must be absent when one is. */
  readonly test?: number;
  /** Seeds the splits: the same seed gives the same splits. */
  readonly seed: number | string;
}

/** The Dataset of `train` (and `test`, when the source has one) under `options`; throws an Error in words. */
export function importDataset(sources: { readonly train: ImageSet; readonly test?: ImageSet }, options: ImportOptions): Dataset {
  const classNames = options.classNames ?? defaultClassNames(sources);
  for (const [split, set] of Object.entries(sources)) {
    const top = maxLabel(set.labels);
    if (top >= classNames.length) throw new Error(`The ${split} data has label ${top}, but only ${classNames.length} class names are given; give a name for every class.`);
  }
  const train = transformImages({ set: sources.train, classNames }, options);
  const test = sources.test === undefined ? undefined : transformImages({ set: sources.test, classNames }, options).set;
  if (train.set.count === 0) throw new Error('No training images are left; keep more classes or choose other files.');
  let splits: { train: ImageSet; validation: ImageSet; test: ImageSet };
  if (test === undefined) {
    splits = splitImageSet(train.set, { validation: options.validation, test: options.test ?? 0 }, options.seed);
  } else {
    if (options.test !== undefined) throw new Error('The data has its own test set, so no test share can be taken; leave the test share out.');
    if (test.height !== train.set.height || test.width !== train.set.width || test.channels !== train.set.channels) {
      throw new Error(
        `The test images are ${test.height}×${test.width}×${test.channels} but the training images ${train.set.height}×${train.set.width}×${train.set.channels}; resize both to one size.`,
      );
    }
    const counts = splitCounts(train.set.count, { validation: options.validation, test: 0 });
    const [validation, rest] = takeStratified(train.set, [counts.validation, counts.train], createRng(options.seed).fork('split'));
    splits = { train: rest!, validation: validation!, test };
  }
  const dataset: Dataset = { id: options.id, name: options.name, classNames: train.classNames, ...splits };
  assertDataset(dataset);
  return dataset;
}

/** "0" … "k − 1" for the largest label k − 1 in the data. */
function defaultClassNames(sources: { readonly train: ImageSet; readonly test?: ImageSet }): string[] {
  const top = Math.max(0, maxLabel(sources.train.labels), maxLabel(sources.test?.labels ?? new Uint8Array()));
  return Array.from({ length: top + 1 }, (_, label) => String(label));
}

/** The largest label, −1 for none (a loop: spreading 60,000 labels into Math.max can overflow the stack). */
function maxLabel(labels: Uint8Array): number {
  let top = -1;
  for (const label of labels) if (label > top) top = label;
  return top;
}
