/**
 * Issue 14, item 4: a deterministic fuzz pass over every importer. Valid files of each format (CSV,
 * CSV.gz, IDX, IDX.gz, CIFAR-10 binary and .gz, ZIP, gzip, a zip of class folders of images, SPDS)
 * are damaged by a seeded PRNG: truncations (to nothing too), bit flips, a wrong magic number, huge
 * declared dimensions, lying sizes, nesting (gzip in gzip, zip in zip), appended garbage, repeated
 * chunks and plain random bytes. Each input must either still be read or end in a DatasetError
 * (src/data/errors.ts) whose message names the file, within a time bound: never a RangeError, a
 * TypeError, another error, a crash or a hang. The tally is printed for the report.
 */
import { describe, expect, it } from 'vitest';
import { createRng, type Rng } from '../../src/core/rng.ts';
import { encodeDataset, decodeDataset } from '../../src/data/binary-format.ts';
import { ImportBudget } from '../../src/data/budget.ts';
import { parseCifar10 } from '../../src/data/cifar10.ts';
import { parseCsv } from '../../src/data/csv.ts';
import { DatasetError } from '../../src/data/errors.ts';
import { gunzip } from '../../src/data/gzip.ts';
import { parseIdx } from '../../src/data/idx.ts';
import type { ImageDecoder } from '../../src/data/image-folder.ts';
import { importFiles } from '../../src/data/import-files.ts';
import { readZip } from '../../src/data/zip.ts';
import { cifarRecords, gzip, idxFile, text, tinyDataset } from './fixtures.ts';
import { writeZip } from './zip-writer.ts';

/** Inputs per importer: 10 importers × 24 = 240 inputs. */
const PER_IMPORTER = 24;
/** Every input is small; one that takes longer than this is counted as a hang. */
const TIME_BOUND_MS = 5_000;
/** Small, so that a lying size costs little memory before it is refused. */
const BUDGET_BYTES = 4 * 2 ** 20;

/**
 * The test image format of the folder importer (Node has no image decoder): width and height bytes,
 * then RGBA. Anything else is refused in words naming the file, as the browser's decoder does.
 */
const testDecoder: ImageDecoder = async (file) => {
  const [width = 0, height = 0] = file.bytes;
  if (file.bytes.length !== 2 + width * height * 4 || width === 0 || height === 0) {
    throw new DatasetError(file.path, undefined, 'is not an image this test can decode');
  }
  return { width, height, rgba: new Uint8ClampedArray(file.bytes.subarray(2)) };
};
const testImage = (width: number, height: number, value: number): Uint8Array => Uint8Array.from([width, height, ...new Array<number>(width * height * 4).fill(value)]);

interface Importer {
  readonly name: string;
  /** The file name the messages must mention (one of them). */
  readonly names: readonly string[];
  readonly valid: Uint8Array;
  /** Byte offsets of size and dimension fields worth lying in, with their byte order. */
  readonly fields: readonly { readonly offset: number; readonly littleEndian: boolean }[];
  /** The same data nested once more (gzip in gzip, zip in zip), to check that nesting is refused in words. */
  readonly nest: (bytes: Uint8Array) => Promise<Uint8Array>;
  readonly read: (bytes: Uint8Array) => Promise<unknown>;
}

async function importers(): Promise<Importer[]> {
  const csvText = text(Array.from({ length: 8 }, (_, n) => `${n % 2},${n},${2 * n},${3 * n},${4 * n}`).join('\n'));
  const images = idxFile([8, 2, 2], Array.from({ length: 32 }, (_, i) => i));
  const labels = idxFile([8], [0, 1, 0, 1, 0, 1, 0, 1]);
  const cifar = cifarRecords([{ label: 3, rgb: () => [1, 2, 3] }, { label: 5, rgb: (p) => [p % 256, 0, 9] }]);
  const zip = await writeZip([
    { path: 'data/a.csv', bytes: csvText },
    { path: 'data/b.bin', bytes: new Uint8Array(300).fill(7), method: 'stored' },
  ]);
  const pictures = await writeZip(
    Array.from({ length: 6 }, (_, n) => ({ path: `pets/${n % 2 === 0 ? 'cat' : 'dog'}/${n}.png`, bytes: testImage(2 + (n % 3), 2, 40 * n), method: n % 2 === 0 ? ('stored' as const) : ('deflate' as const) })),
  );
  const spds = encodeDataset(tinyDataset());
  const idxFields = [0, 4, 8, 12].map((offset) => ({ offset, littleEndian: false }));
  const zipFields = (written: typeof zip) =>
    written.entries.flatMap((entry) => [18, 22].map((field) => ({ offset: entry.local + field, littleEndian: true })).concat([20, 24, 42].map((field) => ({ offset: entry.central + field, littleEndian: true }))));
  const gzipTwice = async (bytes: Uint8Array) => gzip(await gzip(bytes));
  const zipOnce = async (bytes: Uint8Array, name: string) => (await writeZip([{ path: name, bytes }])).bytes;
  const budget = () => new ImportBudget(BUDGET_BYTES);
  return [
    { name: 'csv', names: ['fuzz.csv'], valid: csvText, fields: [], nest: gzipTwice, read: (bytes) => parseCsv({ file: 'fuzz.csv', bytes }, {}, budget()) },
    { name: 'csv.gz', names: ['fuzz.csv.gz'], valid: await gzip(csvText), fields: [{ offset: 4, littleEndian: true }], nest: gzip, read: (bytes) => parseCsv({ file: 'fuzz.csv.gz', bytes }, {}, budget()) },
    {
      name: 'idx',
      names: ['fuzz-images-idx3-ubyte'],
      valid: images,
      fields: idxFields,
      nest: gzipTwice,
      read: (bytes) => parseIdx({ file: 'fuzz-images-idx3-ubyte', bytes }, { file: 'fuzz-labels-idx1-ubyte', bytes: labels }, budget()),
    },
    {
      name: 'idx labels',
      names: ['fuzz-labels-idx1-ubyte'],
      valid: labels,
      fields: idxFields.slice(0, 2),
      nest: gzipTwice,
      read: (bytes) => parseIdx({ file: 'fuzz-images-idx3-ubyte', bytes: images }, { file: 'fuzz-labels-idx1-ubyte', bytes }, budget()),
    },
    { name: 'idx.gz', names: ['fuzz-images-idx3-ubyte.gz'], valid: await gzip(images), fields: [{ offset: 4, littleEndian: true }], nest: gzip, read: (bytes) => parseIdx({ file: 'fuzz-images-idx3-ubyte.gz', bytes }, { file: 'l', bytes: labels }, budget()) },
    { name: 'cifar10', names: ['data_batch_1.bin'], valid: cifar, fields: [], nest: gzipTwice, read: (bytes) => parseCifar10([{ file: 'data_batch_1.bin', bytes }], budget()) },
    { name: 'gzip', names: ['fuzz.gz'], valid: await gzip(csvText), fields: [{ offset: 4, littleEndian: true }], nest: gzip, read: (bytes) => gunzip('fuzz.gz', bytes, budget()) },
    { name: 'zip', names: ['fuzz.zip'], valid: zip.bytes, fields: zipFields(zip), nest: (bytes) => zipOnce(bytes, 'inner.zip'), read: (bytes) => readZip({ file: 'fuzz.zip', bytes }, {}, budget()) },
    {
      name: 'zip of images',
      names: ['pets.zip', 'pets/'],
      valid: pictures.bytes,
      fields: zipFields(pictures),
      nest: (bytes) => zipOnce(bytes, 'pets/cat/inner.zip'),
      read: (bytes) =>
        importFiles(
          { format: 'images', name: '', files: [{ file: 'pets.zip', bytes }], options: { image: { height: 2, width: 2, channels: 1 }, validation: 0.2, test: 0.2, seed: 1, budget: BUDGET_BYTES } },
          testDecoder,
          'user-fuzz',
        ),
    },
    { name: 'spds', names: ['fuzz.spds'], valid: spds, fields: [8, 12, 16, 20, 24, 28, 32, 36].map((offset) => ({ offset, littleEndian: true })), nest: gzip, read: async (bytes) => decodeDataset({ file: 'fuzz.spds', bytes }) },
  ];
}

type Mutation = (valid: Uint8Array, rng: Rng, importer: Importer) => Uint8Array | Promise<Uint8Array>;

const mutations: Record<string, Mutation> = {
  truncate: (valid, rng) => valid.slice(0, rng.int(0, Math.max(0, valid.length - 1))),
  empty: () => new Uint8Array(0),
  'bit flips': (valid, rng) => {
    const copy = valid.slice();
    for (let i = rng.int(1, 8); i > 0; i--) copy[rng.int(0, copy.length - 1)]! ^= 1 << rng.int(0, 7);
    return copy;
  },
  'wrong magic': (valid, rng) => {
    const copy = valid.slice();
    for (let i = 0; i < Math.min(4, copy.length); i++) copy[i] = rng.int(0, 255);
    return copy;
  },
  'huge dimension or lying size': (valid, rng, importer) => {
    const copy = valid.slice();
    const view = new DataView(copy.buffer);
    const field = importer.fields.length > 0 ? rng.pick(importer.fields) : { offset: rng.int(0, Math.max(0, copy.length - 4)), littleEndian: rng.chance(0.5) };
    const value = rng.pick([0, 1, 0xffffffff, 0x7fffffff, 0x10000, rng.int(0, 0xffffffff)]);
    if (field.offset + 4 <= copy.length) view.setUint32(field.offset, value, field.littleEndian);
    return copy;
  },
  'appended garbage': (valid, rng) => {
    const extra = Uint8Array.from({ length: rng.int(1, 64) }, () => rng.int(0, 255));
    const copy = new Uint8Array(valid.length + extra.length);
    copy.set(valid);
    copy.set(extra, valid.length);
    return copy;
  },
  'repeated chunk': (valid, rng) => {
    const start = rng.int(0, valid.length - 1);
    const chunk = valid.subarray(start, Math.min(valid.length, start + rng.int(1, 256)));
    const at = rng.int(0, valid.length);
    return Uint8Array.from([...valid.subarray(0, at), ...chunk, ...valid.subarray(at)]);
  },
  nesting: async (valid, rng, importer) => {
    let bytes = valid;
    for (let depth = rng.int(1, 5); depth > 0; depth--) bytes = await importer.nest(bytes);
    return bytes;
  },
  'random bytes': (_, rng) => Uint8Array.from({ length: rng.int(0, 4096) }, () => rng.int(0, 255)),
};

interface Tally {
  inputs: number;
  accepted: number;
  clearErrors: number;
  crashes: number;
  hangs: number;
  crashReports: string[];
}

/** Reads `bytes` with `importer` under the time bound; says how it ended. */
async function attempt(importer: Importer, bytes: Uint8Array): Promise<{ outcome: 'accepted' | 'clear' | 'crash' | 'hang'; detail: string }> {
  const started = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<'hang'>((resolve) => (timer = setTimeout(() => resolve('hang'), TIME_BOUND_MS)));
  try {
    const result = await Promise.race([importer.read(bytes).then(() => 'accepted' as const), timeout]);
    if (result === 'hang' || performance.now() - started > TIME_BOUND_MS) return { outcome: 'hang', detail: `over ${TIME_BOUND_MS} ms` };
    return { outcome: 'accepted', detail: '' };
  } catch (error) {
    if (performance.now() - started > TIME_BOUND_MS) return { outcome: 'hang', detail: `over ${TIME_BOUND_MS} ms` };
    const message = error instanceof Error ? error.message : String(error);
    const clear = error instanceof DatasetError && importer.names.some((name) => message.includes(name)) && !/RangeError|TypeError|undefined|NaN/.test(message);
    return { outcome: clear ? 'clear' : 'crash', detail: `${error instanceof Error ? error.name : typeof error}: ${message}` };
  } finally {
    clearTimeout(timer);
  }
}

describe('fuzzing every importer', () => {
  it(`ends every damaged input in a DatasetError naming the file, or reads it (${PER_IMPORTER} inputs per importer)`, async () => {
    const rng = createRng('import-fuzz 14');
    const tally: Tally = { inputs: 0, accepted: 0, clearErrors: 0, crashes: 0, hangs: 0, crashReports: [] };
    const byImporter: Record<string, string> = {};
    const kinds = Object.keys(mutations);
    for (const importer of await importers()) {
      // The undamaged file is read: the fuzz starts from valid data.
      await expect(importer.read(importer.valid)).resolves.toBeDefined();
      const counts = { clear: 0, accepted: 0 };
      for (let i = 0; i < PER_IMPORTER; i++) {
        // Every kind of damage for every importer, then the rest drawn at random.
        const kind = i < kinds.length ? kinds[i]! : rng.pick(kinds);
        const bytes = await mutations[kind]!(importer.valid, rng, importer);
        const { outcome, detail } = await attempt(importer, bytes);
        tally.inputs++;
        if (outcome === 'accepted') {
          tally.accepted++;
          counts.accepted++;
        } else if (outcome === 'clear') {
          tally.clearErrors++;
          counts.clear++;
        } else {
          if (outcome === 'hang') tally.hangs++;
          else tally.crashes++;
          tally.crashReports.push(`${importer.name}, ${kind} (${bytes.length} bytes): ${detail}`);
        }
      }
      byImporter[importer.name] = `${counts.clear} clear errors, ${counts.accepted} still read`;
    }
    console.log(
      `import fuzz: ${tally.inputs} inputs, ${tally.clearErrors} clear errors, ${tally.accepted} still read, ${tally.crashes} crashes, ${tally.hangs} hangs\n` +
        Object.entries(byImporter).map(([name, line]) => `  ${name}: ${line}`).join('\n'),
    );
    expect(tally.crashReports).toEqual([]);
    expect(tally.crashes).toBe(0);
    expect(tally.hangs).toBe(0);
    expect(tally.inputs).toBeGreaterThanOrEqual(150);
    expect(tally.clearErrors + tally.accepted).toBe(tally.inputs);
  }, 120_000);
});
