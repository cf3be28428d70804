/**
 * `npm run export` and `npm run train -- --export`: the bundle a user takes to the chip, written by
 * the CLI from a trained study trial and from a training run, with the weights file of the search
 * checked as untrusted input.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CliError } from '../../src/cli/common.ts';
import { runExport } from '../../src/cli/export-command.ts';
import { runSearch } from '../../src/cli/search-command.ts';
import { runTrain } from '../../src/cli/train-command.ts';
import { parseStudyDocument } from '../../src/contracts/study-document.ts';
import { parseWeightsFile, serializeWeightsFile } from '../../src/contracts/weights-file.ts';
import { estimate } from '../../src/core/resources.ts';
import { findPresetTarget } from '../../src/core/targets.ts';
import type { ExportManifest } from '../../src/deploy/manifest.ts';

const dir = mkdtempSync(join(tmpdir(), 'export-'));
const quiet = new Writable({ write: (_chunk, _encoding, done) => done() }) as unknown as NodeJS.WriteStream;

async function failure(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (error) {
    if (error instanceof CliError) return error.message;
    throw error;
  }
  throw new Error('expected the command to fail');
}

const bundleFiles = [
  'README.txt',
  'arduino/sparse_model/model_data.cpp',
  'arduino/sparse_model/model_data.h',
  'arduino/sparse_model/sparse_model.ino',
  'arduino/sparse_model/test_samples.cpp',
  'arduino/sparse_model/test_samples.h',
  'expect.json',
  'export.json',
  'main.cc',
  'model.tflite',
  'model_data.cc',
  'model_data.h',
  'test_samples.bin',
  'test_samples.cc',
  'test_samples.h',
];

function listFiles(root: string, prefix = ''): string[] {
  return readdirSync(join(root, prefix), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(root, join(prefix, e.name)) : [join(prefix, e.name)])).sort();
}

describe('npm run export', { timeout: 300_000 }, () => {
  it('train --export writes the bundle the done-when asks for, with predictions for a TFLM target', async () => {
    const out = join(dir, 'train-bundle');
    const summary = await runTrain(['--arch', 'examples/digits-cnn.json', '--dataset', 'digits', '--epochs', '2', '--export', out], { progress: quiet });
    expect(listFiles(out)).toEqual(bundleFiles);
    const manifest = JSON.parse(readFileSync(join(out, 'export.json'), 'utf8')) as ExportManifest;
    const tflite = readFileSync(join(out, 'model.tflite'));
    // estimate = export: the estimator's model flash is the file's size, to the byte.
    expect(manifest.tfliteBytes).toBe(tflite.length);
    expect(manifest.predicted.modelFlashBytes).toBe(tflite.length);
    const architecture = JSON.parse(readFileSync('examples/digits-cnn.json', 'utf8'));
    expect(estimate(architecture, [findPresetTarget('nano33-ble')!]).targets[0]!.deploy.flash.model).toBe(tflite.length);
    expect(tflite.subarray(4, 8).toString('latin1')).toBe('TFL3');
    // The default target is the Uno, which has no export: the bundle says whose numbers it has.
    expect(manifest.target).toEqual({ id: 'nano33-ble', name: 'Arduino Nano 33 BLE', runtime: 'TFLite Micro + CMSIS-NN' });
    expect(summary).toContain('note: Arduino Uno runs the Generated C (no interpreter) runtime: estimate only, there is no export for 8-bit AVR yet');
    expect(manifest.ops).toEqual(['CONV_2D', 'MAX_POOL_2D', 'DEPTHWISE_CONV_2D', 'CONV_2D', 'RESHAPE', 'FULLY_CONNECTED', 'FULLY_CONNECTED', 'SOFTMAX']);
    expect(manifest.resolverOps).toEqual(['CONV_2D', 'MAX_POOL_2D', 'DEPTHWISE_CONV_2D', 'RESHAPE', 'FULLY_CONNECTED', 'SOFTMAX']);
    // The scale as the file stores it: float32.
    expect(manifest.input).toEqual({ shape: [1, 8, 8, 1], type: 'int8', scale: Math.fround(1 / 255), zeroPoint: -128 });
    expect(manifest.output).toEqual({ shape: [1, 10], type: 'int8', scale: 1 / 256, zeroPoint: -128 });
    expect(manifest.testSamples).toMatchObject({ file: 'test_samples.bin', count: 100, bytesPerSample: 64 });
    expect(readFileSync(join(out, 'test_samples.bin')).length).toBe(6400);
    const expected = JSON.parse(readFileSync(join(out, 'expect.json'), 'utf8')) as { labels: number[]; predictions: number[] };
    expect([expected.labels.length, expected.predictions.length]).toEqual([100, 100]);
    const source = readFileSync(join(out, 'main.cc'), 'utf8');
    expect(source).toContain(`constexpr int kTensorArenaSize = ${manifest.predicted.arenaSizeToConfigure};`);
    expect(manifest.predicted.arenaSizeToConfigure).toBeGreaterThanOrEqual(manifest.predicted.arenaBytes + 512);
  });

  it('exports a trial of a study from its kept weights, and explains what it cannot do', async () => {
    const study = join(dir, 's.json');
    await runSearch(['--dataset', 'digits', '--target', 'stm32f446re', '--trials', '2', '--epochs', '1', '--seed', '3', '--out', study], { progress: quiet });
    const doc = parseStudyDocument(readFileSync(study, 'utf8'), 's.json');
    const kept = readdirSync(join(dir, 's.weights')).sort();
    expect(kept).toEqual([...doc.paretoFront].sort().map((id) => `${id}.json`));
    const trialId = doc.paretoFront[0]!;
    const trial = doc.trials.find((t) => t.id === trialId)!;
    const out = join(dir, 'study-bundle');
    const summary = await runExport(['--study', study, '--trial', trialId, '--out', out]);
    expect(summary).toMatch(/^exported to .*study-bundle: model\.tflite [\d,]+ B/);
    // Every file is written then renamed: no .tmp is left in the bundle or beside it.
    expect(listFiles(out)).toEqual(bundleFiles);
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(out, 'export.json'), 'utf8')) as ExportManifest;
    expect(manifest.target.id).toBe('stm32f446re');
    expect(manifest.source).toEqual({ dataset: 'digits', study: doc.study.id, trial: trialId });
    // The same calibration as the trial's own int8 evaluation: the same accuracy.
    expect(manifest.int8TestAccuracy).toBeCloseTo(trial.metrics!.int8TestAccuracy, 10);

    const notKept = doc.trials.find((t) => !doc.paretoFront.includes(t.id));
    if (notKept) expect(await failure(() => runExport(['--study', study, '--trial', notKept.id, '--out', join(dir, 'x')]))).toContain('npm run search keeps the weights of the Pareto front only');
    expect(await failure(() => runExport(['--study', study, '--trial', trialId, '--out', join(dir, 'y'), '--target', 'arduino-uno']))).toBe(
      '--target arduino-uno: Arduino Uno runs the Generated C (no interpreter) runtime: estimate only, there is no export for 8-bit AVR yet; pick a 32-bit target that runs TensorFlow Lite Micro',
    );
    // A damaged weights file is refused, naming the file and the field; nothing is written.
    const weightsPath = join(dir, 's.weights', `${trialId}.json`);
    const weights = parseWeightsFile(readFileSync(weightsPath, 'utf8'), weightsPath);
    const broken = JSON.parse(serializeWeightsFile(weights));
    broken.ops[0].kernelShape = [3, 3, 1, 999];
    writeFileSync(weightsPath, JSON.stringify(broken));
    expect(await failure(() => runExport(['--study', study, '--trial', trialId, '--out', join(dir, 'z')]))).toMatch(
      new RegExp(`^${weightsPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ops: ops\\[0\\] \\(.*\\): the kernel has \\d+ values, its shape \\[3, 3, 1, 999\\] needs 8991$`),
    );
    expect(existsSync(join(dir, 'z'))).toBe(false);
  });

  it('round-trips a weights file exactly and refuses one that is not', () => {
    const weights = {
      trialId: 't.1',
      studyId: 's',
      ops: [{ name: 'classifier', kind: 'dense' as const, kernelShape: [2, 3], kernel: Float32Array.of(1, -2.5, 0, 1e-7, 3, -0), bias: Float32Array.of(0.5, 0, -1), mask: Float32Array.of(1, 1, 0, 1, 1, 1), logSigma2: null }],
    };
    const back = parseWeightsFile(serializeWeightsFile(weights), 'w.json');
    expect(back.ops[0]!.kernel).toEqual(weights.ops[0]!.kernel);
    expect(back.ops[0]!.mask).toEqual(weights.ops[0]!.mask);
    expect(back).toMatchObject({ trialId: 't.1', studyId: 's' });
    expect(() => parseWeightsFile('{"format":"x"}', 'w.json')).toThrow('w.json: format: must be "sparse-search-playground/trial-weights", got "x"');
    expect(() => parseWeightsFile('{"extra":1}', 'w.json')).toThrow('w.json: extra: is not a field of a trial weights file');
    const text = serializeWeightsFile(weights).replace('"kernel":"', '"kernel":"%%');
    expect(() => parseWeightsFile(text, 'w.json')).toThrow('w.json: ops[0].kernel: is not base64');
  });
});
