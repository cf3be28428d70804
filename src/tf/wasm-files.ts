/**
 * In the page (the search worker, the bench page, browser tests): tfjs's WASM binaries come from the
 * app's own origin, bundled by Vite, never from a CDN, so training works offline. Node finds them
 * next to the package's own script and needs none of this.
 */
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import plain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import simd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import threadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

let done = false;

/** Points tfjs at the bundled .wasm files; call it before the WASM backend starts. Later calls do nothing. */
export function useBundledWasmFiles(): void {
  if (done) return;
  setWasmPaths({ 'tfjs-backend-wasm.wasm': plain, 'tfjs-backend-wasm-simd.wasm': simd, 'tfjs-backend-wasm-threaded-simd.wasm': threadedSimd });
  done = true;
}
