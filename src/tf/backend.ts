/**
 * Backend choice by probing (DESIGN.md §6), and the one place where we ask what this runtime can do.
 * Order: WebGPU, then WebGL, then CPU. tfjs's WASM backend is never tried: it has no
 * Conv2DBackpropFilter kernel, so it cannot train convolutions. A backend is taken only after a tiny
 * convolution and its filter gradient come back right, because a backend that starts can still fail
 * at its first shader (DESIGN.md §7: on these machines WebGPU is SwiftShader, emulated on the CPU).
 */
import * as tf from '@tensorflow/tfjs';
// Registers the 'webgpu' factory, but only where navigator.gpu exists (the package checks on import).
import '@tensorflow/tfjs-backend-webgpu';

export type BackendName = 'webgpu' | 'webgl' | 'cpu';

/** The order of DESIGN.md §6. Never hard-code "WebGPU is fastest": the probe decides. */
export const backendOrder: readonly BackendName[] = ['webgpu', 'webgl', 'cpu'];

export interface BackendAttempt {
  readonly backend: BackendName;
  readonly ok: boolean;
  /** Why it was taken or skipped, in words a user can read. */
  readonly reason: string;
  /** Time spent probing it (starting the backend, compiling and running the test kernels). */
  readonly ms: number;
}

export interface BackendChoice {
  readonly backend: BackendName;
  readonly reason: string;
  /** Every backend tried, in order, the chosen one last. */
  readonly attempts: readonly BackendAttempt[];
}

/** What the runtime offers, found without starting any backend. */
export interface Capabilities {
  /** `navigator.gpu` exists (WebGPU is exposed; an adapter may still be missing). */
  readonly webgpu: boolean;
  /** A WebGL context could exist here: a page, or a worker with OffscreenCanvas. */
  readonly webgl: boolean;
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
  readonly navigator?: { readonly gpu?: GpuLike };
  readonly window?: { readonly document?: unknown };
  readonly WorkerGlobalScope?: unknown;
  readonly OffscreenCanvas?: unknown;
  readonly process?: { readonly versions?: { readonly node?: string } };
}

const runtime = globalThis as RuntimeGlobals;

export function detectCapabilities(): Capabilities {
  const worker = runtime.WorkerGlobalScope !== undefined;
  const page = runtime.window?.document != null;
  return {
    webgpu: runtime.navigator?.gpu !== undefined,
    webgl: page || (worker && runtime.OffscreenCanvas !== undefined),
    worker,
    node: !page && !worker && typeof runtime.process?.versions?.node === 'string',
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

/** Describes a WebGPU adapter, or returns why there is none. */
async function webgpuAdapter(): Promise<{ adapter: string } | { skip: string }> {
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
  const software = adapter.isFallbackAdapter === true || /swiftshader/i.test(name);
  return { adapter: software ? `${name}, a software adapter emulated on the CPU` : name };
}

/** Why a backend cannot even be tried here, or (when it can) what to call it in the reason. */
async function precondition(backend: BackendName): Promise<{ skip: string } | { label: string }> {
  if (backend === 'webgpu') {
    const adapter = await webgpuAdapter();
    if ('skip' in adapter) return adapter;
    if (tf.findBackendFactory('webgpu') === null) return { skip: "tfjs's WebGPU backend is not registered" };
    return { label: `adapter: ${adapter.adapter}` };
  }
  if (backend === 'webgl') {
    if (tf.findBackendFactory('webgl') === null) {
      return { skip: 'not registered: tfjs offers WebGL only in a page or a worker' };
    }
    if (!detectCapabilities().webgl) return { skip: 'no WebGL here (a worker without OffscreenCanvas)' };
    return { label: 'WebGL' };
  }
  return { label: 'plain JavaScript on the CPU' };
}

async function probe(backend: BackendName): Promise<BackendAttempt> {
  const start = performance.now();
  const attempt = (ok: boolean, reason: string): BackendAttempt => ({ backend, ok, reason, ms: performance.now() - start });
  const pre = await precondition(backend);
  if ('skip' in pre) return attempt(false, pre.skip);
  try {
    // setBackend resolves false (and tfjs logs a warning) when the factory throws, e.g. no WebGL context.
    if (!(await tf.setBackend(backend))) return attempt(false, `tfjs could not start it (${pre.label})`);
    await tf.ready();
    const wrong = await testConvolution();
    if (wrong !== null) return attempt(false, `${wrong} (${pre.label})`);
  } catch (error) {
    return attempt(false, `it failed while probing: ${message(error)} (${pre.label})`);
  }
  return attempt(true, `a test convolution and its filter gradient came back right (${pre.label})`);
}

/**
 * Tries the backends in `order` (default webgpu → webgl → cpu), keeps the first that trains a test
 * convolution correctly, and makes it tfjs's current backend. Throws only when none works, with every
 * reason in the message.
 */
export async function selectBackend(order: readonly BackendName[] = backendOrder): Promise<BackendChoice> {
  const attempts: BackendAttempt[] = [];
  for (const backend of order) {
    const attempt = await probe(backend);
    attempts.push(attempt);
    if (attempt.ok) return { backend, reason: attempt.reason, attempts };
  }
  const reasons = attempts.map((a) => `${a.backend}: ${a.reason}`).join('; ');
  throw new Error(`No TensorFlow.js backend can train here (${reasons || 'none was tried'}). Try another browser, or turn on WebGL.`);
}
