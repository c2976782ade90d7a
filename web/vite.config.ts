import { resolve } from 'node:path';
import { defineConfig } from 'vite';
import { districts } from './build/districts.ts';

/**
 * The hub's web application (issue 15): the map (/map) and the dashboard (/dashboard), built into
 * web/dist and served by the hub (src/http/web.ts) under /app/. Everything it loads is in the build: no
 * tile, glyph, font or script from elsewhere.
 */
export default defineConfig({
  root: import.meta.dirname,
  base: '/app/',
  plugins: [districts()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // MapLibre alone is about 1 MB minified.
    chunkSizeWarningLimit: 1600,
    rollupOptions: {
      input: {
        map: resolve(import.meta.dirname, 'map.html'),
        dashboard: resolve(import.meta.dirname, 'dashboard.html'),
      },
    },
  },
  server: { proxy: { '/graphql': 'http://127.0.0.1:4000', '/public': 'http://127.0.0.1:4000' } },
});
