/**
 * The training part of `npm run bench` (issues 3 and 9): samples/s of our trainer, and of
 * tf.LayersModel.fit, for the bench networks (the reference CNN on MNIST, the digits CNN on digits)
 * in Node on tfjs's WASM and cpu backends and in headless Chromium on WebGPU, WebGL, WASM and cpu;
 * plus the backend probe as the search worker runs it, and how its pick compares with the fastest
 * backend measured. Both sides run the routine of bench/training-benchmark.ts; in Chromium it runs
 * in bench/training.html, served by a Vite dev server started here with the project's config (and
 * so cross-origin isolated, as the app is).
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
import { chromiumArgs, chromiumCandidates, findChromium } from '../scripts/chromium.ts';
import type { Architecture } from '../src/core/architecture.ts';
import { trainingRecipe } from '../src/core/training-recipe.ts';
import { loadBuiltinDataset } from '../src/data/builtin.ts';
import { nodeReader } from '../src/data/read-node.ts';
import { type BackendName, backendNames } from '../src/tf/backend.ts';
import {
  type BackendTrainingBenchmark,
  type BenchNetworkId,
  type PlainTrainingBenchmarkOptions,
  type ProbeOutcome,
  type TrainerThroughput,
  type TrainingBenchPage,
  benchLearningRate,
  benchNetworkIds,
  benchNetworks,
  benchmarkTrainingOn,
  describeProgress,
  probeBackends,
  trainingBenchGlobal,
  trainingBenchLogPrefix,
} from './training-benchmark.ts';
import { CliError, readArchitectureFile } from '../src/cli/common.ts';

const projectRoot = fileURLToPath(new URL('../', import.meta.url));
const architectureFile = (network: BenchNetworkId): string => `examples/${network}.json`;

/**
 * What both sides run: a warm-up and a probe of 2 batches each, then 3 rounds of one timed epoch per
 * trainer, the epoch sized by the probe so that a round lasts about 8 s, and at least 4 batches
 * (WebGPU on SwiftShader trained 10–25 samples/s in our runs).
 */
export const trainingBenchOptions: PlainTrainingBenchmarkOptions = {
  batchSize: trainingRecipe.batchSize,
  learningRate: benchLearningRate,
  seed: 1,
  warmUpSamples: 64,
  targetSeconds: 8,
  minSamples: 128,
  rounds: 3,
};

/** The backends Node has (tfjs offers WebGPU and WebGL only in a browser). */
export const nodeBackends: readonly BackendName[] = ['wasm', 'cpu'];

/** Per backend in Chromium, warm-up and probe included: far above the ~1 minute WebGPU needs here. */
const backendTimeoutMs = 300_000;
/** Starting the page: Vite optimises tfjs on first use, which takes a while on a cold cache. */
const pageTimeoutMs = 120_000;

export type TrainingLog = (line: string) => void;

/** One network on one backend. */
export interface NetworkRun {
  readonly network: BenchNetworkId;
  readonly entry: BackendTrainingBenchmark;
}

/** What one runtime (Node, or Chromium) measured: every network on every backend, and the probe per network. */
export interface RuntimeTrainingBench {
  readonly runs: readonly NetworkRun[];
  readonly probes: Readonly<Partial<Record<BenchNetworkId, ProbeOutcome>>>;
}

/** A bench network's architecture, from examples/. */
export function loadBenchNetwork(network: BenchNetworkId): Architecture {
  return readArchitectureFile(resolve(projectRoot, architectureFile(network)));
}

/** Our trainer against fit in this Node process, on each of its backends, for each bench network. */
export async function benchTrainingNode(log: TrainingLog, options = trainingBenchOptions): Promise<RuntimeTrainingBench> {
  // Production mode: no debug checks, and no banner asking for tfjs-node.
  tf.enableProdMode();
  const runs: NetworkRun[] = [];
  const probes: Partial<Record<BenchNetworkId, ProbeOutcome>> = {};
  for (const network of benchNetworkIds) {
    const architecture = loadBenchNetwork(network);
    const { train } = await loadBuiltinDataset(benchNetworks[network].dataset, nodeReader());
    probes[network] = await probeBackends(architecture.input, architecture.classes, options.batchSize ?? trainingRecipe.batchSize);
    for (const backend of nodeBackends) {
      log(`node ${network} on ${backend}: probing`);
      runs.push({ network, entry: await benchmarkTrainingOn(backend, architecture, train, { ...options, onProgress: (p) => log(`node ${network} on ${backend}: ${describeProgress(p)}`) }) });
    }
  }
  return { runs, probes };
}

/** The Chromium to drive, or a CliError that says how to get one. Called before any work starts. */
export function requireChromium(): string {
  const path = findChromium();
  if (path !== undefined) return path;
  const where = process.env.CHROMIUM_PATH ? `CHROMIUM_PATH (${process.env.CHROMIUM_PATH}) does not exist` : `none of ${chromiumCandidates.join(', ')} exists`;
  throw new CliError(`the training benchmark needs Chromium, and ${where}; install it (Debian: apt-get install chromium) or set CHROMIUM_PATH, or leave the browser out with --only estimator,sampler,training-node`);
}

export interface BrowserTrainingBench extends RuntimeTrainingBench {
  readonly executable: string;
  readonly version: string;
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

/** Our trainer against fit in headless Chromium, for each bench network on each backend of `backends` in turn. */
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
    /** Calls a method of the page's bench object, failing on a page error or after the time limit. */
    const onPage = <T>(what: string, method: keyof TrainingBenchPage, args: readonly unknown[]): Promise<T> => {
      const work = page.evaluate(
        ([name, m, params]) => (globalThis as unknown as Record<string, Record<string, (...a: unknown[]) => Promise<unknown>>>)[name]![m]!(...params),
        [trainingBenchGlobal, method, args] as const,
      ) as Promise<T>;
      return withTimeout(
        Promise.race([work.catch((error: unknown) => Promise.reject(new Error(`the training benchmark failed on ${what} in Chromium: ${firstLine(error).replace(/^page\.evaluate: (Error: )?/, '')}`))), failed]),
        backendTimeoutMs,
        `the training benchmark on ${what} in Chromium did not finish within ${backendTimeoutMs / 1000} s`,
      );
    };
    const runs: NetworkRun[] = [];
    const probes: Partial<Record<BenchNetworkId, ProbeOutcome>> = {};
    for (const network of benchNetworkIds) {
      probes[network] = await onPage<ProbeOutcome>(`the probe for ${network}`, 'probe', [network]);
      for (const backend of backends) runs.push({ network, entry: await onPage<BackendTrainingBenchmark>(`${network} on ${backend}`, 'run', [backend, network, options]) });
    }
    return { executable, version: browser.version(), runs, probes };
  } finally {
    await browser?.close().catch(() => {});
    await server?.close().catch(() => {});
  }
}

/** The goals of issues 3 and 9, as the bench reports them. */
const goals = {
  /** Issue 9: WASM at least 5× tfjs-cpu (our trainer on both) on the reference CNN, in Node and in Chromium. */
  wasmOverCpu: 5,
  /** Issue 9: the probe's pick at most 1.2× slower than the fastest backend measured, in Chromium. */
  fastestOverPicked: 1.2,
  /** Issues 3 and 9: our trainer never slower than fit on any backend; 1.5× on a real GPU. */
  oursOverFit: 1,
};

const round = (value: number, digits: number): number => Number(value.toFixed(digits));
const printedThroughput = (t: TrainerThroughput): Record<string, unknown> => ({
  samplesPerSecond: round(t.samplesPerSecond, 1),
  rounds: t.rounds.map((r) => round(r, 1)),
  lastEpochLoss: round(t.lastEpochLoss, 4),
});

/** One run as printed: rates to 0.1 sample/s, the ratio to 0.01. */
function printed({ network, entry }: NetworkRun): Record<string, unknown> {
  if (entry.status === 'skipped') return { network, ...entry };
  const { result } = entry;
  return {
    network,
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
  };
}

/**
 * Per network: our and fit's medians per backend, ours over fit, each backend over tfjs-cpu (ours
 * on both), and the probe's pick with the fastest backend measured over it (1 when it picked the
 * fastest).
 */
function summary(bench: RuntimeTrainingBench): Record<string, unknown> {
  return Object.fromEntries(
    benchNetworkIds.map((network) => {
      const measured = bench.runs.filter((run) => run.network === network && run.entry.status === 'measured').map((run) => run.entry as Extract<BackendTrainingBenchmark, { status: 'measured' }>);
      const ours = (backend: string): number | undefined => measured.find((m) => m.backend === backend)?.result.ours.samplesPerSecond;
      const cpu = ours('cpu');
      const fastest = measured.reduce<typeof measured[number] | undefined>((best, m) => (best === undefined || m.result.ours.samplesPerSecond > best.result.ours.samplesPerSecond ? m : best), undefined);
      const probe = bench.probes[network];
      const picked = probe ? ours(probe.backend) : undefined;
      return [
        network,
        {
          samplesPerSecond: Object.fromEntries(measured.map((m) => [m.backend, { ours: round(m.result.ours.samplesPerSecond, 1), fit: round(m.result.fit.samplesPerSecond, 1) }])),
          oursOverFit: Object.fromEntries(measured.map((m) => [m.backend, round(m.result.oursOverFit, 2)])),
          overCpu: cpu === undefined ? null : Object.fromEntries(measured.map((m) => [m.backend, round(m.result.ours.samplesPerSecond / cpu, 2)])),
          fastest: fastest?.backend ?? null,
          ...(probe
            ? {
                probe: {
                  picked: probe.backend,
                  ms: Math.round(probe.ms),
                  ranking: probe.attempts.map((a) => (a.ok ? `${a.backend} ${Math.round(a.samplesPerSecond ?? 0)}` : `${a.backend}: ${a.reason}`)),
                  fastestOverPicked: picked !== undefined && fastest ? round(fastest.result.ours.samplesPerSecond / picked, 2) : null,
                },
              }
            : {}),
        },
      ];
    }),
  );
}

/** The `training` section of bench's JSON: the parts asked for, with progress lines on stderr. */
export async function benchTraining(parts: { readonly node: boolean; readonly browser: boolean }): Promise<Record<string, unknown>> {
  const log: TrainingLog = (line) => {
    process.stderr.write(`bench training: ${line}\n`);
  };
  const node = parts.node ? await benchTrainingNode(log) : undefined;
  const browser = parts.browser ? await benchTrainingBrowser(log) : undefined;
  return {
    description:
      'samples/s of our trainer (train()) against tf.LayersModel.fit, one epoch at a time after a warm-up: same network, ' +
      'same starting weights, same images on the device, same batch size, Adam at the same constant rate, softmax ' +
      'cross-entropy from logits; the median of the timed epochs, each ended by reading a weight back so that queued GPU work counts. ' +
      'The probe is the backend choice the search worker makes (a few timed training steps on each backend).',
    networks: Object.fromEntries(benchNetworkIds.map((network) => [network, { architecture: architectureFile(network), dataset: `${benchNetworks[network].dataset}, train split` }])),
    batchSize: trainingBenchOptions.batchSize,
    learningRate: trainingBenchOptions.learningRate,
    goals,
    ...(node ? { node: { runtime: `Node ${process.version}, @tensorflow/tfjs ${tf.version.tfjs}`, summary: summary(node), runs: node.runs.map(printed) } } : {}),
    ...(browser ? { chromium: { executable: browser.executable, version: browser.version, summary: summary(browser), runs: browser.runs.map(printed) } } : {}),
  };
}
