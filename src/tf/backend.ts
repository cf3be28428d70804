/**
 * Backend choice by measured speed (DESIGN.md §6), and the one place where we ask what this runtime
 * can do. Every candidate (WebGPU, WebGL, WASM, CPU) must first compute a tiny convolution and its
 * filter gradient right, because a backend that starts can still fail at its first shader (on
 * machines without a GPU, WebGPU runs on SwiftShader, emulated on the CPU). Then, when the caller
 * gives a network, each one that passed trains it for a few steps (backend-speed.ts) and the
 * fastest wins. Never "WebGPU is fastest": on a school laptop WASM often is, and the probe shows it.
 *
 * tfjs's WASM backend trains convolutions only with the gradient kernels of wasm-kernels.ts, which
 * are registered here, with the backend.
 */
import * as tf from '@tensorflow/tfjs';
// Registers the 'webgpu' factory, but only where navigator.gpu exists (the package checks on import).
import '@tensorflow/tfjs-backend-webgpu';
// Registers the 'wasm' factory everywhere; its .wasm files load when it starts (see wasm-files.ts for the page).
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { type BackendAttempt, type BackendChoice, type BackendName, backendNames, fastestFirst } from '../core/backends.ts';
import { formatCount } from '../core/explain-format.ts';
import { type SpeedProbeOptions, measureTrainingSpeed } from './backend-speed.ts';
import { registerWasmTrainingKernels } from './wasm-kernels.ts';

export { type BackendAttempt, type BackendChoice, type BackendName, type BackendPreference, backendNames, isBackendName } from '../core/backends.ts';

/**
 * tfjs-backend-wasm registers itself at priority 2, above cpu (1), so importing it would make tfjs's
 * implicit default an asynchronous backend that nothing awaited, and any tfjs call made before a
 * backend is chosen would throw. The backend here is always chosen on purpose (selectBackend), so
 * WASM goes back below cpu: code that runs before a choice keeps the synchronous cpu default.
 */
const wasmFactory = tf.findBackendFactory('wasm');
if (wasmFactory !== null && tf.engine().backendName !== 'wasm') {
  tf.removeBackend('wasm');
  tf.registerBackend('wasm', wasmFactory, 0);
}

/** What the runtime offers, found without starting any backend. */
export interface Capabilities {
  /** `navigator.gpu` exists (WebGPU is exposed; an adapter may still be missing). */
  readonly webgpu: boolean;
  /** A WebGL context could exist here: a page, or a worker with OffscreenCanvas. */
  readonly webgl: boolean;
  /** WebAssembly exists. */
  readonly wasm: boolean;
  /** SharedArrayBuffer is usable, so WASM may run on several threads (cross-origin isolated pages; never Node). */
  readonly crossOriginIsolated: boolean;
  /** Running inside a web worker. */
  readonly worker: boolean;
  /** Running in Node (no DOM). */
  readonly node: boolean;
}

/** The few WebGPU members we read; the DOM lib of TypeScript 5.9 has no WebGPU types. */
interface GpuAdapterLike {
  readonly info?: { readonly vendor?: string; readonly architecture?: string; readonly description?: string };
  readonly isFallbackAdapter?: boolean;
}
interface GpuLike {
  requestAdapter(options?: { powerPreference?: 'low-power' | 'high-performance' }): Promise<GpuAdapterLike | null>;
}
interface RuntimeGlobals {
  readonly window?: { readonly document?: unknown };
  readonly WorkerGlobalScope?: unknown;
  readonly OffscreenCanvas?: unknown;
  readonly WebAssembly?: unknown;
  readonly crossOriginIsolated?: boolean;
  readonly process?: { readonly versions?: { readonly node?: string } };
  readonly navigator?: { readonly gpu?: GpuLike; readonly hardwareConcurrency?: number };
}

const runtime = globalThis as RuntimeGlobals;

export function detectCapabilities(): Capabilities {
  const worker = runtime.WorkerGlobalScope !== undefined;
  const page = runtime.window?.document != null;
  const node = !page && !worker && typeof runtime.process?.versions?.node === 'string';
  return {
    webgpu: runtime.navigator?.gpu !== undefined,
    webgl: page || (worker && runtime.OffscreenCanvas !== undefined),
    wasm: typeof runtime.WebAssembly === 'object',
    crossOriginIsolated: !node && runtime.crossOriginIsolated === true,
    worker,
    node,
  };
}

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Conv2D of a 3×3 input (1…9) with a 2×2 filter, and the filter's gradient of the sum of the outputs.
 * Worked by hand: each output is Σ x·f over its window; d(Σy)/df[i][j] = Σ of the 2×2 block of x
 * that f[i][j] touches = 12, 16, 24, 28. Outputs with f = [1, 0, 0, 1]: 1+5, 2+6, 4+8, 5+9.
 */
const probeInput = [1, 2, 3, 4, 5, 6, 7, 8, 9];
const probeFilter = [1, 0, 0, 1];
const expectedOutput = [6, 8, 12, 14];
const expectedFilterGradient = [12, 16, 24, 28];

/** Runs the test convolution on the current backend; returns what went wrong, or null. */
async function testConvolution(): Promise<string | null> {
  const [output, gradient] = tf.tidy(() => {
    const x = tf.tensor4d(probeInput, [1, 3, 3, 1]);
    const conv = (f: tf.Tensor4D): tf.Tensor4D => tf.conv2d(x, f, 1, 'valid');
    const filter = tf.tensor4d(probeFilter, [2, 2, 1, 1]);
    return [conv(filter), tf.grad((f: tf.Tensor) => conv(f as tf.Tensor4D).sum())(filter)];
  });
  try {
    const [y, g] = await Promise.all([output.data(), gradient.data()]);
    const close = (got: ArrayLike<number>, want: readonly number[]): boolean =>
      got.length === want.length && want.every((value, i) => Math.abs(got[i]! - value) < 1e-3);
    if (!close(y, expectedOutput)) return `a test convolution gave [${Array.from(y).join(', ')}] instead of [${expectedOutput.join(', ')}]`;
    if (!close(g, expectedFilterGradient)) return `the gradient of a test convolution gave [${Array.from(g).join(', ')}] instead of [${expectedFilterGradient.join(', ')}]`;
    return null;
  } finally {
    output.dispose();
    gradient.dispose();
  }
}

/** Renderers that emulate a GPU on the CPU (Chromium's SwiftShader, Mesa's llvmpipe), by the names their adapters give. */
const softwareRenderers: readonly [RegExp, string][] = [
  [/swiftshader/i, 'SwiftShader'],
  [/llvmpipe/i, 'llvmpipe'],
  [/softpipe/i, 'softpipe'],
  [/software/i, 'a software renderer'],
];
/** The emulator's name when `renderer` is one, else undefined. */
const softwareRenderer = (renderer: string): string | undefined => softwareRenderers.find(([pattern]) => pattern.test(renderer))?.[1];

/** Describes a WebGPU adapter, or returns why there is none. */
async function webgpuAdapter(): Promise<{ adapter: string; software: string | undefined } | { skip: string }> {
  const gpu = runtime.navigator?.gpu;
  if (gpu === undefined) {
    return { skip: runtime.navigator === undefined ? 'navigator is missing (not a browser)' : 'navigator.gpu is missing (this browser has no WebGPU, or it is turned off)' };
  }
  let adapter: GpuAdapterLike | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (error) {
    return { skip: `requesting a WebGPU adapter failed: ${message(error)}` };
  }
  if (adapter === null) return { skip: 'no WebGPU adapter (the GPU or its driver is blocklisted, or WebGPU is disabled)' };
  const info = adapter.info;
  const name = [info?.vendor, info?.architecture, info?.description].filter((part) => part).join(' ') || 'unnamed adapter';
  const software = softwareRenderer(name) ?? (adapter.isFallbackAdapter === true ? 'a fallback adapter' : undefined);
  return { adapter: name, software };
}

interface CanvasLike {
  getContext(kind: 'webgl2' | 'webgl'): WebGlLike | null;
}
interface WebGlLike {
  getExtension(name: string): { readonly UNMASKED_RENDERER_WEBGL?: number; loseContext?: () => void } | null;
  getParameter(parameter: number): unknown;
  readonly RENDERER: number;
}

/** The WebGL renderer's name, when a context can be made here to ask (a throwaway one, lost at once). */
function webglRenderer(): string | undefined {
  const globals = globalThis as { OffscreenCanvas?: new (w: number, h: number) => CanvasLike; document?: { createElement(tag: 'canvas'): CanvasLike } };
  try {
    const canvas = globals.OffscreenCanvas ? new globals.OffscreenCanvas(1, 1) : globals.document?.createElement('canvas');
    const gl = canvas?.getContext('webgl2') ?? canvas?.getContext('webgl');
    if (!gl) return undefined;
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = gl.getParameter(info?.UNMASKED_RENDERER_WEBGL ?? gl.RENDERER);
    gl.getExtension('WEBGL_lose_context')?.loseContext?.();
    return typeof renderer === 'string' ? renderer : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Why a backend cannot even be tried here, or (when it can) how to describe it before it starts, and
 * whether it is a GPU emulated on the CPU.
 */
async function precondition(backend: string): Promise<{ skip: string } | { label: string; software?: string }> {
  if (backend === 'webgpu') {
    const adapter = await webgpuAdapter();
    if ('skip' in adapter) return adapter;
    if (tf.findBackendFactory('webgpu') === null) return { skip: "tfjs's WebGPU backend is not registered" };
    const software = adapter.software;
    return { label: software ? `WebGPU emulated on the CPU (${software})` : `WebGPU on ${adapter.adapter}`, ...(software ? { software } : {}) };
  }
  if (backend === 'webgl') {
    if (tf.findBackendFactory('webgl') === null) return { skip: 'not registered: tfjs offers WebGL only in a page or a worker' };
    if (!detectCapabilities().webgl) return { skip: 'no WebGL here (a worker without OffscreenCanvas)' };
    const renderer = webglRenderer();
    const software = renderer === undefined ? undefined : softwareRenderer(renderer);
    return { label: renderer === undefined ? 'WebGL' : software ? `WebGL emulated on the CPU (${software})` : `WebGL on ${renderer}`, ...(software ? { software } : {}) };
  }
  if (backend === 'wasm') {
    if (!detectCapabilities().wasm) return { skip: 'this runtime has no WebAssembly' };
    registerWasmTrainingKernels();
    return { label: 'WASM' };
  }
  if (backend === 'cpu') return { label: 'plain JavaScript on the CPU' };
  if (tf.findBackendFactory(backend) === null) return { skip: 'not registered' };
  return { label: backend };
}

/**
 * WASM's label once it runs: SIMD or not, and on how many threads, with why only one. tfjs-wasm 4.22
 * sizes its thread pool as half the logical cores (two hyperthreads per core assumed), 1 to 8, and
 * only where SharedArrayBuffer exists (a cross-origin isolated page, never Node).
 */
async function wasmLabel(): Promise<{ label: string; note?: string }> {
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  const threads = getThreadsCount();
  const capabilities = detectCapabilities();
  const cores = runtime.navigator?.hardwareConcurrency;
  const note =
    threads > 1
      ? undefined
      : capabilities.node
        ? 'tfjs has no WASM threads in Node'
        : !capabilities.crossOriginIsolated
          ? 'the page is not cross-origin isolated'
          : cores !== undefined && cores < 4
            ? `tfjs uses half of the ${cores} logical cores`
            : undefined;
  return { label: `WASM, ${simd ? 'SIMD' : 'no SIMD'}, ${threads} thread${threads === 1 ? '' : 's'}`, ...(note ? { note } : {}) };
}

type Speed = Omit<SpeedProbeOptions, 'bestSoFar'>;

/**
 * Probes one backend. `bestSoFar` is the best rate timed before; when there is one and `passOverSoftware`
 * holds, a GPU that a software renderer emulates on the CPU is passed over without starting it: its
 * shaders alone took 3–4 s to compile here, and it then trained 10–80× slower than WASM (DESIGN.md §6,
 * and the README's training bench).
 */
async function probe(backend: string, speed: Speed | undefined, bestSoFar: number | undefined, passOverSoftware: boolean): Promise<BackendAttempt> {
  const start = performance.now();
  let label: string | undefined;
  let note: string | undefined;
  const attempt = (ok: boolean, reason: string, samplesPerSecond?: number): BackendAttempt => ({
    backend,
    ok,
    reason,
    ms: performance.now() - start,
    ...(label === undefined ? {} : { label }),
    ...(note === undefined ? {} : { note }),
    ...(samplesPerSecond === undefined ? {} : { samplesPerSecond }),
  });
  /** "WASM, SIMD, 1 thread; tfjs has no WASM threads in Node" */
  const described = (): string => (note ? `${label}; ${note}` : label!);
  const pre = await precondition(backend);
  if ('skip' in pre) return attempt(false, pre.skip);
  if (pre.software && passOverSoftware && bestSoFar !== undefined) {
    label = pre.label;
    return attempt(false, `not timed: emulated on the CPU (${pre.software}), it is slower than the CPU backends; choose it in the setup to time it anyway`);
  }
  try {
    // setBackend resolves false (and tfjs logs a warning) when the factory throws, e.g. no WebGL context.
    if (!(await tf.setBackend(backend))) return attempt(false, `tfjs could not start it (${pre.label})`);
    await tf.ready();
    ({ label, note } = backend === 'wasm' ? await wasmLabel() : { label: pre.label, note: undefined });
    const wrong = await testConvolution();
    if (wrong !== null) return attempt(false, `${wrong} (${described()})`);
    if (speed === undefined) return attempt(true, `a test convolution and its filter gradient came back right (${described()})`);
    const measured = await measureTrainingSpeed({ ...speed, bestSoFar });
    return attempt(true, `trained ${formatCount(Math.round(measured.samplesPerSecond))} samples/s (${described()})`, measured.samplesPerSecond);
  } catch (error) {
    return attempt(false, `it failed while probing: ${message(error)} (${label ?? pre.label})`);
  }
}

/**
 * "wasm (WASM, SIMD, 1 thread) 1,040 samples/s; cpu 71; webgpu (WebGPU on …) 35 → wasm (not used:
 * webgl)": the ranking, short enough to be kept with every trial; why a backend was not used is in
 * its attempt.
 */
export function describeRanking(attempts: readonly BackendAttempt[], chosen: string): string {
  const entries = fastestFirst(attempts).map((a, i) => {
    const rate = formatCount(Math.round(a.samplesPerSecond));
    const label = a.label && (a.backend !== 'cpu' || i === 0) ? ` (${a.label})` : '';
    return `${a.backend}${label} ${rate}${i === 0 ? ' samples/s' : ''}`;
  });
  const unused = attempts.filter((a) => !a.ok).map((a) => a.backend);
  return `${entries.join('; ')} → ${chosen}${unused.length > 0 ? ` (not used: ${unused.join(', ')})` : ''}`;
}

export interface SelectBackendOptions {
  /** Backends to try; default all of `backendNames`. One name forces that backend (or fails). */
  readonly candidates?: readonly string[];
  /**
   * A network and batch to time: then every backend that works trains it for a few steps and the
   * fastest wins. Without it, the first that works (in `candidates` order) is taken.
   */
  readonly speed?: Speed;
}

/**
 * Probes the candidates (see the file comment) and makes the chosen one tfjs's current backend.
 * Throws only when none works, with every reason in the message.
 */
export async function selectBackend(options: SelectBackendOptions = {}): Promise<BackendChoice> {
  const candidates = options.candidates ?? backendNames;
  const speed = options.speed;
  // The CPU-side backends start at once and set the bar; a slow GPU emulation then stops after one step.
  const order = speed ? [...candidates].sort((a, b) => Number(a !== 'wasm' && a !== 'cpu') - Number(b !== 'wasm' && b !== 'cpu')) : candidates;
  const attempts: BackendAttempt[] = [];
  let best: BackendAttempt | undefined;
  for (const backend of order) {
    const attempt = await probe(backend, speed, best?.samplesPerSecond, candidates.length > 1);
    attempts.push(attempt);
    if (!attempt.ok) continue;
    if (!speed) {
      best = attempt;
      break;
    }
    if (best === undefined || attempt.samplesPerSecond! > best.samplesPerSecond!) best = attempt;
  }
  if (best === undefined) {
    const reasons = attempts.map((a) => `${a.backend}: ${a.reason}`).join('; ');
    throw new Error(`No TensorFlow.js backend can train here (${reasons || 'none was tried'}). Try another browser, or turn on WebGL.`);
  }
  if (tf.getBackend() !== best.backend) await tf.setBackend(best.backend);
  const reason =
    !speed ? best.reason : candidates.length === 1 ? `${best.reason}; the only backend asked for` : `fastest by training speed: ${describeRanking(attempts, best.backend)}`;
  return { backend: best.backend as BackendName, reason, attempts };
}
