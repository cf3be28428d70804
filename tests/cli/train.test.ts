import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { CliError } from '../../src/cli/common.ts';
import { runTrain } from '../../src/cli/train-command.ts';
import type { TrialRecord } from '../../src/contracts/trial.ts';
import { parseArchitecture } from '../../src/core/architecture.ts';
import { estimate } from '../../src/core/resources.ts';
import { findPresetTarget } from '../../src/core/targets.ts';

const dir = mkdtempSync(join(tmpdir(), 'train-'));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

/** Collects the progress bar instead of printing it. */
function sink(): { stream: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  }) as unknown as NodeJS.WriteStream;
  return { stream, text: () => text };
}

async function failure(argv: string[]): Promise<CliError> {
  try {
    await runTrain(argv, { progress: sink().stream });
  } catch (error) {
    if (error instanceof CliError) return error;
    throw error;
  }
  throw new Error('expected the command to fail');
}

describe('npm run train', { timeout: 120_000 }, () => {
  it('trains, prunes channels and prints a trial record measured on the trained weights', async () => {
    const before = tf.memory().numTensors;
    const progress = sink();
    const out = await runTrain(
      ['--arch', 'examples/digits-cnn.json', '--dataset', 'digits', '--epochs', '4', '--prune', 'channels', '--sparsity', '0.5', '--fine-tune-epochs', '2', '--target', 'arduino-uno', '--target', 'microbit-v1', '--json'],
      { progress: progress.stream },
    );
    expect(tf.memory().numTensors).toBe(before);
    const record = JSON.parse(out) as TrialRecord;
    expect(record).toMatchObject({
      id: 'train-digits-1',
      status: 'completed',
      dataset: 'digits',
      // The measured recipe: Adam at 1e-2 after half an epoch of warm-up, batches of 32.
      hyperparameters: { epochs: 4, batchSize: 32, learningRate: 0.01, schedule: 'cosine', warmupEpochs: 0.5, seed: 1, pruning: { method: 'channels', sparsity: 0.5, fineTuneEpochs: 2 } },
      backend: { name: 'wasm' },
    });
    // Channel pruning halves the filters and units: 8 → 4, 16 → 8, 32 → 16.
    expect(record.sampledArchitecture).toEqual(JSON.parse(readFileSync('examples/digits-cnn.json', 'utf8')));
    expect(record.architecture.layers.map((l) => ('filters' in l ? l.filters : 'units' in l ? l.units : l.type))).toEqual([4, 'maxPool', 8, 'flatten', 16]);
    // The resources are the resource model's on the pruned architecture with the measured non-zeros.
    const targets = [findPresetTarget('arduino-uno')!, findPresetTarget('microbit-v1')!];
    const e = estimate(parseArchitecture(record.architecture), targets);
    expect(record.resources).toMatchObject({
      params: e.params,
      macs: e.macs,
      modelSizeBytes: record.metrics.nonzeroWeights + (e.params - record.metrics.totalWeights),
      workingMemoryBytes: e.paper.workingMemoryBytes,
    });
    expect(record.resources.targets.map((t) => t.id)).toEqual(['arduino-uno', 'microbit-v1']);
    expect(record.resources.flashBytes).toBe(record.resources.targets[0]!.flashBytes);
    expect(record.metrics.testAccuracy).toBeGreaterThan(0.3);
    expect(record.metrics.int8TestAccuracy).toBeGreaterThan(0.3);
    expect(record.metrics.sparsity).toBeGreaterThan(0.5); // half the channels: about three quarters of the weights
    expect(record.timings.samplesPerSecond).toBeGreaterThan(0);
    expect(progress.text()).toContain('training [');
    expect(progress.text()).toContain('fine-tuning [');
  });

  it('reaches the same test accuracy on WASM and on cpu from the same seed (within 1 point on digits)', async () => {
    const run = async (backend: string): Promise<TrialRecord> => {
      const before = tf.memory().numTensors;
      const out = await runTrain(['--arch', 'examples/digits-cnn.json', '--dataset', 'digits', '--epochs', '8', '--learning-rate', '0.005', '--backend', backend, '--json'], {
        progress: sink().stream,
      });
      expect(tf.memory().numTensors).toBe(before);
      return JSON.parse(out) as TrialRecord;
    };
    const wasm = await run('wasm');
    const cpu = await run('cpu');
    expect([wasm.backend.name, cpu.backend.name]).toEqual(['wasm', 'cpu']);
    expect(wasm.backend.reason).toMatch(/^trained|came back right/);
    // Well past chance, so that the comparison means something.
    expect(cpu.metrics.testAccuracy).toBeGreaterThan(0.8);
    expect(Math.abs(wasm.metrics.testAccuracy - cpu.metrics.testAccuracy)).toBeLessThanOrEqual(0.01);
  });

  it('prunes channels with Bayesian Compression: fewer channels than the dense network, within 3 points of its accuracy', async () => {
    const run = async (prune: string[]): Promise<TrialRecord> => {
      const before = tf.memory().numTensors;
      const out = await runTrain(['--arch', 'examples/digits-cnn.json', '--dataset', 'digits', ...prune, '--json'], { progress: sink().stream });
      expect(tf.memory().numTensors).toBe(before);
      return JSON.parse(out) as TrialRecord;
    };
    const dense = await run([]);
    const bc = await run(['--prune', 'bc']);
    const channels = (r: TrialRecord): number[] => r.architecture.layers.flatMap((l) => ('filters' in l ? [l.filters] : 'units' in l ? [l.units] : []));
    // digits-cnn.json: conv 8, separableConv 16, dense 32 (15 epochs: the recipe's about 500 steps of digits).
    expect(channels(dense)).toEqual([8, 16, 32]);
    expect(dense.hyperparameters.epochs).toBe(15);
    expect(bc.hyperparameters.pruning).toEqual({ method: 'bc', sparsity: 0.5, fineTuneEpochs: 8 });
    expect(bc.sampledArchitecture).toEqual(dense.architecture);
    const kept = channels(bc);
    expect(kept.reduce((a, b) => a + b, 0)).toBeLessThan(8 + 16 + 32);
    kept.forEach((n, i) => expect(n).toBeLessThanOrEqual(channels(dense)[i]!));
    expect(bc.resources.params).toBeLessThan(dense.resources.params);
    expect(bc.metrics.testAccuracy).toBeGreaterThanOrEqual(dense.metrics.testAccuracy - 0.03);
  });

  it.each([
    [['--arch', 'examples/digits-cnn.json', '--dataset', 'digits', '--backend', 'gpu'], 2, '--backend must be one of auto, webgpu, webgl, wasm, cpu, got "gpu"'],
    [['--arch', 'examples/digits-cnn.json', '--dataset', 'digits', '--backend', 'webgpu'], 1, '--backend webgpu: cannot train here (webgpu: navigator is missing (not a browser))'],
    [['--arch', 'examples/digits-cnn.json', '--dataset', 'digits', '--backend', 'webgl'], 1, '--backend webgl: cannot train here (webgl: not registered: tfjs offers WebGL only in a page or a worker)'],
    [['--dataset', 'digits'], 2, 'missing --arch FILE'],
    [['--arch', 'examples/digits-cnn.json'], 2, 'missing --dataset ID'],
    [['--arch', 'examples/digits-cnn.json', '--dataset', 'cifar'], 2, 'unknown dataset "cifar"; built-in datasets are digits, mnist, fashion-mnist'],
    [['--arch', 'examples/digits-cnn.json', '--dataset', 'digits', '--epochs', 'ten'], 2, '--epochs must be a whole number of at least 1, got "ten"'],
    [['--arch', 'examples/digits-cnn.json', '--dataset', 'digits', '--sparsity', '1'], 2, '--sparsity must be a number from 0 up to (not including) 1, got "1"'],
    [['--arch', 'examples/digits-cnn.json', '--dataset', 'digits', '--prune', 'random'], 2, '--prune must be magnitude, channels, svd or bc, got "random"'],
    [['--arch', 'examples/digits-cnn.json', '--dataset', 'digits', '--target', 'nope'], 1, 'unknown target "nope"'],
    [['--arch', join(dir, 'missing.json'), '--dataset', 'digits'], 1, 'cannot read architecture file'],
    [['--arch', 'examples/lenet-mnist.json', '--dataset', 'digits'], 1, `architecture file "examples/lenet-mnist.json": the architecture's input is 28×28×1, but digits has 8×8×1 images`],
  ])('rejects %j with exit code %i and a message naming the problem', async (argv, code, message) => {
    const error = await failure(argv);
    expect(error.exitCode).toBe(code);
    expect(error.message).toContain(message);
  });

  it('names the layer of an invalid architecture, as a process, without a stack trace', async () => {
    const bad = file('bad.json', JSON.stringify({ input: { height: 8, width: 8, channels: 1 }, classes: 10, layers: [{ type: 'dense', units: 4 }] }));
    const result = await promisify(execFile)(join('node_modules', '.bin', 'tsx'), ['src/cli/train.ts', '--arch', bad, '--dataset', 'digits']).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`train: architecture file "${bad}": layers[0] (dense): a dense layer needs a flatten or globalAvgPool layer before it\n`);
  });
});
