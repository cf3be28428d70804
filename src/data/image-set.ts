/**
 * Operations on whole image sets that every parser, transform and split shares: checking that a set
 * is consistent, picking images by index, joining sets and counting classes. They always return new
 * arrays, so a set handed to a worker (and its buffer transferred) never shares memory with another.
 */
import { imageBytes, type Dataset, type ImageSet } from './dataset.ts';

/** Throws when `set` is inconsistent: a bug in the code that built it, not a problem with a user's file. */
export function assertImageSet(set: ImageSet, classCount: number, what: string): void {
  const { height, width, channels, count } = set;
  for (const [name, value] of [['height', height], ['width', width], ['channels', channels], ['count', count]] as const) {
    if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${what}: ${name} must be a whole number ≥ 0, got ${value}`);
  }
  if (set.images.length !== count * imageBytes(set)) {
    throw new Error(`${what}: ${count} images of ${height}×${width}×${channels} need ${count * imageBytes(set)} bytes, got ${set.images.length}`);
  }
  if (set.labels.length !== count) throw new Error(`${what}: ${count} images need ${count} labels, got ${set.labels.length}`);
  const bad = set.labels.findIndex((label) => label >= classCount);
  if (bad >= 0) throw new Error(`${what}: label ${set.labels[bad]} of image ${bad} is not below the class count ${classCount}`);
}

/** Throws when the three splits of `dataset` disagree on the image shape or hold labels without a class name. */
export function assertDataset(dataset: Dataset): void {
  const classes = dataset.classNames.length;
  if (classes < 1 || classes > 256) throw new Error(`dataset ${dataset.id}: needs 1 to 256 classes (labels are bytes), got ${classes}`);
  for (const split of ['train', 'validation', 'test'] as const) {
    const set = dataset[split];
    assertImageSet(set, classes, `dataset ${dataset.id}, ${split}`);
    const { train } = dataset;
    if (set.height !== train.height || set.width !== train.width || set.channels !== train.channels) {
      throw new Error(`dataset ${dataset.id}: ${split} images are ${set.height}×${set.width}×${set.channels}, train images ${train.height}×${train.width}×${train.channels}`);
    }
  }
}

/** A new set of the images of `set` at `indices`, in that order (an index may repeat). */
export function pickImages(set: ImageSet, indices: readonly number[]): ImageSet {
  const size = imageBytes(set);
  const images = new Uint8Array(indices.length * size);
  const labels = new Uint8Array(indices.length);
  indices.forEach((index, i) => {
    if (!Number.isInteger(index) || index < 0 || index >= set.count) throw new Error(`pickImages: index ${index} is outside 0–${set.count - 1}`);
    images.set(set.images.subarray(index * size, (index + 1) * size), i * size);
    labels[i] = set.labels[index]!;
  });
  return { height: set.height, width: set.width, channels: set.channels, count: indices.length, images, labels };
}

/** One set holding the images of `sets` one after the other; all must have the same shape. */
export function concatImageSets(sets: readonly ImageSet[]): ImageSet {
  const first = sets[0];
  if (first === undefined) throw new Error('concatImageSets: needs at least one set');
  for (const set of sets) {
    if (set.height !== first.height || set.width !== first.width || set.channels !== first.channels) {
      throw new Error(`concatImageSets: cannot join ${set.height}×${set.width}×${set.channels} images with ${first.height}×${first.width}×${first.channels} ones`);
    }
  }
  const count = sets.reduce((sum, set) => sum + set.count, 0);
  const images = new Uint8Array(count * imageBytes(first));
  const labels = new Uint8Array(count);
  let at = 0;
  for (const set of sets) {
    images.set(set.images, at * imageBytes(first));
    labels.set(set.labels, at);
    at += set.count;
  }
  return { height: first.height, width: first.width, channels: first.channels, count, images, labels };
}

/** How many images of each class `labels` holds, indexed by label. */
export function classCounts(labels: Uint8Array, classCount: number): number[] {
  const counts = new Array<number>(classCount).fill(0);
  for (const label of labels) counts[label] = (counts[label] ?? 0) + 1;
  return counts;
}
