import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { staticDatasets } from './scripts/vite-static-datasets.ts';
import { tfjsWasmThreads } from './scripts/vite-tfjs-wasm-threads.ts';

/**
 * Cross-origin isolation, so that SharedArrayBuffer exists and tfjs's WASM backend trains on several
 * threads. Everything the page loads is its own, so `require-corp` costs nothing. A static host
 * needs to send the same two headers (README: "Hosting").
 */
export const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  // Built-in datasets are served as static files next to the app, at <base>datasets/ (DESIGN.md §1).
  plugins: [svelte(), staticDatasets()],
  publicDir: 'public',
  // The worker bundle, where tfjs runs, gets its own plugins.
  worker: { format: 'es', plugins: () => [tfjsWasmThreads()] },
  server: { headers: isolationHeaders },
  preview: { headers: isolationHeaders },
});
