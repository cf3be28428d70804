/**
 * Turning the files a user chose into a Dataset: .zip archives are opened, .gz files inflated, each
 * format's files told apart by their content and names, images decoded, then importDataset
 * transforms and splits them. Every problem is an Error in words that names the file (and the byte
 * or row) where it is. The search worker runs it (src/workers/dataset-import.ts), never the UI thread.
 */
import { bytesInWords, maxImportBudgetBytes, minImportBudgetBytes } from '../core/import-limits.ts';
import { ImportBudget, importBudget } from './budget.ts';
import { CIFAR10_CLASS_NAMES, parseCifar10 } from './cifar10.ts';
import { type CsvOptions, parseCsv } from './csv.ts';
import type { Dataset, ImageSet } from './dataset.ts';
import { DatasetError, type NamedBytes } from './errors.ts';
import { decompressIfGzip } from './gzip.ts';
import { parseIdx } from './idx.ts';
import { decodeImageFiles, groupImageFolder, type ImageDecoder, type ImageFile, type ImageShape } from './image-folder.ts';
import { importDataset } from './import-dataset.ts';
import { checkClasses, checkSplits } from './trainable.ts';
import { isZip, readZip } from './zip.ts';

/** The import formats; src/contracts/datasets.ts says which files each one takes. */
export type FileFormat = 'idx' | 'cifar10' | 'csv' | 'images';

export interface FileImport {
  readonly format: FileFormat;
  /** The dataset's name; the first file's name without its extension when blank. */
  readonly name: string;
  /** The files as chosen: `file` is the name (for a file of a chosen folder, its path inside it). */
  readonly files: readonly NamedBytes[];
  readonly options: {
    /** The size to store the images at: required for `images`, optional (resize, and gray for 1 channel) for the others. */
    readonly image?: ImageShape;
    readonly csv?: CsvOptions;
    /** Shares of the training data for validation, and of all data for testing when the files bring no test set. */
    readonly validation: number;
    readonly test: number;
    readonly seed: number;
    /** The most bytes the import may decode (budget.ts); the device's default when absent. */
    readonly budget?: number;
  };
}

export interface ImportedFiles {
  readonly dataset: Dataset;
  /** Where the images came from, in words: the files, what was ignored, any resizing, and how it was split. */
  readonly source: string;
}

interface Sources {
  readonly train: ImageSet;
  readonly test?: ImageSet;
  readonly classNames?: readonly string[];
  /** What the files were, in words, for the description. */
  readonly source: string;
  /** The file(s) of the training images and of the test images, as messages name them. */
  readonly trainFile: string;
  readonly testFile?: string;
  /** The training images' file, where it is not `trainFile` (IDX: the labels file has the classes, the images file the pixels). */
  readonly imagesFile?: string;
}

const MAX_NAME_LENGTH = 100;
/**
 * A file of a test set says so in its name: MNIST's t10k-…, CIFAR-10's test_batch.bin,
 * mnist_test.csv, testing.csv. Whole words only (between non-letters), so "latest", "contest" and
 * "attestation" are not test files.
 */
const TEST_NAME = /(?:^|[^a-z])(?:t10k|test|testing)(?:[^a-z]|$)/i;

/** The dataset the files of `request` hold, under the id `id`; `decodeImage` decodes image files (a browser's decoder in the worker). */
export async function importFiles(request: FileImport, decodeImage: ImageDecoder, id: string): Promise<ImportedFiles> {
  checkRequest(request);
  const { options } = request;
  const budget = importBudget(options.budget);
  const files = await openArchives(request, budget);
  const sources = await readSources(files, request, decodeImage, budget);
  const name = request.name.trim() || (request.files[0]?.file.replace(/\.[^.]*$/, '') ?? id);
  const { train } = sources;
  const target = request.format === 'images' ? undefined : options.image;
  const reshaped = target !== undefined && (target.height !== train.height || target.width !== train.width || target.channels !== train.channels);
  if (target !== undefined && target.channels !== train.channels && target.channels !== 1) {
    throw new Error(`The images have ${train.channels} channels; they can be kept at ${train.channels} or turned gray (1 channel), not ${target.channels}.`);
  }
  const classes = checkClasses(
    { file: sources.trainFile, labels: train.labels },
    sources.test === undefined ? undefined : { file: sources.testFile ?? sources.trainFile, labels: sources.test.labels },
    sources.classNames,
  );
  const classNames = sources.classNames ?? Array.from({ length: classes }, (_, label) => String(label));
  checkSplits(
    sources.trainFile,
    sources.test === undefined
      ? { pool: train.count, validationShare: options.validation, testShare: options.test }
      : { pool: train.count, validationShare: options.validation, testImages: sources.test.count },
  );
  if (reshaped && target !== undefined) {
    const count = train.count + (sources.test?.count ?? 0);
    budget.take(sources.imagesFile ?? sources.trainFile, count * target.height * target.width * target.channels, `holds ${count} images, which at ${target.height}×${target.width}×${target.channels} take`);
  }
  const dataset = importDataset(
    { train, ...(sources.test !== undefined ? { test: sources.test } : {}) },
    {
      id,
      name,
      classNames,
      validation: options.validation,
      ...(sources.test === undefined ? { test: options.test } : {}),
      seed: options.seed,
      ...(target !== undefined && target.channels === 1 && train.channels > 1 ? { grayscale: true } : {}),
      ...(target !== undefined && (target.height !== train.height || target.width !== train.width) ? { resize: { height: target.height, width: target.width } } : {}),
    },
  );
  const { height, width, channels } = dataset.train;
  const splitText =
    sources.test === undefined
      ? `validation ${percent(options.validation)} and test ${percent(options.test)} drawn with seed ${options.seed}`
      : `the test set from the files; validation ${percent(options.validation)} of the training images, drawn with seed ${options.seed}`;
  return { dataset, source: `${sources.source}${reshaped ? `; resized to ${height}×${width}×${channels}` : ''}; ${splitText}.` };
}

function checkRequest(request: FileImport): void {
  if (request.files.length === 0) throw new Error('Choose at least one file.');
  if (request.name.trim().length > MAX_NAME_LENGTH) throw new Error(`The name is ${request.name.trim().length} characters long; keep it to ${MAX_NAME_LENGTH}.`);
  const { seed, budget } = request.options;
  if (!Number.isSafeInteger(seed)) throw new Error(`The seed must be a whole number, got ${seed}.`);
  if (budget !== undefined && !(Number.isSafeInteger(budget) && budget >= minImportBudgetBytes && budget <= maxImportBudgetBytes)) {
    throw new Error(`The memory budget of an import must be a whole number of bytes from ${bytesInWords(minImportBudgetBytes)} to ${bytesInWords(maxImportBudgetBytes)}, got ${budget}.`);
  }
  if (request.format === 'images' && request.options.image === undefined) throw new Error('Give the image size (height, width and channels) to store the images at.');
}

interface OpenedFile {
  /** The name to show: the file's own, or "archive.zip/path" for a file inside an archive. */
  readonly name: string;
  /** The path that groups images into class folders: the name, or the path inside the archive. */
  readonly path: string;
  readonly bytes: Uint8Array;
}

/** The files, with each .zip replaced by the files inside it, hidden files of archives left out. */
async function openArchives(request: FileImport, budget: ImportBudget): Promise<OpenedFile[]> {
  const files: OpenedFile[] = [];
  for (const upload of request.files) {
    if (!isZip(upload.bytes)) {
      files.push({ name: upload.file, path: upload.file, bytes: upload.bytes });
      continue;
    }
    const entries = await readZip(upload, {}, budget);
    if (entries.length === 0) throw new DatasetError(upload.file, undefined, 'the ZIP archive is empty; choose an archive that holds the files');
    const visible = entries.filter((entry) => !entry.path.split('/').some(isHiddenSegment));
    if (visible.length === 0) {
      const what = request.format === 'images' ? 'no images' : 'no data files';
      const metadata = entries.some((entry) => entry.path.split('/')[0] === '__MACOSX');
      throw new DatasetError(
        upload.file,
        undefined,
        `holds only ${metadata ? 'macOS metadata (__MACOSX/…)' : 'hidden files (names starting with ".")'}, ${what}; zip the folder that holds the files again, or choose the files themselves`,
      );
    }
    // Image folders count their hidden files themselves; the other formats just skip them (macOS adds __MACOSX/ and .DS_Store).
    const kept = request.format === 'images' ? entries : visible;
    for (const entry of kept) files.push({ name: `${upload.file}/${entry.path}`, path: entry.path, bytes: entry.bytes });
  }
  return files;
}

const isHiddenSegment = (segment: string): boolean => segment.startsWith('.') || segment === '__MACOSX';

async function readSources(files: readonly OpenedFile[], request: FileImport, decodeImage: ImageDecoder, budget: ImportBudget): Promise<Sources> {
  const named = (file: OpenedFile): NamedBytes => ({ file: file.name, bytes: file.bytes });
  const byName = [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const isTest = (file: OpenedFile): boolean => isTestName(file.name);
  const list = (some: readonly OpenedFile[]): string => some.map((file) => file.name).join(', ');
  switch (request.format) {
    case 'idx':
      return readIdx(await inflateAll(byName.map(named), budget), budget);
    case 'cifar10': {
      const batches = await inflateAll(byName.map(named), budget);
      for (const batch of batches) refuseTar(batch);
      const test = batches.filter((_, i) => isTest(byName[i]!));
      const train = batches.filter((_, i) => !isTest(byName[i]!));
      if (train.length === 0) throw new Error(`Only test batches were chosen (${list(byName)}); add the training batches data_batch_1.bin … data_batch_5.bin.`);
      return {
        train: await parseCifar10(train, budget),
        ...(test.length > 0 ? { test: await parseCifar10(test, budget) } : {}),
        classNames: CIFAR10_CLASS_NAMES,
        source: `CIFAR-10 binary batches ${list(byName)}`,
        trainFile: train.map((batch) => batch.file).join(', '),
        ...(test.length > 0 ? { testFile: test.map((batch) => batch.file).join(', ') } : {}),
      };
    }
    case 'csv': {
      const test = byName.filter(isTest);
      const train = byName.filter((file) => !isTest(file));
      if (train.length !== 1 || test.length > 1) {
        const got = train.length === 0 ? `only ${test.length === 1 ? 'a test file' : 'test files'}, ${list(byName)}` : list(byName);
        throw new Error(`Choose one CSV file, and optionally a second whose name has the word "test" in it (e.g. mnist_test.csv) for the test set; got ${got}.`);
      }
      const csv = request.options.csv ?? {};
      return {
        train: await parseCsv(named(train[0]!), csv, budget),
        ...(test[0] !== undefined ? { test: await parseCsv(named(test[0]), csv, budget) } : {}),
        source: `CSV file${byName.length > 1 ? 's' : ''} ${list(byName)}`,
        trainFile: train[0]!.name,
        ...(test[0] !== undefined ? { testFile: test[0].name } : {}),
      };
    }
    case 'images': {
      const archives = request.files.map((file) => file.file).filter((name) => name.toLowerCase().endsWith('.zip'));
      const folder = groupImageFolder(
        files.map((file): ImageFile => ({ path: file.path, bytes: file.bytes })),
        archives.length > 0 ? archives.join(', ') : 'the chosen files',
      );
      // checkRequest made sure an image size is given.
      const shape = request.options.image!;
      const from = archives.length > 0 ? archives.join(', ') : folder.root === '' ? 'the chosen files' : `the folder ${folder.root}`;
      const sourceName = archives.length > 0 ? archives.join(', ') : folder.root === '' ? 'the chosen images' : folder.root;
      const train = await decodeImageFiles(folder.train, shape, decodeImage, { budget, source: sourceName });
      const test = folder.test === undefined ? undefined : await decodeImageFiles(folder.test, shape, decodeImage, { budget, source: sourceName });
      const { outsideClassFolder, hidden, notImages } = folder.ignored;
      const ignored = [
        outsideClassFolder > 0 ? `${outsideClassFolder} ${plural(outsideClassFolder, 'image')} outside a class folder` : '',
        hidden > 0 ? `${hidden} hidden ${plural(hidden, 'file')}` : '',
        notImages > 0 ? `${notImages} ${plural(notImages, 'file')} that ${notImages === 1 ? 'is' : 'are'} not an image` : '',
      ].filter((text) => text !== '');
      return {
        train,
        ...(test !== undefined ? { test } : {}),
        classNames: folder.classNames,
        source: `${train.count + (test?.count ?? 0)} images in ${folder.classNames.length} class folders of ${from}${ignored.length > 0 ? ` (ignored: ${ignored.join(', ')})` : ''}`,
        trainFile: sourceName,
      };
    }
  }
}

/** Whether the file's own name (after the last '/') marks it as part of a test set. */
const isTestName = (name: string): boolean => TEST_NAME.test(name.slice(name.lastIndexOf('/') + 1));

/** IDX files told apart by their rank (1: labels, 3 or 4: images) and their names (t10k or test: the test set). */
async function readIdx(files: readonly NamedBytes[], budget: ImportBudget): Promise<Sources> {
  const roles = new Map<string, NamedBytes>();
  for (const file of files) {
    const { bytes } = file;
    if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) {
      throw new DatasetError(file.file, { offset: 0, decompressed: file.decompressed ?? false }, 'this is not an IDX file (IDX files start with two zero bytes); choose MNIST-style files such as train-images-idx3-ubyte.gz');
    }
    const role = `${isTestName(file.file) ? 'test' : 'train'} ${bytes[3] === 1 ? 'labels' : 'images'}`;
    const taken = roles.get(role);
    if (taken !== undefined) {
      throw new Error(`${taken.file} and ${file.file} are both ${role} files; choose one of each (a name with the word "t10k" or "test" in it, as in t10k-images-idx3-ubyte or mnist_test, marks the test set).`);
    }
    roles.set(role, file);
  }
  const pair = (split: 'train' | 'test'): [NamedBytes, NamedBytes] | undefined => {
    const images = roles.get(`${split} images`);
    const labels = roles.get(`${split} labels`);
    if (images === undefined && labels === undefined) return undefined;
    if (images === undefined || labels === undefined) {
      const have = (images ?? labels)!;
      throw new Error(`${have.file} has no matching ${images === undefined ? 'images' : 'labels'} file; choose the ${split === 'test' ? 'test' : 'training'} images and labels files together.`);
    }
    return [images, labels];
  };
  const train = pair('train');
  const test = pair('test');
  if (train === undefined) throw new Error('Choose the training images and labels files (e.g. train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz), not only the test files.');
  return {
    train: await parseIdx(...train, budget),
    ...(test !== undefined ? { test: await parseIdx(...test, budget) } : {}),
    source: `IDX files ${[...train, ...(test ?? [])].map((file) => file.file).join(', ')}`,
    // Class problems are in the labels.
    trainFile: train[1].file,
    imagesFile: train[0].file,
    ...(test !== undefined ? { testFile: test[1].file } : {}),
  };
}

/** The files, each inflated when it is gzip, one after another (so the budget is counted in order). */
async function inflateAll(files: readonly NamedBytes[], budget: ImportBudget): Promise<NamedBytes[]> {
  const inflated: NamedBytes[] = [];
  for (const file of files) inflated.push(await decompressIfGzip(file, budget));
  return inflated;
}

/** POSIX tar (ustar) has "ustar" at byte 257: the CIFAR-10 download itself rather than a batch. */
function refuseTar(file: NamedBytes): void {
  if (new TextDecoder().decode(file.bytes.subarray(257, 262)) === 'ustar') {
    throw new DatasetError(file.file, undefined, 'is a tar archive (the CIFAR-10 download itself); extract it and choose the data_batch_N.bin and test_batch.bin files inside');
  }
}

const percent = (share: number): string => `${Math.round(share * 1000) / 10} %`;
const plural = (count: number, word: string): string => (count === 1 ? word : `${word}s`);
