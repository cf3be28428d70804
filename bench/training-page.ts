/**
 * The browser half of `npm run bench`'s training throughput: loads a bench network's dataset from the
 * static datasets (served at <base>datasets/ by scripts/vite-static-datasets.ts) and runs the shared
 * routine of training-benchmark.ts on the backend asked for, or the backend probe as the
 * search worker runs it. The harness (bench-training.ts) calls `run` and `probe` through
 * Playwright; a person can press the button instead.
 */
import * as tf from '@tensorflow/tfjs';
import digitsCnn from '../examples/digits-cnn.json';
import referenceCnn from '../examples/reference-cnn.json';
import { type Architecture, parseArchitecture } from '../src/core/architecture.ts';
import { trainingRecipe } from '../src/core/training-recipe.ts';
import { fetchReader, loadBuiltinDataset } from '../src/data/builtin.ts';
import type { Dataset } from '../src/data/dataset.ts';
import { type BackendName, backendNames } from '../src/tf/backend.ts';
import {
  type BackendTrainingBenchmark,
  type BenchNetworkId,
  type PlainTrainingBenchmarkOptions,
  type ProbeOutcome,
  type TrainingBenchPage,
  benchNetworkIds,
  benchNetworks,
  benchmarkTrainingOn,
  describeProgress,
  probeBackends,
  trainingBenchGlobal,
  trainingBenchLogPrefix,
} from './training-benchmark.ts';
import { useBundledWasmFiles } from '../src/tf/wasm-files.ts';

const architectures: Record<BenchNetworkId, Architecture> = { 'reference-cnn': parseArchitecture(referenceCnn), 'digits-cnn': parseArchitecture(digitsCnn) };
const logView = document.querySelector<HTMLPreElement>('#log')!;
const resultsView = document.querySelector<HTMLPreElement>('#results')!;
const button = document.querySelector<HTMLButtonElement>('#run')!;

// The tfjs banner and its debug checks are not part of what is measured.
tf.enableProdMode();
useBundledWasmFiles();

const datasets = new Map<string, Promise<Dataset>>();
function dataset(network: BenchNetworkId): Promise<Dataset> {
  const id = benchNetworks[network].dataset;
  let loading = datasets.get(id);
  if (loading === undefined) {
    loading = loadBuiltinDataset(id, fetchReader(`${import.meta.env.BASE_URL}datasets/`));
    datasets.set(id, loading);
  }
  return loading;
}

function log(line: string): void {
  console.info(`${trainingBenchLogPrefix}${line}`);
  logView.textContent += `${line}\n`;
}

async function run(backend: BackendName, network: BenchNetworkId, options: PlainTrainingBenchmarkOptions): Promise<BackendTrainingBenchmark> {
  const { train } = await dataset(network);
  const what = `${network} on ${backend}`;
  log(`${what}: probing`);
  const entry = await benchmarkTrainingOn(backend, architectures[network], train, { ...options, onProgress: (p) => log(`${what}: ${describeProgress(p)}`) });
  if (entry.status === 'skipped') log(`${what}: skipped (${entry.reason})`);
  else log(`${what}: ours ${entry.result.ours.samplesPerSecond.toFixed(1)}, fit ${entry.result.fit.samplesPerSecond.toFixed(1)} samples/s, ours/fit ${entry.result.oursOverFit.toFixed(2)}`);
  return entry;
}

async function probe(network: BenchNetworkId): Promise<ProbeOutcome> {
  const { input, classes } = architectures[network];
  await dataset(network);
  const outcome = await probeBackends(input, classes, trainingRecipe.batchSize);
  log(`probe for ${network}: ${outcome.backend} in ${Math.round(outcome.ms)} ms`);
  return outcome;
}

const page: TrainingBenchPage = { run, probe };
(globalThis as Record<string, unknown>)[trainingBenchGlobal] = page;

button.addEventListener('click', async () => {
  button.disabled = true;
  resultsView.textContent = '';
  const results: (BackendTrainingBenchmark | ProbeOutcome)[] = [];
  try {
    for (const network of benchNetworkIds) {
      results.push(await probe(network));
      for (const backend of backendNames) {
        results.push(await run(backend, network, {}));
        resultsView.textContent = JSON.stringify(results, null, 2);
      }
    }
  } catch (error) {
    log(`failed: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    button.disabled = false;
  }
});
