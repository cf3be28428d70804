/**
 * SHA-256 of a file, through Web Crypto: Node ≥ 20 has it as `globalThis.crypto`, and browsers give
 * it to pages and workers in a secure context (https, or localhost). A page opened over plain http
 * from another machine (`vite --host`) has no `crypto.subtle`, and is told how to open the page instead.
 */

/** The SHA-256 of `bytes` as 64 lowercase hex digits. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  // Typed as possibly missing: the DOM and Node typings both declare it always present.
  const subtle: typeof crypto.subtle | undefined = globalThis.crypto?.subtle;
  if (subtle === undefined) {
    throw new Error(
      'The datasets are checked with the browser\'s Web Crypto, which a page opened over plain http from another machine does not get; open the playground over https, or at http://localhost on the machine that serves it',
    );
  }
  // A copy typed Uint8Array<ArrayBuffer>, which is what `digest` accepts (a view of a SharedArrayBuffer is not).
  const digest = new Uint8Array(await subtle.digest('SHA-256', new Uint8Array(bytes)));
  return [...digest].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}
