import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

export default defineConfig({
  plugins: [svelte()],
  // Built-in datasets are served as static files next to the app (DESIGN.md §1).
  publicDir: 'public',
  worker: { format: 'es' },
});
