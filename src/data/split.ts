/**
 * Seeded, stratified splits. Every class is spread evenly over a seeded order of the images, so any
 * prefix of that order holds each class in about its share of the whole; splits are consecutive runs
 * of it. A fixed seed gives the same splits on every machine (the RNG is src/core/rng.ts).
 */
import { createRng, type Rng } from '../core/rng.ts';
import type { ImageSet } from './dataset.ts';
import { pickImages } from './image-set.ts';

/**
 * A permutation of 0 … labels.length − 1: each class's images are shuffled, the k-th of a class of n
 * gets the key (k + ½) / n, and all are sorted by key (ties by class). So within any prefix each
 * class holds its share, to within one image.
 */
export function stratifiedOrder(labels: Uint8Array, rng: Rng): number[] {
  const byClass = new Map<number, number[]>();
  labels.forEach((label, index) => {
    const members = byClass.get(label);
    if (members === undefined) byClass.set(label, [index]);
    else members.push(index);
  });
  const keyed: { key: number; label: number; index: number }[] = [];
  for (const label of [...byClass.keys()].sort((a, b) => a - b)) {
    const members = rng.shuffle(byClass.get(label)!);
    members.forEach((index, k) => keyed.push({ key: (k + 0.5) / members.length, label, index }));
  }
  keyed.sort((a, b) => a.key - b.key || a.label - b.label);
  return keyed.map((item) => item.index);
}

/**
 * Consecutive runs of `set`'s stratified order, of the given sizes (their sum may be less than the
 * set: the rest is left out), each then shuffled so its classes are not in a regular pattern.
 */
export function takeStratified(set: ImageSet, sizes: readonly number[], rng: Rng): ImageSet[] {
  const total = sizes.reduce((sum, size) => sum + size, 0);
  if (sizes.some((size) => !Number.isInteger(size) || size < 0) || total > set.count) {
    throw new Error(`Cannot take ${sizes.join(' + ')} images from a set of ${set.count}.`);
  }
  const order = stratifiedOrder(set.labels, rng);
  let start = 0;
  return sizes.map((size) => {
    const run = order.slice(start, start + size);
    start += size;
    return pickImages(set, rng.shuffle(run));
  });
}

/** Shares of a pool of images: each from 0 to 1, together below 1 so that some images are left to train on. */
export interface SplitFractions {
  readonly validation: number;
  readonly test: number;
}

/** Image counts for `fractions` of `total` images (rounded); throws an Error in words when no training image would be left. */
export function splitCounts(total: number, fractions: SplitFractions): { train: number; validation: number; test: number } {
  for (const [name, fraction] of Object.entries(fractions)) {
    if (!(fraction >= 0 && fraction < 1)) throw new Error(`The ${name} share must be from 0 to less than 1, got ${fraction}.`);
  }
  const test = Math.round(fractions.test * total);
  const validation = Math.round(fractions.validation * total);
  const train = total - test - validation;
  if (train < 1) {
    throw new Error(`With ${total} images, a validation share of ${fractions.validation} and a test share of ${fractions.test} leave none to train on; lower the shares or add images.`);
  }
  return { train, validation, test };
}

/** `set` split into train, validation and test by `fractions`, stratified and seeded. */
export function splitImageSet(set: ImageSet, fractions: SplitFractions, seed: number | string): { train: ImageSet; validation: ImageSet; test: ImageSet } {
  const counts = splitCounts(set.count, fractions);
  const [test, validation, train] = takeStratified(set, [counts.test, counts.validation, counts.train], createRng(seed).fork('split'));
  return { train: train!, validation: validation!, test: test! };
}
