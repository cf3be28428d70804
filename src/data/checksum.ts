/**
 * SHA-256 of a file, through Web Crypto where it exists (Node ≥ 20, and browsers in a secure context:
 * https or localhost). A page opened over plain http from another machine (`vite --host`) has no
 * `crypto.subtle`, so there the same digest is computed by `sha256.ts` in plain TypeScript.
 */
import { sha256 } from './sha256.ts';

/** The SHA-256 of `bytes` as 64 lowercase hex digits. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  // Typed as possibly missing: the DOM and Node typings both declare it always present.
  const subtle: typeof crypto.subtle | undefined = globalThis.crypto?.subtle;
  // A copy typed Uint8Array<ArrayBuffer>, which is what `digest` accepts (a view of a SharedArrayBuffer is not).
  const digest = subtle === undefined ? sha256(bytes) : new Uint8Array(await subtle.digest('SHA-256', new Uint8Array(bytes)));
  return [...digest].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}
