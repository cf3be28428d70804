/**
 * The training part of `npm run bench` (issue 3, item 7): samples/s of our trainer against
 * tf.LayersModel.fit for the reference CNN on MNIST, in Node on tfjs-cpu and in headless Chromium on
 * WebGPU, WebGL and CPU. Both sides run the routine of src/tf/training-benchmark.ts; in Chromium it
 * runs in bench/training.html, served by a Vite dev server started here with the project's config.
 *
 * Progress goes to stderr as lines. A backend that cannot train in this Chromium is reported as
 * skipped with the probe's reason; a missing Chromium, a page error or a backend past its time limit
 * stops the bench with one line.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { type Browser, type Page, chromium } from 'playwright';
import { type ViteDevServer, createServer } from 'vite';
import { chromiumArgs, chromiumCandidates, findChromium } from '../../scripts/chromium.ts';
import type { Architecture } from '../core/architecture.ts';
import { loadBuiltinDataset } from '../data/builtin.ts';
import { nodeReader } from '../data/read-node.ts';
import { type BackendName, backendNames } from '../tf/backend.ts';
import {
  type BackendTrainingBenchmark,
  type PlainTrainingBenchmarkOptions,
  type TrainerThroughput,
  type TrainingBenchPage,
  benchmarkTrainingOn,
  describeProgress,
  trainingBenchGlobal,
  trainingBenchLogPrefix,
} from '../tf/training-benchmark.ts';
import { CliError, readArchitectureFile } from './common.ts';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
export const referenceCnnFile = 'examples/reference-cnn.json';

/**
 * What both sides run: a warm-up and a probe of 2 batches each, then 3 rounds of one timed epoch per
 * trainer, the epoch sized by the probe so that a round lasts about 8 s, and at least 4 batches
 * (WebGPU on SwiftShader trained 10–25 samples/s in our runs). On the 2-core development machine the Node
 * part takes under a minute and the Chromium part about three.
 */
export const trainingBenchOptions: PlainTrainingBenchmarkOptions = {
  batchSize: 32,
  learningRate: 1e-3,
  seed: 1,
  warmUpSamples: 64,
  targetSeconds: 8,
  minSamples: 128,
  rounds: 3,
};

/** Per backend in Chromium, warm-up and probe included: far above the ~1 minute WebGPU needs here. */
const backendTimeoutMs = 300_000;
/** Starting the page: Vite optimises tfjs on first use, which takes a while on a cold cache. */
const pageTimeoutMs = 120_000;

export type TrainingLog = (line: string) => void;

/** The reference CNN of examples/reference-cnn.json. */
export function loadReferenceCnn(): Architecture {
  return readArchitectureFile(resolve(projectRoot, referenceCnnFile));
}

/** Our trainer against fit in this Node process, on tfjs's cpu backend. */
export async function benchTrainingNode(log: TrainingLog, options = trainingBenchOptions): Promise<BackendTrainingBenchmark> {
  // Production mode: no debug checks, and no banner asking for tfjs-node.
  tf.enableProdMode();
  const architecture = loadReferenceCnn();
  const { train } = await loadBuiltinDataset('mnist', nodeReader());
  log('node cpu: probing');
  return benchmarkTrainingOn('cpu', architecture, train, { ...options, onProgress: (p) => log(`node cpu: ${describeProgress(p)}`) });
}

/** The Chromium to drive, or a CliError that says how to get one. Called before any work starts. */
export function requireChromium(): string {
  const path = findChromium();
  if (path !== undefined) return path;
  const where = process.env.CHROMIUM_PATH ? `CHROMIUM_PATH (${process.env.CHROMIUM_PATH}) does not exist` : `none of ${chromiumCandidates.join(', ')} exists`;
  throw new CliError(`the training benchmark needs Chromium, and ${where}; install it (Debian: apt-get install chromium) or set CHROMIUM_PATH, or leave the browser out with --only estimator,sampler,training-node`);
}

export interface BrowserTrainingBench {
  readonly executable: string;
  readonly version: string;
  /** webgpu, webgl, cpu, in that order. */
  readonly backends: readonly BackendTrainingBenchmark[];
}

/** Rejects with `message` after `ms`, unless `promise` settles first. */
function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const firstLine = (error: unknown): string => (error instanceof Error ? error.message : String(error)).split('\n')[0]!;

/** The bench page in headless Chromium; `failed` rejects as soon as the page throws or crashes. */
async function openBenchPage(browser: Browser, url: string, log: TrainingLog): Promise<{ page: Page; failed: Promise<never> }> {
  const page = await browser.newPage();
  const consoleErrors: string[] = [];
  let fail: (error: Error) => void = () => {};
  const failed = new Promise<never>((_, reject) => {
    fail = reject;
  });
  // Only raced against the work below; never left unhandled.
  failed.catch(() => {});
  page.on('pageerror', (error) => fail(new Error(`the training benchmark page threw: ${firstLine(error)}`)));
  page.on('crash', () => fail(new Error('the training benchmark page crashed (Chromium ran out of memory, or its GPU process died)')));
  page.on('console', (message) => {
    const text = message.text();
    if (text.startsWith(trainingBenchLogPrefix)) log(`chromium ${text.slice(trainingBenchLogPrefix.length)}`);
    else if (message.type() === 'error') {
      consoleErrors.push(text);
      log(`chromium console error: ${text.split('\n')[0]}`);
    }
  });
  const start = async (): Promise<void> => {
    const response = await page.goto(url, { timeout: pageTimeoutMs });
    if (!response?.ok()) throw new Error(`the training benchmark page ${url} answered HTTP ${response?.status() ?? 'nothing'}`);
    await page.waitForFunction((name) => name in globalThis, trainingBenchGlobal, { timeout: pageTimeoutMs }).catch((error: unknown) => {
      const last = consoleErrors.at(-1);
      throw new Error(`the training benchmark page did not start within ${pageTimeoutMs / 1000} s${last ? ` (console: ${last.split('\n')[0]})` : ''}: ${firstLine(error)}`);
    });
  };
  await Promise.race([start(), failed]);
  return { page, failed };
}

async function startServer(): Promise<{ server: ViteDevServer; url: string }> {
  const server = await createServer({
    root: projectRoot,
    configFile: resolve(projectRoot, 'vite.config.ts'),
    // Vite logs its banner and notices to stdout, where the bench prints its JSON.
    logLevel: 'warn',
    clearScreen: false,
    // A port of its own (0: any free one), and no HMR: nothing here should reload the page mid-run.
    server: { host: '127.0.0.1', port: 0, strictPort: true, hmr: false },
    // Optimised before the page asks, so that Vite does not discover tfjs mid-load and reload.
    optimizeDeps: { entries: ['bench/training.html'], include: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-backend-wasm'] },
    cacheDir: resolve(projectRoot, 'node_modules/.vite-bench'),
  });
  try {
    await server.listen();
    const base = server.resolvedUrls?.local[0];
    if (base === undefined) throw new Error('the Vite dev server for the training benchmark has no local address');
    return { server, url: new URL('bench/training.html', base).href };
  } catch (error) {
    await server.close();
    throw error;
  }
}

/** Our trainer against fit in headless Chromium, on each backend of `backends` in turn. */
export async function benchTrainingBrowser(
  log: TrainingLog,
  options = trainingBenchOptions,
  backends: readonly BackendName[] = backendNames,
): Promise<BrowserTrainingBench> {
  const executable = requireChromium();
  let server: ViteDevServer | undefined;
  let browser: Browser | undefined;
  try {
    const started = await startServer();
    server = started.server;
    log(`chromium: page ${started.url}`);
    browser = await chromium.launch({ executablePath: executable, args: chromiumArgs, headless: true, timeout: pageTimeoutMs }).catch((error: unknown) => {
      throw new Error(`could not start Chromium (${executable}): ${firstLine(error)}`);
    });
    const { page, failed } = await openBenchPage(browser, started.url, log);
    const results: BackendTrainingBenchmark[] = [];
    for (const backend of backends) {
      const run = page.evaluate(
        ([name, which, opts]) => (globalThis as unknown as Record<string, TrainingBenchPage>)[name]!.run(which, opts),
        [trainingBenchGlobal, backend, options] as const,
      );
      const entry = await withTimeout(
        Promise.race([run.catch((error: unknown) => Promise.reject(new Error(`the training benchmark failed on ${backend} in Chromium: ${firstLine(error).replace(/^page\.evaluate: (Error: )?/, '')}`))), failed]),
        backendTimeoutMs,
        `the training benchmark on ${backend} in Chromium did not finish within ${backendTimeoutMs / 1000} s`,
      );
      results.push(entry);
    }
    return { executable, version: browser.version(), backends: results };
  } finally {
    await browser?.close().catch(() => {});
    await server?.close().catch(() => {});
  }
}

/** Issue 3: our trainer at least 1.5× fit on the GPU backends, and never slower on cpu. */
const goalOursOverFit = { gpu: 1.5, cpu: 1 };

const round = (value: number, digits: number): number => Number(value.toFixed(digits));
const printedThroughput = (t: TrainerThroughput): Record<string, unknown> => ({
  samplesPerSecond: round(t.samplesPerSecond, 1),
  rounds: t.rounds.map((r) => round(r, 1)),
  lastEpochLoss: round(t.lastEpochLoss, 4),
});

/** One backend's entry as printed: rates to 0.1 sample/s, the ratio to 0.01, and the goal it is held to. */
function printed(entry: BackendTrainingBenchmark): Record<string, unknown> {
  if (entry.status === 'skipped') return entry;
  const { result } = entry;
  const goal = entry.backend === 'cpu' ? goalOursOverFit.cpu : goalOursOverFit.gpu;
  return {
    backend: entry.backend,
    status: entry.status,
    reason: entry.reason,
    probeMs: Math.round(entry.probeMs),
    samples: result.samples,
    warmUpSamples: result.warmUpSamples,
    rounds: result.rounds,
    ...(result.probe ? { probe: { targetSeconds: result.probe.targetSeconds, ours: round(result.probe.ours, 1), fit: round(result.probe.fit, 1) } } : {}),
    ours: printedThroughput(result.ours),
    fit: printedThroughput(result.fit),
    oursOverFit: round(result.oursOverFit, 2),
    goal: { oursOverFit: goal, met: result.oursOverFit >= goal },
  };
}

const ratio = (entry: BackendTrainingBenchmark): number | null => (entry.status === 'measured' ? round(entry.result.oursOverFit, 2) : null);

/** The `training` section of bench's JSON: the parts asked for, with progress lines on stderr. */
export async function benchTraining(parts: { readonly node: boolean; readonly browser: boolean }): Promise<Record<string, unknown>> {
  const log: TrainingLog = (line) => {
    process.stderr.write(`bench training: ${line}\n`);
  };
  const node = parts.node ? await benchTrainingNode(log) : undefined;
  const browser = parts.browser ? await benchTrainingBrowser(log) : undefined;
  return {
    description:
      'samples/s of our trainer (train()) against tf.LayersModel.fit, one epoch at a time after a warm-up: same reference CNN, ' +
      'same starting weights, same MNIST images on the device, same batch size, Adam at the same constant rate, softmax ' +
      'cross-entropy from logits; the median of the timed epochs, each ended by reading a weight back so that queued GPU work counts',
    architecture: referenceCnnFile,
    dataset: 'mnist, train split: the first `samples` images (from the start again when more are needed)',
    batchSize: trainingBenchOptions.batchSize,
    learningRate: trainingBenchOptions.learningRate,
    ...(node ? { node: { runtime: `Node ${process.version}, @tensorflow/tfjs ${tf.version.tfjs}`, backends: [printed(node)] } } : {}),
    ...(browser ? { chromium: { executable: browser.executable, version: browser.version, backends: browser.backends.map(printed) } } : {}),
    oursOverFit: {
      ...(node ? { node: { cpu: ratio(node) } } : {}),
      ...(browser ? { chromium: Object.fromEntries(browser.backends.map((entry) => [entry.backend, ratio(entry)])) } : {}),
    },
  };
}
