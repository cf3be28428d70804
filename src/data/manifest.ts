/**
 * static-datasets/manifest.json: what the built-in datasets are, where they came from, under which
 * licence, and the size and SHA-256 of each file, which the loaders check before decoding. It is
 * written by `npm run datasets` (scripts/build-datasets.ts) and read here as untrusted input: a
 * hand-edited or half-deployed manifest gets an error in words, not a crash.
 */
import type { DatasetSummary } from '../core/dataset-summary.ts';
import { FieldError, checkDepth, isIntegerIn, isRecord, itemPath } from '../core/untrusted.ts';
import { DatasetError } from './errors.ts';

/** DESIGN.md §4: the built-in dataset ids. */
export const BUILTIN_DATASET_IDS = ['digits', 'mnist', 'fashion-mnist'] as const;
export type BuiltinDatasetId = (typeof BUILTIN_DATASET_IDS)[number];

export const MANIFEST_FILE = 'manifest.json';

/** A stored file: `bytes` and `sha256` are those of the file as stored (gzip); the others of its content. */
export interface ManifestFile {
  readonly name: string;
  readonly bytes: number;
  readonly sha256: string;
  readonly uncompressedBytes: number;
  readonly uncompressedSha256: string;
}

/** A Debian or npm package of an exact version. */
export interface ManifestPackage {
  readonly registry: 'debian' | 'npm';
  readonly package: string;
  readonly version: string;
  /** The package's page in its registry. */
  readonly packageUrl: string;
}

/** Where a dataset's images were taken from: files inside a package. */
export interface ManifestSource extends ManifestPackage {
  /** Path of the source file(s) inside the package. */
  readonly paths: readonly string[];
  /** SHA-256 of each source file, in the order of `paths`. */
  readonly sha256: readonly string[];
  /** The upstream dataset's home page. */
  readonly homepage: string;
  readonly citation: string;
}

export interface ManifestLicence {
  /** SPDX identifier(s) and words, e.g. "MIT (Expat)". */
  readonly name: string;
  /** Where the licence statement was read, e.g. the package's copyright file. */
  readonly source: string;
  readonly note?: string;
}

export interface ManifestEntry extends DatasetSummary {
  readonly description: string;
  /** How pixels were converted and how the splits were drawn, in words. */
  readonly preprocessing: string;
  readonly splitMethod: string;
  readonly file: ManifestFile;
  readonly source: ManifestSource;
  readonly licence: ManifestLicence;
}

export interface Manifest {
  /** The SPDS version of the files (binary-format.ts). */
  readonly formatVersion: number;
  readonly generatedBy: string;
  readonly datasets: readonly ManifestEntry[];
}

/** File names the loaders will ask a reader for: no folders, nothing hidden, so a manifest cannot point outside its folder. */
const SAFE_FILE_NAME = /^[a-z0-9][a-z0-9._-]*$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** How deep a manifest's values may nest: its own go 4 levels deep (datasets[i].splits.train.files). */
const manifestDepth = 16;

/** Parses and checks manifest.json; only the fields the loaders rely on are checked strictly. */
export function parseManifest(bytes: Uint8Array, file: string = MANIFEST_FILE): Manifest {
  const fail = (problem: string) =>
    new DatasetError(file, undefined, `${problem}; the datasets folder is damaged or from another version (run npm run datasets, or reload the page)`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw fail('is not valid UTF-8 JSON');
  }
  if (!isRecord(parsed) || !Array.isArray(parsed.datasets) || typeof parsed.formatVersion !== 'number') {
    throw fail('has no "formatVersion" number and "datasets" list');
  }
  // Fields the loaders do not read are passed on as they are: never a prototype key or a value nested past reason.
  try {
    checkDepth(parsed, '', manifestDepth);
  } catch (error) {
    if (error instanceof FieldError) throw fail(error.message);
    throw error;
  }
  parsed.datasets.forEach((entry: unknown, i: number) => {
    const problem = entryProblem(entry);
    if (problem !== undefined) throw fail(`${itemPath('datasets', i)} ${problem}`);
  });
  return parsed as unknown as Manifest;
}

const isCount = (value: unknown, min: number): value is number => isIntegerIn(value, min, Number.MAX_SAFE_INTEGER);

/** What is wrong with one manifest entry, or undefined when the loaders can rely on it. */
function entryProblem(entry: unknown): string | undefined {
  if (!isRecord(entry)) return 'is not an object';
  const { id, name, shape, classes, classNames, splits, file } = entry;
  if (typeof id !== 'string' || id === '') return 'has no "id"';
  if (typeof name !== 'string') return `(${id}) has no "name"`;
  if (!isRecord(shape) || !isCount(shape.height, 1) || !isCount(shape.width, 1) || !isCount(shape.channels, 1)) {
    return `(${id}) has no "shape" with whole-number height, width and channels`;
  }
  if (!isCount(classes, 1) || !Array.isArray(classNames) || classNames.length !== classes || !classNames.every((c) => typeof c === 'string')) {
    return `(${id}) needs "classes" and as many "classNames"`;
  }
  if (!isRecord(splits) || !isCount(splits.train, 1) || !isCount(splits.validation, 0) || !isCount(splits.test, 0)) {
    return `(${id}) has no "splits" with train, validation and test counts`;
  }
  if (!isRecord(file) || typeof file.name !== 'string' || !SAFE_FILE_NAME.test(file.name)) return `(${id}) has no plain "file.name"`;
  if (!isCount(file.bytes, 1) || !isCount(file.uncompressedBytes, 1)) return `(${id}) has no "file.bytes" and "file.uncompressedBytes"`;
  if (typeof file.sha256 !== 'string' || !SHA256_HEX.test(file.sha256) || typeof file.uncompressedSha256 !== 'string' || !SHA256_HEX.test(file.uncompressedSha256)) {
    return `(${id}) has no "file.sha256" and "file.uncompressedSha256" of 64 hex digits`;
  }
  return undefined;
}
