/**
 * The browser half of `npm run bench`'s training throughput: loads MNIST from the static datasets
 * (served at <base>datasets/ by scripts/vite-static-datasets.ts) and runs the shared routine of
 * src/tf/training-benchmark.ts on the backend asked for. The harness (src/cli/bench-training.ts)
 * calls `run` through Playwright; a person can press the button instead.
 */
import * as tf from '@tensorflow/tfjs';
import referenceCnn from '../examples/reference-cnn.json';
import { parseArchitecture } from '../src/core/architecture.ts';
import { fetchReader, loadBuiltinDataset } from '../src/data/builtin.ts';
import type { Dataset } from '../src/data/dataset.ts';
import { type BackendName, backendNames } from '../src/tf/backend.ts';
import {
  type BackendTrainingBenchmark,
  type PlainTrainingBenchmarkOptions,
  type TrainingBenchPage,
  benchmarkTrainingOn,
  describeProgress,
  trainingBenchGlobal,
  trainingBenchLogPrefix,
} from '../src/tf/training-benchmark.ts';
import { useBundledWasmFiles } from '../src/tf/wasm-files.ts';

const architecture = parseArchitecture(referenceCnn);
const logView = document.querySelector<HTMLPreElement>('#log')!;
const resultsView = document.querySelector<HTMLPreElement>('#results')!;
const button = document.querySelector<HTMLButtonElement>('#run')!;

// The tfjs banner and its debug checks are not part of what is measured.
tf.enableProdMode();
useBundledWasmFiles();

let dataset: Promise<Dataset> | null = null;
const mnist = (): Promise<Dataset> => (dataset ??= loadBuiltinDataset('mnist', fetchReader(`${import.meta.env.BASE_URL}datasets/`)));

function log(line: string): void {
  console.info(`${trainingBenchLogPrefix}${line}`);
  logView.textContent += `${line}\n`;
}

async function run(backend: BackendName, options: PlainTrainingBenchmarkOptions): Promise<BackendTrainingBenchmark> {
  const { train } = await mnist();
  log(`${backend}: probing`);
  const entry = await benchmarkTrainingOn(backend, architecture, train, { ...options, onProgress: (p) => log(`${backend}: ${describeProgress(p)}`) });
  if (entry.status === 'skipped') log(`${backend}: skipped (${entry.reason})`);
  else log(`${backend}: ours ${entry.result.ours.samplesPerSecond.toFixed(1)}, fit ${entry.result.fit.samplesPerSecond.toFixed(1)} samples/s, ours/fit ${entry.result.oursOverFit.toFixed(2)}`);
  return entry;
}

const page: TrainingBenchPage = { run };
(globalThis as Record<string, unknown>)[trainingBenchGlobal] = page;

button.addEventListener('click', async () => {
  button.disabled = true;
  resultsView.textContent = '';
  const results: BackendTrainingBenchmark[] = [];
  try {
    for (const backend of backendNames) {
      results.push(await run(backend, {}));
      resultsView.textContent = JSON.stringify(results, null, 2);
    }
  } catch (error) {
    log(`failed: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    button.disabled = false;
  }
});
