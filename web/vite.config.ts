import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

const root = fileURLToPath(new URL('.', import.meta.url));
const repo = fileURLToPath(new URL('..', import.meta.url));
const api = process.env.CITYLENS_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root,
  base: '/',
  plugins: [svelte()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // MapLibre alone is ~1 MB minified; it is one cacheable, immutable file.
    chunkSizeWarningLimit: 2000,
    rolldownOptions: {
      output: {
        // Keep the big libraries in their own long-lived chunks so an app change re-downloads only the app.
        codeSplitting: {
          groups: [
            // Vite's dynamic-import helper on its own: left in the deck.gl chunk, it made the app import that
            // chunk statically, and deck.gl is loaded lazily (once the map has started).
            { name: 'preload', test: /vite[\\/]preload-helper/, priority: 10 },
            { name: 'maplibre', test: /node_modules[\\/]maplibre-gl/ },
            { name: 'deck', test: /node_modules[\\/](@deck\.gl|@luma\.gl|@loaders\.gl|@math\.gl|@probe\.gl)/ },
          ],
        },
      },
    },
  },
  server: {
    // `npm run dev:web` next to `npm start`: the API, tiles and style come from the running server.
    proxy: Object.fromEntries(['/api', '/tiles', '/style.json', '/basemap', '/bulletin'].map((p) => [p, api])),
    fs: { allow: [repo] },
  },
});
