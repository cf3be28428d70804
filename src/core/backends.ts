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

/** The backends that work here and were timed, fastest first (the probe's ranking). */
export function fastestFirst<T extends { readonly ok: boolean; readonly samplesPerSecond?: number }>(attempts: readonly T[]): (T & { readonly samplesPerSecond: number })[] {
  return attempts.filter((a): a is T & { samplesPerSecond: number } => a.ok && a.samplesPerSecond !== undefined).sort((a, b) => b.samplesPerSecond - a.samplesPerSecond);
}
