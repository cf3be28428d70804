/**
 * One export, from what training left to the bundle's parts: quantise, write the .tflite, check its
 * size against the estimator's (estimate = export, DESIGN.md §3), quantise the test samples the way
 * the model's input expects them, and write the manifest with the numbers predicted for the target.
 */
import type { Architecture } from '../core/architecture.ts';
import { type Estimate, estimate } from '../core/resources.ts';
import { runtimeProfiles } from '../core/runtimes.ts';
import type { Target } from '../core/targets.ts';
import { softmaxOutput } from '../core/tflite-graph.ts';
import { arenaAlignment } from '../core/tflm-arena.ts';
import { alignUp } from '../core/units.ts';
import { type BundleFile, bundleFiles } from './bundle.ts';
import { type ExpectFile, type ExportManifest, exportFormat, exportFormatVersion } from './manifest.ts';
import { type ActivationRange, ExportError, type FloatOpWeights, quantizeModel, quantizeValue } from './quantize.ts';
import { writeTflite } from './tflite.ts';

/** How many test images a bundle carries (fewer when the test set has fewer). */
export const defaultSampleCount = 100;

export interface ExportInput {
  readonly architecture: Architecture;
  readonly weights: readonly FloatOpWeights[];
  readonly ranges: readonly ActivationRange[];
  /** The target the predicted numbers are for; it must run TFLM. */
  readonly target: Target;
  readonly test: {
    /** Raw 0–255 pixels, NHWC, one image after another. */
    readonly images: Uint8Array;
    readonly labels: Uint8Array;
    readonly count: number;
    /** What the int8 simulation predicts for each test image. */
    readonly predictions: Int32Array;
  };
  readonly classNames: readonly string[];
  readonly source: ExportManifest['source'];
  readonly samples?: number;
  readonly createdBy: string;
}

export interface ExportResult {
  readonly tflite: Uint8Array;
  readonly manifest: ExportManifest;
  readonly testSamples: Int8Array;
  readonly expect: ExpectFile;
  readonly files: readonly BundleFile[];
  /** The estimate the prediction came from. */
  readonly estimate: Estimate;
  /** The int8 simulation's class for every test image (expect.json holds the first `count`). */
  readonly simulatedPredictions: Int32Array;
}

/** Why a target cannot take an export, or undefined when it can. */
export function whyNoExport(target: Target): string | undefined {
  const runtime = runtimeProfiles[target.runtime];
  if (runtime.family === 'tflm') return undefined;
  return `${target.name} runs the ${runtime.name} runtime: estimate only, there is no export for 8-bit AVR yet; pick a 32-bit target that runs TensorFlow Lite Micro`;
}

export function buildExport(input: ExportInput): ExportResult {
  const { architecture, target, test } = input;
  const refused = whyNoExport(target);
  if (refused !== undefined) throw new ExportError(refused);
  const model = quantizeModel(architecture, input.weights, input.ranges);
  const tflite = writeTflite(model);
  const result = estimate(architecture, [target]);
  const deploy = result.targets[0]!.deploy;
  if (deploy.flash.model !== tflite.length) {
    throw new Error(`export: the .tflite has ${tflite.length} bytes, the estimator predicted ${deploy.flash.model}; please report this architecture: ${JSON.stringify(architecture)}`);
  }
  const { input: shape, classes } = architecture;
  const bytesPerSample = shape.height * shape.width * shape.channels;
  if (test.images.length !== test.count * bytesPerSample || test.labels.length !== test.count || test.predictions.length !== test.count) {
    throw new ExportError(`the test set holds ${test.images.length} pixel bytes, ${test.labels.length} labels and ${test.predictions.length} predictions for ${test.count} images of ${bytesPerSample} bytes`);
  }
  const count = Math.min(input.samples ?? defaultSampleCount, test.count);
  if (count < 1) throw new ExportError('the test set has no images to export as test samples');
  const inputParams = model.params[model.graph.input]!;
  const scale = inputParams.scales[0]!;
  const zeroPoint = inputParams.zeroPoints[0]!;
  const testSamples = new Int8Array(count * bytesPerSample);
  for (let i = 0; i < testSamples.length; i++) testSamples[i] = quantizeValue(Math.fround(test.images[i]! / 255), scale, zeroPoint);
  const labels = Array.from(test.labels.subarray(0, count));
  const predictions = Array.from(test.predictions.subarray(0, count));
  let correct = 0;
  for (let i = 0; i < test.count; i++) if (test.predictions[i] === test.labels[i]) correct++;
  let sampleCorrect = 0;
  for (let i = 0; i < count; i++) if (predictions[i] === labels[i]) sampleCorrect++;
  const arenaUsed = deploy.arenaUsedBytes;
  const exact = zeroPoint === -128 && Math.abs(scale - 1 / 255) < 1e-9;
  const manifest: ExportManifest = {
    format: exportFormat,
    formatVersion: exportFormatVersion,
    createdBy: input.createdBy,
    architecture,
    labels: Array.from({ length: classes }, (_, c) => input.classNames[c] ?? String(c)),
    input: { shape: [1, shape.height, shape.width, shape.channels], type: 'int8', scale, zeroPoint },
    output: { shape: [1, classes], type: 'int8', ...softmaxOutput },
    normalisation: {
      float: 'x = pixel / 255, for 8-bit pixels 0–255 (the network was trained on 0–1)',
      int8: exact ? 'q = pixel − 128 (scale 1/255, zero point −128: exact for 8-bit pixels)' : `q = clamp(round(pixel / 255 / ${scale}) + ${zeroPoint}, −128, 127)`,
      layout: shape.channels === 1 ? 'row by row, top to bottom, one byte per pixel (NHWC)' : `row by row, top to bottom, ${shape.channels} channels per pixel in the dataset's order (NHWC)`,
    },
    ops: model.graph.operators.map((o) => o.builtin),
    resolverOps: model.graph.opcodes,
    tfliteBytes: tflite.length,
    target: { id: target.id, name: target.name, runtime: runtimeProfiles[target.runtime].name },
    predicted: {
      modelFlashBytes: deploy.flash.model,
      arenaBytes: arenaUsed,
      persistentBytes: deploy.sram.persistent,
      nonPersistentBytes: deploy.sram.arena,
      codeBytes: deploy.flash.runtimeCode,
      arenaSizeToConfigure: alignUp(arenaUsed + deploy.sram.margin, arenaAlignment),
    },
    int8TestAccuracy: correct / test.count,
    testSamples: { file: 'test_samples.bin', count, bytesPerSample, int8Accuracy: sampleCorrect / count },
    source: input.source,
  };
  const expect: ExpectFile = { labels, predictions };
  return { tflite, manifest, testSamples, expect, files: bundleFiles({ tflite, manifest, testSamples, expect }), estimate: result, simulatedPredictions: test.predictions };
}
