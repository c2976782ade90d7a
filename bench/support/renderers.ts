/**
 * The map benchmark's side-by-side of renderers (issue 15: "MapLibre GL JS, or Leaflet with a canvas
 * renderer: measure, choose, say why"): web/bench/renderers.html, built here with Vite and served from
 * loopback, draws the features the map page held (the same records, the same view) with one library or the
 * other, in headless Chromium, and times the drawing, a pan and a zoom out with the longest main-thread task
 * of each. The API reads are the same for both libraries and are left out.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { build } from 'vite';
import { ROOT } from './report.js';

export type Library = 'maplibre' | 'leaflet';
export const LIBRARIES: readonly Library[] = ['maplibre', 'leaflet'];

export interface RendererRound {
  drawMs: number;
  drawLongestTaskMs: number;
  panMs: number;
  panLongestTaskMs: number;
  zoomOutMs: number;
  zoomOutLongestTaskMs: number;
}

/** What the page holds (declared here: the benchmark compiles without the DOM). */
interface Timed {
  ms: number;
  longestTaskMs: number;
}
declare const window: {
  renderers: {
    draw(library: Library): Promise<Timed & { features: number }>;
    pan(): Promise<Timed>;
    zoomOut(): Promise<Timed>;
  };
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** The renderer page, built into a scratch folder and served on loopback with the features to draw. */
export async function serveRendererPage(): Promise<{
  url: string;
  setFeatures(json: string): void;
  close(): Promise<void>;
}> {
  const web = join(ROOT, 'web');
  const out = mkdtempSync(join(tmpdir(), 'jingtu-renderers-'));
  await build({
    root: web,
    configFile: false,
    base: '/',
    logLevel: 'warn',
    build: {
      outDir: out,
      emptyOutDir: true,
      chunkSizeWarningLimit: 4000,
      rollupOptions: { input: join(web, 'bench', 'renderers.html') },
    },
  });
  let features = '{}';
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path === '/features.json') {
      response.writeHead(200, { 'content-type': 'application/json' }).end(features);
      return;
    }
    const file = resolve(out, normalize(`.${path === '/' ? '/bench/renderers.html' : path}`));
    if (!file.startsWith(out)) {
      response.writeHead(404).end();
      return;
    }
    try {
      const body = readFileSync(file);
      response
        .writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' })
        .end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    setFeatures(json) {
      features = json;
    },
    async close() {
      await new Promise((done) => server.close(done));
      rmSync(out, { recursive: true, force: true });
    },
  };
}

/** One library's round: a fresh page draws the features, then pans a fifth of the width and zooms out 1.5 levels. */
export async function measureRenderer(
  browser: Browser,
  url: string,
  library: Library,
  expected: number,
): Promise<RendererRound> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  try {
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(url);
    await page.waitForFunction(() => window.renderers, null, { timeout: 60_000 });
    const draw = await page.evaluate((name) => window.renderers.draw(name), library);
    if (draw.features !== expected)
      throw new Error(`${library} was given ${draw.features} features, not ${expected}`);
    const pan = await page.evaluate(() => window.renderers.pan());
    const zoomOut = await page.evaluate(() => window.renderers.zoomOut());
    if (problems.length) throw new Error(`${library}: ${problems.join('; ')}`);
    return {
      drawMs: draw.ms,
      drawLongestTaskMs: draw.longestTaskMs,
      panMs: pan.ms,
      panLongestTaskMs: pan.longestTaskMs,
      zoomOutMs: zoomOut.ms,
      zoomOutLongestTaskMs: zoomOut.longestTaskMs,
    };
  } finally {
    await context.close();
  }
}
