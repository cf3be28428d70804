/**
 * The exported model, checked by a real TensorFlow Lite interpreter (the TFLite runtime compiled to
 * WASM by @tensorflow/tfjs-tflite), not by our own code: trained here in Chromium on the WASM
 * backend, exported as the page exports it, then run image by image on the whole test set. Its
 * classes must agree with our int8 simulation on ≥ 99 % of the images, and its accuracy must be
 * within 0.5 points of the trial's simulated int8 accuracy (issue 11).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Architecture } from '../../src/core/architecture.ts';
import { findPresetTarget } from '../../src/core/targets.ts';
import { fetchReader, loadBuiltinDataset } from '../../src/data/builtin.ts';
import type { Dataset } from '../../src/data/dataset.ts';
import { quantizeValue } from '../../src/deploy/quantize.ts';
import { exportNetwork } from '../../src/engine/export-trial.ts';
import { runTrainingTrial } from '../../src/engine/train-trial.ts';
import { selectBackend } from '../../src/tf/backend.ts';
import { useBundledWasmFiles } from '../../src/tf/wasm-files.ts';
import digitsCnn from '../../examples/digits-cnn.json';
import lenet from '../../examples/lenet-mnist.json';
import { argmaxFirst, runTflite } from './tflite-runtime.ts';

const reader = fetchReader(`${import.meta.env.BASE_URL}datasets/`);
const nano = findPresetTarget('nano33-ble')!;

/** Every op the exporter writes: pointwise, depthwise, average pool, MEAN and a pruned channel count. */
const allOps: Architecture = {
  input: { height: 8, width: 8, channels: 1 },
  classes: 10,
  layers: [
    { type: 'conv', filters: 16, kernel: 3, stride: 1, padding: 'same' },
    { type: 'avgPool', size: 2 },
    { type: 'downsampledConv', filters: 24, bottleneck: 8, kernel: 3, stride: 1, padding: 'same' },
    { type: 'separableConv', filters: 24, kernel: 3, stride: 1, padding: 'valid' },
    { type: 'globalAvgPool' },
    { type: 'dense', units: 16 },
  ],
};

beforeAll(async () => {
  useBundledWasmFiles();
  await selectBackend({ candidates: ['wasm'] });
});

interface Checked {
  readonly agreement: number;
  readonly interpreterAccuracy: number;
  readonly simulatedAccuracy: number;
  readonly sampleAgreement: number;
}

async function trainExportAndRun(architecture: Architecture, dataset: Dataset, epochs: number, pruning: { method: 'none' | 'magnitude' | 'channels'; sparsity?: number }): Promise<Checked> {
  const before = tf.memory().numTensors;
  const trial = await runTrainingTrial({
    id: 'export-check',
    architecture,
    dataset,
    targets: [nano],
    epochs,
    seed: 3,
    pruning: { method: pruning.method, sparsity: pruning.sparsity ?? 0.5, fineTuneEpochs: Math.max(1, Math.ceil(epochs / 2)) },
    backend: { name: 'wasm', reason: 'test' },
  });
  let result;
  try {
    result = await exportNetwork(trial.network, dataset, { target: nano, seed: trial.record.hyperparameters.seed, source: { dataset: dataset.id }, createdBy: 'test' });
  } finally {
    trial.network.dispose();
  }
  expect(tf.memory().numTensors).toBe(before);
  const { manifest, tflite, testSamples } = result;
  expect(tflite.length).toBe(manifest.predicted.modelFlashBytes);
  expect(manifest.input.zeroPoint).toBe(-128);
  expect(manifest.int8TestAccuracy).toBeCloseTo(trial.record.metrics.int8TestAccuracy, 10);

  const { test } = dataset;
  const bytesPerImage = manifest.testSamples.bytesPerSample;
  const inputs = new Int8Array(test.count * bytesPerImage);
  for (let i = 0; i < inputs.length; i++) inputs[i] = quantizeValue(Math.fround(test.images[i]! / 255), manifest.input.scale, manifest.input.zeroPoint);
  // The bundle's samples are the first test images, quantised the same way.
  expect(Array.from(testSamples)).toEqual(Array.from(inputs.subarray(0, testSamples.length)));

  const run = await runTflite(tflite, inputs, test.count);
  expect([run.inputType, run.outputType, run.outputShape]).toEqual(['int8', 'int8', [1, architecture.classes]]);
  const classes = argmaxFirst(run.outputs, architecture.classes);
  // expect.json holds the simulation's classes for the first samples; the export keeps them all.
  let agree = 0;
  let correct = 0;
  let sampleAgree = 0;
  for (let i = 0; i < test.count; i++) {
    if (classes[i] === test.labels[i]) correct++;
    if (i < result.expect.predictions.length && classes[i] === result.expect.predictions[i]) sampleAgree++;
  }
  const simulated = result.simulatedPredictions;
  for (let i = 0; i < test.count; i++) if (classes[i] === simulated[i]) agree++;
  return {
    agreement: agree / test.count,
    interpreterAccuracy: correct / test.count,
    simulatedAccuracy: trial.record.metrics.int8TestAccuracy,
    sampleAgreement: sampleAgree / result.expect.predictions.length,
  };
}

function report(name: string, checked: Checked): void {
  console.info(
    `${name}: interpreter agrees with the int8 simulation on ${(100 * checked.agreement).toFixed(2)} % of the test set; ` +
      `accuracy ${(100 * checked.interpreterAccuracy).toFixed(2)} % (interpreter) vs ${(100 * checked.simulatedAccuracy).toFixed(2)} % (simulated int8); ` +
      `${(100 * checked.sampleAgreement).toFixed(0)} % of expect.json`,
  );
  expect(checked.agreement).toBeGreaterThanOrEqual(0.99);
  expect(Math.abs(checked.interpreterAccuracy - checked.simulatedAccuracy)).toBeLessThanOrEqual(0.005);
  expect(checked.sampleAgreement).toBeGreaterThanOrEqual(0.99);
}

describe('an exported model on the real TFLite interpreter', () => {
  it('digits CNN (conv, max pool, separable, flatten, dense): agrees with the simulation', async () => {
    const digits = await loadBuiltinDataset('digits', reader);
    report('digits-cnn', await trainExportAndRun(digitsCnn as Architecture, digits, 10, { method: 'magnitude', sparsity: 0.5 }));
  }, 180_000);

  it('every op (avg pool, downsampled, depthwise valid, MEAN), channel-pruned: agrees with the simulation', async () => {
    const digits = await loadBuiltinDataset('digits', reader);
    report('all-ops', await trainExportAndRun(allOps, digits, 10, { method: 'channels', sparsity: 0.25 }));
  }, 180_000);

  it('LeNet on MNIST (2,000 test images): agrees with the simulation', async () => {
    const mnist = await loadBuiltinDataset('mnist', reader);
    report('lenet-mnist', await trainExportAndRun(lenet as Architecture, mnist, 1, { method: 'none' }));
  }, 300_000);
});
