import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { playwright } from '@vitest/browser-playwright';
import { chromiumArgs, findChromium } from './scripts/chromium.ts';
import { staticDatasets } from './scripts/vite-static-datasets.ts';

/** The folder of @tensorflow/tfjs-tflite's package.json (it has no `exports` map, so any file resolves). */
const tfliteDir = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-tflite/package.json'));

/** URL folder where {@link tfliteWasmFiles} serves the TFLite runtime; tests/deploy/tflite-runtime.ts passes it to setWasmPath. */
const TFLITE_WASM_URL = '/tflite-wasm/';

/**
 * Serves the TFLite WASM runtime of @tensorflow/tfjs-tflite (wasm/tflite_web_api_cc*.js and .wasm)
 * at /tflite-wasm/, so browser tests load it from node_modules, never from a CDN. tfjs-tflite picks
 * the variant itself (SIMD and/or threads) and loads the .js with a <script> tag, which then
 * fetches the .wasm next to it; the .js is sent as it is, past Vite's module transforms.
 */
function tfliteWasmFiles(): Plugin {
  const dir = join(tfliteDir, 'wasm');
  const name = /^tflite_web_api_cc(?:_simd)?(?:_threaded)?(?:\.worker)?\.(js|wasm)$/;
  return {
    name: 'tflite-wasm-files',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
        const file = pathname.slice(pathname.lastIndexOf('/') + 1);
        const match = name.exec(file);
        if (!pathname.startsWith(TFLITE_WASM_URL) && !match) return next();
        // Importing tfjs-tflite already starts loading the runtime from the page's own folder, before
        // setWasmPath can run; there Vite would answer with the test page's HTML, run as a script. A
        // 404 makes that early load give up quietly; the runner loads from /tflite-wasm/.
        if (!match || pathname !== TFLITE_WASM_URL + file || (req.method !== 'GET' && req.method !== 'HEAD')) {
          res.statusCode = 404;
          res.end();
          return;
        }
        const body = readFileSync(join(dir, file));
        res.statusCode = 200;
        res.setHeader('Content-Type', match[1] === 'wasm' ? 'application/wasm' : 'text/javascript');
        res.setHeader('Content-Length', body.length);
        res.end(req.method === 'HEAD' ? undefined : body);
      });
    },
  };
}

export default defineConfig({
  test: {
    projects: [
      {
        // Compiles the runes of src/state/*.svelte.ts. In Node they are built for the server, where a
        // $derived outside a component is recomputed on every read; the browser project runs the client build.
        plugins: [svelte()],
        test: {
          name: 'unit',
          environment: 'node',
          // One throwaway PostgreSQL cluster for the run; tests get its URL with inject('postgresUrl').
          globalSetup: ['tests/fixtures/postgres-global-setup.ts'],
          include: ['tests/**/*.test.ts'],
          exclude: ['tests/**/*.browser.test.ts', 'tests/**/*.e2e.test.ts'],
        },
      },
      {
        // The built app (vite build + vite preview) driven by Playwright in Chromium, WebGPU on.
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['tests/**/*.e2e.test.ts'],
          fileParallelism: false,
        },
      },
      {
        // staticDatasets: browser tests fetch the built-in datasets from /datasets/, as the app does.
        // tfliteWasmFiles: the TFLite runtime of tests/deploy/tflite-runtime.ts, at /tflite-wasm/.
        plugins: [svelte(), staticDatasets(), tfliteWasmFiles()],
        resolve: {
          // The package's `module` entry (dist/index.js) imports a file the package does not ship;
          // its single-file ES build works. Its types still come from dist/index.d.ts.
          alias: [{ find: /^@tensorflow\/tfjs-tflite$/, replacement: join(tfliteDir, 'dist/tf-tflite.fesm.js') }],
        },
        // Pre-bundled up front: discovering tfjs mid-run makes Vite reload the test page.
        optimizeDeps: {
          include: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-tflite', 'flatbuffers'],
        },
        test: {
          name: 'browser',
          include: ['tests/**/*.browser.test.ts'],
          // Components get the theme the app gives them.
          setupFiles: ['tests/ui/theme-setup.ts'],
          browser: {
            enabled: true,
            headless: true,
            provider: playwright({
              launchOptions: { executablePath: findChromium(), args: chromiumArgs },
            }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
    ],
  },
});
