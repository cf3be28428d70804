/**
 * The microcontroller bundle: the exported model with everything needed to check it on a board
 * (the model and test samples as C arrays, the expected results, the manifest, two test programs
 * and a README), as a list of files and as one zip.
 *
 * The zip is deterministic (fixed dates, fixed order, fixed compression level): the same export
 * gives the same bytes, so a bundle can be compared with an earlier one by its hash.
 */
import { strToU8, zipSync, type Zippable } from 'fflate';
import { cArraySource, cTestSamplesSource } from './c-array.ts';
import { arduinoSketchName, examplePrograms } from './example-program.ts';
import type { ExpectFile, ExportManifest } from './manifest.ts';
import { ExportError } from './quantize.ts';

export interface BundleInput {
  readonly tflite: Uint8Array;
  readonly manifest: ExportManifest;
  /** manifest.testSamples.count images of manifest.testSamples.bytesPerSample int8 values each. */
  readonly testSamples: Int8Array;
  readonly expect: ExpectFile;
}

export interface BundleFile {
  /** Path inside the bundle, `/`-separated. */
  readonly name: string;
  readonly data: Uint8Array;
}

/** The date every zip entry carries. fflate writes DOS dates in local time, so the date is built from local fields. */
const zipDate = new Date(2026, 0, 1, 0, 0, 0);

/** Throws ExportError, naming the field, where the parts of the bundle disagree. */
function checkConsistency(input: BundleInput): void {
  const { tflite, manifest, testSamples, expect } = input;
  const { count, bytesPerSample } = manifest.testSamples;
  if (tflite.length !== manifest.tfliteBytes) throw new ExportError(`tflite holds ${tflite.length} bytes, but manifest.tfliteBytes says ${manifest.tfliteBytes}`);
  if (!Number.isSafeInteger(count) || count < 1) throw new ExportError(`manifest.testSamples.count must be a whole number from 1, got ${count}`);
  if (!Number.isSafeInteger(bytesPerSample) || bytesPerSample < 1) throw new ExportError(`manifest.testSamples.bytesPerSample must be a whole number from 1, got ${bytesPerSample}`);
  const inputElements = manifest.input.shape.reduce((a, b) => a * b, 1);
  if (inputElements !== bytesPerSample) {
    throw new ExportError(`manifest.testSamples.bytesPerSample is ${bytesPerSample}, but manifest.input.shape [${manifest.input.shape.join(', ')}] holds ${inputElements} values`);
  }
  if (testSamples.length !== count * bytesPerSample) {
    throw new ExportError(`testSamples holds ${testSamples.length} values, but manifest.testSamples.count × bytesPerSample is ${count} × ${bytesPerSample} = ${count * bytesPerSample}`);
  }
  const classes = manifest.output.shape[manifest.output.shape.length - 1];
  if (manifest.labels.length !== classes) throw new ExportError(`manifest.labels names ${manifest.labels.length} classes, but manifest.output.shape [${manifest.output.shape.join(', ')}] has ${classes}`);
  for (const field of ['labels', 'predictions'] as const) {
    const values = expect[field];
    if (values.length !== count) throw new ExportError(`expect.${field} has ${values.length} entries, but manifest.testSamples.count is ${count}`);
    values.forEach((value, i) => {
      if (!Number.isInteger(value) || value < 0 || value >= manifest.labels.length) {
        throw new ExportError(`expect.${field}[${i}] is ${value}, not a class from 0 to ${manifest.labels.length - 1}`);
      }
    });
  }
}

/** `expect.json`: one short line per array, rather than one line per number. */
const expectJson = (expect: ExpectFile): string => `{\n  "labels": ${JSON.stringify(expect.labels)},\n  "predictions": ${JSON.stringify(expect.predictions)}\n}\n`;

/**
 * The bundle's files in order: the model and its C array, the test samples and theirs, the
 * expected results, the manifest, the README, the Arduino sketch (with its own copies of the C
 * files) and main.cc. Throws ExportError naming the field where the input disagrees with itself.
 */
export function bundleFiles(input: BundleInput): BundleFile[] {
  checkConsistency(input);
  const { tflite, manifest, testSamples, expect } = input;
  const origin = `${manifest.source.dataset}, exported by ${manifest.createdBy}`;
  const model = cArraySource({
    name: 'model_data',
    header: 'model_data.h',
    bytes: tflite,
    comment: `model.tflite (${tflite.length} bytes) as a C array, for TensorFlow Lite Micro. Model of ${origin}.`,
  });
  const samples = cTestSamplesSource({
    header: 'test_samples.h',
    samples: testSamples,
    labels: expect.labels,
    expected: expect.predictions,
    bytesPerSample: manifest.testSamples.bytesPerSample,
    comment: `${manifest.testSamples.count} test samples (int8, NHWC, ${manifest.testSamples.bytesPerSample} bytes each) with their labels and the classes the int8 simulation predicts. Test set of ${origin}.`,
  });
  const programs = examplePrograms(manifest);
  const sketch = `arduino/${arduinoSketchName}`;
  const text = (name: string, content: string): BundleFile => ({ name, data: strToU8(content) });
  return [
    { name: 'model.tflite', data: tflite },
    text('model_data.h', model.header),
    text('model_data.cc', model.source),
    { name: 'test_samples.bin', data: new Uint8Array(testSamples.buffer, testSamples.byteOffset, testSamples.byteLength).slice() },
    text('test_samples.h', samples.header),
    text('test_samples.cc', samples.source),
    text('expect.json', expectJson(expect)),
    text('export.json', `${JSON.stringify(manifest, null, 2)}\n`),
    text('README.txt', programs.readme),
    text(`${sketch}/${arduinoSketchName}.ino`, programs.arduinoSketch),
    // The IDE compiles only files inside the sketch folder, and older versions ignore .cc there.
    text(`${sketch}/model_data.h`, model.header),
    text(`${sketch}/model_data.cpp`, model.source),
    text(`${sketch}/test_samples.h`, samples.header),
    text(`${sketch}/test_samples.cpp`, samples.source),
    text('main.cc', programs.mainCc),
  ];
}

/** The files as one zip, each under `folderName/`, deflated at level 6, every entry dated 2026-01-01. */
export function zipBundle(files: readonly BundleFile[], folderName: string): Uint8Array {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(folderName)) throw new ExportError(`folderName ${JSON.stringify(folderName)} must be letters, digits, _ . - (not starting with . or -)`);
  const entries: Zippable = {};
  for (const file of files) {
    const name = `${folderName}/${file.name}`;
    if (Object.hasOwn(entries, name)) throw new ExportError(`the bundle holds ${file.name} twice`);
    entries[name] = file.data;
  }
  return zipSync(entries, { level: 6, mtime: zipDate });
}
