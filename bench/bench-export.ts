/**
 * The export part of `npm run bench` (issue 11): how long the microcontroller export of a trained
 * network takes (calibration, the int8 simulation over the test set, quantisation, the .tflite, the
 * C arrays and the zip), for the digits CNN on digits and LeNet on MNIST, on tfjs's WASM backend in
 * Node, the backend the page's worker picks on a CPU. Medians of several rounds after one warm-up.
 */
import * as tf from '@tensorflow/tfjs';
import type { Architecture } from '../src/core/architecture.ts';
import { median } from '../src/core/median.ts';
import { findPresetTarget } from '../src/core/targets.ts';
import { trainingRecipe } from '../src/core/training-recipe.ts';
import { loadBuiltinDataset } from '../src/data/builtin.ts';
import { nodeReader } from '../src/data/read-node.ts';
import { zipBundle } from '../src/deploy/bundle.ts';
import { exportNetwork } from '../src/engine/export-trial.ts';
import { runTrainingTrial } from '../src/engine/train-trial.ts';
import { startCliBackend } from '../src/cli/backend-option.ts';
import { readArchitectureFile } from '../src/cli/common.ts';
import { ProgressBar } from '../src/cli/progress.ts';

const cases = [
  { dataset: 'digits', architecture: 'examples/digits-cnn.json', epochs: 10 },
  { dataset: 'mnist', architecture: 'examples/lenet-mnist.json', epochs: 1 },
] as const;

export async function benchExport(rounds = 5): Promise<Record<string, unknown>> {
  tf.enableProdMode();
  const target = findPresetTarget('nano33-ble')!;
  const progress = new ProgressBar('export', cases.length * (rounds + 2));
  const report: Record<string, unknown> = {
    description: 'exportNetwork() + zipBundle() of a trained network on WASM in Node: calibration on 512 training images, the int8 simulation over the whole test set, quantisation, .tflite, C arrays, zip',
  };
  for (const c of cases) {
    const architecture: Architecture = readArchitectureFile(c.architecture);
    const dataset = await loadBuiltinDataset(c.dataset, nodeReader());
    const choice = await startCliBackend('wasm', { input: architecture.input, classes: architecture.classes, batchSize: trainingRecipe.batchSize });
    const trial = await runTrainingTrial({ id: `bench-export-${c.dataset}`, architecture, dataset, targets: [target], epochs: c.epochs, seed: 1, backend: { name: choice.backend, reason: choice.reason } });
    progress.tick();
    try {
      const times: number[] = [];
      let last: { tflite: number; zip: number; accuracy: number } | undefined;
      for (let round = 0; round <= rounds; round++) {
        const start = performance.now();
        const result = await exportNetwork(trial.network, dataset, { target, seed: 1, source: { dataset: dataset.id }, createdBy: 'bench' });
        const zip = zipBundle(result.files, 'bench');
        // Round 0 warms up (kernels compiled, buffers allocated); it is not counted.
        if (round > 0) times.push(performance.now() - start);
        last = { tflite: result.tflite.length, zip: zip.length, accuracy: result.manifest.int8TestAccuracy };
        progress.tick();
      }
      report[c.dataset] = {
        architecture: c.architecture,
        testImages: dataset.test.count,
        medianMs: Math.round(median(times)),
        roundsMs: times.map(Math.round),
        tfliteBytes: last!.tflite,
        zipBytes: last!.zip,
        int8TestAccuracy: Number(last!.accuracy.toFixed(4)),
        backend: choice.backend,
      };
    } finally {
      trial.network.dispose();
    }
  }
  progress.done();
  report.goal = { pageMs: 1000, note: 'the goal is for the page (a worker, on the backend the probe picks); this Node figure runs the same code on the same WASM backend' };
  return report;
}
