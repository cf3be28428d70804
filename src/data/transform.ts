/**
 * Turning user data into the task to search on: keep a subset of the classes (or merge classes into
 * groups, as when CIFAR-10 is reduced to a binary task in the SpArSe paper's CIFAR10-binary), convert
 * to grayscale, resize. Every step returns new arrays and leaves its input as it was.
 */
import { imageBytes, type ImageSet } from './dataset.ts';
import { resizeImageSet, type ResizeOptions } from './resize.ts';

/** A class kept under its own name, or several classes merged under one new name. */
export type ClassChoice = number | { readonly name: string; readonly classes: readonly number[] };

export interface TransformOptions {
  /** The classes to keep, in their new label order; images of other classes are dropped. All kept when absent. */
  readonly classes?: readonly ClassChoice[];
  readonly grayscale?: boolean;
  readonly resize?: ResizeOptions;
}

/** A set with the class names its labels index. */
export interface LabelledSet {
  readonly set: ImageSet;
  readonly classNames: readonly string[];
}

/** Applies `options` in the order classes → grayscale → resize (fewest pixels touched first). */
export function transformImages(input: LabelledSet, options: TransformOptions): LabelledSet {
  let { set, classNames } = input;
  if (options.classes !== undefined) {
    const selection = classSelection(classNames, options.classes);
    set = relabel(set, selection.newLabel);
    classNames = selection.classNames;
  }
  if (options.grayscale === true) set = toGrayscale(set);
  if (options.resize !== undefined) set = resizeImageSet(set, options.resize);
  return { set, classNames };
}

/** A class selection resolved: old label → new label (−1: dropped), and the new class names. */
export interface ClassSelection {
  readonly newLabel: Int16Array;
  readonly classNames: readonly string[];
}

/** Resolves `choices` against the class names; throws an Error in words when a choice is not possible. */
export function classSelection(classNames: readonly string[], choices: readonly ClassChoice[]): ClassSelection {
  if (choices.length === 0) throw new Error('Choose at least one class to keep.');
  const newLabel = new Int16Array(classNames.length).fill(-1);
  const names = choices.map((choice, label) => {
    const classes = typeof choice === 'number' ? [choice] : choice.classes;
    if (classes.length === 0) throw new Error(`The class group "${typeof choice === 'number' ? choice : choice.name}" is empty; give it at least one class.`);
    for (const old of classes) {
      if (!Number.isInteger(old) || old < 0 || old >= classNames.length) {
        throw new Error(`There is no class ${old}: this dataset has classes 0 to ${classNames.length - 1}.`);
      }
      if (newLabel[old] !== -1) throw new Error(`Class ${old} (${classNames[old]}) is chosen twice; each class can go to one group only.`);
      newLabel[old] = label;
    }
    return typeof choice === 'number' ? classNames[choice]! : choice.name;
  });
  return { newLabel, classNames: names };
}

/** The images whose class is kept by `newLabel`, relabelled; order is kept. */
export function relabel(set: ImageSet, newLabel: Int16Array): ImageSet {
  const size = imageBytes(set);
  let count = 0;
  for (const label of set.labels) if ((newLabel[label] ?? -1) >= 0) count++;
  const images = new Uint8Array(count * size);
  const labels = new Uint8Array(count);
  let at = 0;
  set.labels.forEach((label, n) => {
    const mapped = newLabel[label] ?? -1;
    if (mapped < 0) return;
    images.set(set.images.subarray(n * size, (n + 1) * size), at * size);
    labels[at++] = mapped;
  });
  return { ...set, count, images, labels };
}

/**
 * One gray channel. RGB(A) uses ITU-R BT.601 luma, Y = 0.299 R + 0.587 G + 0.114 B (the weights of
 * PIL's convert('L') and OpenCV's RGB2GRAY), rounded half up; alpha is dropped. Gray + alpha keeps
 * the gray. A gray set comes back as a copy.
 */
export function toGrayscale(set: ImageSet): ImageSet {
  const { channels, count } = set;
  const pixels = count * set.height * set.width;
  const images = new Uint8Array(pixels);
  for (let p = 0; p < pixels; p++) {
    const at = p * channels;
    if (channels >= 3) {
      // Whole numbers (weights × 1,000) keep the result exact: no float rounding at the halves.
      images[p] = Math.floor((299 * set.images[at]! + 587 * set.images[at + 1]! + 114 * set.images[at + 2]! + 500) / 1000);
    } else {
      images[p] = set.images[at]!;
    }
  }
  return { ...set, channels: 1, images, labels: set.labels.slice() };
}
