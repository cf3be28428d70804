/**
 * What the page and the search know of any dataset, built in (static-datasets/manifest.json) or
 * imported (the dataset list): its id and name, the shape of its images, its classes and the sizes
 * of its splits. A study's search space takes its input and classes from here.
 */
import type { InputShape } from './architecture.ts';

export interface DatasetSplits {
  readonly train: number;
  readonly validation: number;
  readonly test: number;
}

export interface DatasetSummary {
  /** A built-in id (`digits`, `mnist`, `fashion-mnist`) or an imported one (`user-…`). */
  readonly id: string;
  readonly name: string;
  readonly shape: InputShape;
  readonly classes: number;
  /** Indexed by label. */
  readonly classNames: readonly string[];
  readonly splits: DatasetSplits;
}
