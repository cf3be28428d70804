/**
 * Whether imported data can be searched on, checked at import rather than when a search fails on it
 * minutes later ("searchSpace.classes: must be … got 1"): at least two classes, every class with
 * at least one training image, and non-empty training, validation and test splits. Each refusal names
 * the file and says what to change.
 */
import { formatCount } from '../core/units.ts';
import { DatasetError } from './errors.ts';

/** The labels of a split and the file(s) they came from, as messages name them. */
export interface LabelledSource {
  readonly file: string;
  readonly labels: Uint8Array;
}

/**
 * The class count of the data: the declared class names' count, or else the largest training label
 * + 1. Refuses labels beyond the declared classes, fewer than two classes with images, and (without
 * declared names) labels below the largest without a training image.
 *
 * Without declared names the labels are taken to be 0 … K − 1, so every number below the largest
 * label must have images. A gap is refused rather than kept as an empty class: an empty class cannot
 * be learnt, it still costs an output of every network (an IDX label of 255 among 0–9 would make 256
 * outputs), and it is nearly always a wrong label or a 1-based numbering. The message names the
 * largest label and the empty ones, so a typo is found at once.
 */
export function checkClasses(train: LabelledSource, test: LabelledSource | undefined, classNames: readonly string[] | undefined): number {
  const trainCounts = countLabels(train.labels);
  const declared = classNames?.length;
  const classes = declared ?? trainCounts.length;
  for (const source of test === undefined ? [train] : [train, test]) {
    const counts = source === train ? trainCounts : countLabels(source.labels);
    if (declared !== undefined && counts.length > declared) {
      throw new DatasetError(
        source.file,
        undefined,
        `has label ${counts.length - 1}, but the data declares ${declared} classes (labels 0 to ${declared - 1}); choose the files of this dataset, or give a name for every class`,
      );
    }
    if (declared === undefined && source === test && counts.length > classes) {
      throw new DatasetError(
        source.file,
        undefined,
        `has label ${counts.length - 1}, but the training data has labels 0 to ${classes - 1} only; the test set cannot have classes the training set lacks, so choose the matching files`,
      );
    }
  }
  const present = trainCounts.filter((count) => count > 0).length;
  if (present < 2) {
    const only = present === 0 ? 'no images' : `images of one class only (label ${trainCounts.findIndex((count) => count > 0)})`;
    throw new DatasetError(train.file, undefined, `holds ${only}; a classifier needs at least two classes with at least one image each, so add the images of another class`);
  }
  // Declared classes may lack images (a CIFAR-10 subset of cats and dogs keeps CIFAR-10's labels);
  // without declared names a gap is refused, see above.
  if (declared !== undefined) return classes;
  const empty: number[] = [];
  for (let label = 0; label < classes; label++) if ((trainCounts[label] ?? 0) === 0) empty.push(label);
  if (empty.length > 0) {
    throw new DatasetError(
      train.file,
      undefined,
      `has labels up to ${classes - 1}, but no images of ${plural(empty.length, 'label', 'labels')} ${describeLabels(empty)}; labels must be the class numbers 0, 1, 2… without gaps (is label ${classes - 1} a mistake, or are the labels numbered from 1?), so correct the labels`,
    );
  }
  return classes;
}

/** The images each split gets, as splitCounts (split.ts) rounds them. */
export interface SplitPlan {
  /** Images in the training pool: all of them when the files bring no test set. */
  readonly pool: number;
  readonly validationShare: number;
  /** Absent when the test set comes from the files. */
  readonly testShare?: number;
  /** The test images of the files, when they bring a test set. */
  readonly testImages?: number;
}

/** Refuses a split that would be empty, naming `file`, the split, the share and what to set it to. */
export function checkSplits(file: string, plan: SplitPlan): void {
  const { pool, validationShare, testShare } = plan;
  const ownTest = testShare === undefined;
  const images = `${formatCount(pool)} ${plural(pool, 'image', 'images')}`;
  if (ownTest && (plan.testImages ?? 0) === 0) {
    throw new DatasetError(file, undefined, 'comes with a test set of no images; choose test files that hold images, or leave them out to draw the test set from the training data');
  }
  const needed = ownTest ? 2 : 3;
  if (pool < needed) {
    const splits = ownTest ? 'training and validation' : 'training, validation and test';
    throw new DatasetError(file, undefined, `holds ${images}, but at least ${needed} are needed (one each for ${splits}); add images`);
  }
  const test = Math.round((testShare ?? 0) * pool);
  const validation = Math.round(validationShare * pool);
  // round(share × pool) ≥ 1 from share ≥ 0.5 / pool on; rounded up to hundredths.
  const least = Math.ceil((50 / pool) - 1e-9) / 100;
  if (!ownTest && test === 0) {
    throw new DatasetError(file, undefined, `holds ${images}, and a test share of ${testShare} of them is no image, so the test set would be empty; set the test share to at least ${least}, or add images`);
  }
  if (validation === 0) {
    throw new DatasetError(
      file,
      undefined,
      `holds ${images}${ownTest ? ' for training' : ''}, and a validation share of ${validationShare} of them is no image, so the validation set would be empty; set the validation share to at least ${least}, or add images`,
    );
  }
  if (pool - validation - test < 1) {
    const shares = ownTest ? `a validation share of ${validationShare}` : `a validation share of ${validationShare} and a test share of ${testShare}`;
    throw new DatasetError(file, undefined, `holds ${images}, and ${shares} leave none to train on; lower the shares, or add images`);
  }
}

/** How many images each label has, up to the largest label (a loop: 60,000 labels spread into Math.max can overflow the stack). */
function countLabels(labels: Uint8Array): number[] {
  const counts: number[] = [];
  for (const label of labels) counts[label] = (counts[label] ?? 0) + 1;
  return Array.from(counts, (count) => count ?? 0);
}

/** "3", "3 and 5", "3, 5 and 7", runs as ranges: "10 to 254". */
function describeLabels(labels: readonly number[]): string {
  const runs: string[] = [];
  for (let i = 0; i < labels.length; ) {
    let j = i;
    while (j + 1 < labels.length && labels[j + 1] === labels[j]! + 1) j++;
    runs.push(j - i >= 2 ? `${labels[i]} to ${labels[j]}` : j === i ? `${labels[i]}` : `${labels[i]}, ${labels[j]}`);
    i = j + 1;
  }
  return runs.length === 1 ? runs[0]! : `${runs.slice(0, -1).join(', ')} and ${runs.at(-1)}`;
}

const plural = (count: number, one: string, many: string): string => (count === 1 ? one : many);
