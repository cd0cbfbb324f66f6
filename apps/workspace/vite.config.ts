// Builds the single-page workspace into dist/ (served by `npm start`). The @osprio/* packages are
// workspace links whose exports are their TypeScript sources; Vite compiles them like app code.
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: './',
  plugins: [svelte()],
  resolve: {
    // Resolve the @osprio/* links to their real paths so their sources are compiled, not prebundled.
    preserveSymlinks: false,
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
    // On a busy two-core machine the Svelte compile is slow; that is not worth a warning on `npm ci`.
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
  server: { host: '127.0.0.1' },
});
