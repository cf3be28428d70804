import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { staticDatasets } from './scripts/vite-static-datasets.ts';

export default defineConfig({
  // Built-in datasets are served as static files next to the app, at <base>datasets/ (DESIGN.md §1).
  plugins: [svelte(), staticDatasets()],
  publicDir: 'public',
  worker: { format: 'es' },
});
