/**
 * The `--backend` option of the Node tools: WASM by default (about 10× tfjs-cpu here; see the README's
 * training bench), cpu on request, or `auto` to time both and take the faster. WebGPU and WebGL exist
 * only in a browser, and asking for them in Node says so.
 */
import type { InputShape } from '../core/architecture.ts';
import { type BackendChoice, type BackendPreference, backendNames, isBackendName, selectBackend } from '../tf/backend.ts';
import { probeArchitecture } from '../tf/backend-speed.ts';
import { CliError } from './common.ts';

export const backendUsage = 'wasm (default), cpu, or auto (the faster of the two, timed on a few training steps)';

/** The backend asked for, checked; a usage error (exit 2) names the choices. */
export function parseBackendOption(value: string | undefined): BackendPreference {
  const name = value ?? 'wasm';
  if (name === 'auto' || isBackendName(name)) return name;
  throw new CliError(`--backend must be one of auto, ${backendNames.join(', ')}, got "${value}"`, 2);
}

/**
 * Starts the backend asked for. For `auto`, times both Node backends on a small CNN shaped for the
 * data (`input`, `classes`) at `batchSize`. Fails with one line when the backend cannot run here.
 */
export async function startCliBackend(preference: BackendPreference, data: { input: InputShape; classes: number; batchSize: number }): Promise<BackendChoice> {
  try {
    if (preference !== 'auto') return await selectBackend({ candidates: [preference] });
    const architecture = probeArchitecture(data.input, data.classes);
    return await selectBackend({ candidates: ['wasm', 'cpu'], speed: { architecture, batchSize: data.batchSize } });
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new CliError(`--backend ${preference}: ${why.replace(/^No TensorFlow.js backend can train here /, 'cannot train here ')}`);
  }
}
