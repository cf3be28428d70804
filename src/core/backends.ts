/**
 * The tfjs backends a study can train on, by the names tfjs gives them. The probe that chooses among
 * them lives in src/tf/backend.ts; the names live here so that the worker contract, the setup and the
 * CLI share one list.
 */
export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';

/** Every backend, in the order the setup lists them. */
export const backendNames: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

/** What a user asks for: the fastest backend that works here (`auto`), or one of them. */
export type BackendPreference = 'auto' | BackendName;

export const isBackendName = (value: string): value is BackendName => (backendNames as readonly string[]).includes(value);

/** One backend the probe tried: whether it works here, why, and how fast it trained. */
export interface BackendAttempt {
  readonly backend: string;
  readonly ok: boolean;
  /** Why it was taken or skipped, in words a user can read. */
  readonly reason: string;
  /** Time spent probing it (starting the backend, compiling and running the test kernels, timing). */
  readonly ms: number;
  /** How it runs here, e.g. "WASM, SIMD, 2 threads"; absent when it could not start. */
  readonly label?: string;
  /** Why it runs as it does, when that needs saying, e.g. "tfjs uses half of the 2 logical cores". */
  readonly note?: string;
  /** Training speed on the probe's network, when it was timed. */
  readonly samplesPerSecond?: number;
}

/** The backend chosen, why, and every backend tried, in the order tried. */
export interface BackendChoice {
  readonly backend: BackendName;
  readonly reason: string;
  readonly attempts: readonly BackendAttempt[];
}

/** The backends that work here and were timed, fastest first (the probe's ranking). */
export function fastestFirst<T extends { readonly ok: boolean; readonly samplesPerSecond?: number }>(attempts: readonly T[]): (T & { readonly samplesPerSecond: number })[] {
  return attempts.filter((a): a is T & { samplesPerSecond: number } => a.ok && a.samplesPerSecond !== undefined).sort((a, b) => b.samplesPerSecond - a.samplesPerSecond);
}
