/**
 * Datasets as the page sees them (issue 5): what the dataset list shows, and what the page sends the
 * search worker to import a user's files. The files travel as ArrayBuffers the page transfers, so
 * the decoding (gunzip, unzip, images) happens in the worker, never on the UI thread.
 */
import type { InputShape } from '../core/architecture.ts';
import type { DatasetSummary } from '../core/dataset-summary.ts';

/** What a dataset list shows of one dataset, built-in or imported (ids: see newDatasetId); never its images. */
export interface DatasetInfo extends DatasetSummary {
  readonly builtin: boolean;
  /** Where the images came from, in words (for an import: the files, what was ignored and how it was split). */
  readonly source: string;
  /** ISO 8601 time of the import; absent for built-in datasets. */
  readonly createdAt?: string;
}

export type DatasetFormat = 'idx' | 'cifar10' | 'csv' | 'images';
export const datasetFormats: readonly DatasetFormat[] = ['idx', 'cifar10', 'csv', 'images'];

/** One file the user chose: its name (for a file of a chosen folder, its path inside it) and its bytes. */
export interface DatasetUpload {
  readonly name: string;
  readonly bytes: ArrayBuffer;
}

export type ImageShape = InputShape;

/** For CSV files; see src/data/csv.ts for each field's meaning and default. */
export interface CsvImportOptions {
  readonly labelColumn?: 'first' | 'last';
  /** Whether the first row is a header (the page's "first row is a header"); never guessed, see src/data/csv.ts. */
  readonly header?: boolean;
  readonly maxValue?: number;
  readonly delimiter?: string;
}

export interface DatasetImportOptions {
  /**
   * The image size to store. Required for `images` (every image is decoded and resized to it);
   * for the other formats optional: images are resized, and turned gray when `channels` is 1.
   */
  readonly image?: ImageShape;
  readonly csv?: CsvImportOptions;
  /** Share of the training data kept for validation, from 0 to below 1, e.g. 0.1. */
  readonly validation: number;
  /** Share kept for testing, e.g. 0.2; not used when the files bring their own test set. */
  readonly test: number;
  /** Seeds the splits: the same files, shares and seed give the same splits. */
  readonly seed: number;
  /**
   * The most bytes the import may decode (inflated archives and .gz files, pixels, resized images),
   * from 1 MiB to 1 GiB; the page sends min(navigator.deviceMemory / 4, 1 GiB) (src/data/budget.ts),
   * and the worker takes its own device's default when it is absent.
   */
  readonly budget?: number;
}

/**
 * An import. Which file is which is read from the files themselves and their names:
 * - `idx`: an images file and a labels file (raw or .gz), optionally a test pair (names with the word `t10k` or `test`);
 * - `cifar10`: one or more binary batches (`data_batch_N.bin`; `test_batch.bin` becomes the test set);
 * - `csv`: one CSV file, optionally a second whose name has the word `test` in it as the test set;
 * - `images`: image files of a chosen folder, or .zip archives, one folder per class
 *   (a folder's name is its class name; `train/` and `test/` folders above the class folders split them).
 * Any format also accepts its files inside .zip archives.
 */
export interface DatasetImportRequest {
  readonly format: DatasetFormat;
  /** Shown in the dataset list; the first file's name when blank. */
  readonly name: string;
  readonly files: readonly DatasetUpload[];
  readonly options: DatasetImportOptions;
}

/** Prefix of every imported dataset id; no built-in id starts with it. */
export const importedDatasetPrefix = 'user-';

export const isImportedDatasetId = (id: string): boolean => id.startsWith(importedDatasetPrefix);

/**
 * A fresh imported dataset id: "user-" and 20 random hex digits (80 bits) from the platform's CSPRNG,
 * like newStudyId; it matches the dataset-id pattern a study config is checked against.
 */
export function newDatasetId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(10));
  return `${importedDatasetPrefix}${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
