import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { pageContentSecurityPolicy } from './pagePolicy.js';

/**
 * The web application (web/: the map and the dashboard), as Vite built it into web/dist (`npm run
 * build:web`, run by `npm ci`'s postinstall):
 *
 *   GET /map, /dashboard    the pages, with a CSP that lets them load and ask only this origin
 *   GET /app/*              their scripts, styles, worker and the districts' GeoJSON (hashed names cached)
 *
 * The pages hold no data: they ask /graphql with the key the user pastes (or /public without one).
 */
export const WEB_DIST = fileURLToPath(new URL('../../web/dist/', import.meta.url));

const PAGES: Record<string, string> = { '/map': 'map.html', '/dashboard': 'dashboard.html' };

// MapLibre's worker is a file of the build; it draws images from blob: URLs.
const CONTENT_SECURITY_POLICY = pageContentSecurityPolicy({ workers: true, img: ['blob:'] });

const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export function webRouter(dist = WEB_DIST): express.Router {
  const router = express.Router();
  for (const [path, file] of Object.entries(PAGES)) {
    router.get(path, (_req, res) => {
      const page = join(dist, file);
      if (!existsSync(page)) {
        res
          .status(503)
          .type('text/plain; charset=utf-8')
          .send(
            '网页尚未构建：请运行 npm run build:web / The web application is not built: run `npm run build:web`\n',
          );
        return;
      }
      res.set({
        ...SECURITY_HEADERS,
        'Content-Security-Policy': CONTENT_SECURITY_POLICY,
        'Cache-Control': 'no-cache',
        'X-Frame-Options': 'DENY',
      });
      res.sendFile(page);
    });
  }
  router.use(
    '/app',
    express.static(dist, {
      index: false,
      fallthrough: false,
      setHeaders(res, path) {
        res.set(SECURITY_HEADERS);
        // Vite names what it bundles by content; the rest may change with a build.
        res.set(
          'Cache-Control',
          path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
        if (path.endsWith('.geojson')) res.type('application/geo+json');
      },
    }),
  );
  return router;
}
