import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { playwright } from '@vitest/browser-playwright';
import { chromiumArgs, findChromium } from './scripts/chromium.ts';
import { staticDatasets } from './scripts/vite-static-datasets.ts';

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
        plugins: [svelte(), staticDatasets()],
        // Pre-bundled up front: discovering tfjs mid-run makes Vite reload the test page.
        optimizeDeps: { include: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-backend-wasm'] },
        test: {
          name: 'browser',
          include: ['tests/**/*.browser.test.ts'],
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
