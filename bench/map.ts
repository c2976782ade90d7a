/**
 * The map's benchmark (issue 15, item 6): the page in headless Chromium (Debian's, WebGL on SwiftShader)
 * over a hub with 10,000 and then 100,000 rezoned plots in view (the landUseChange layer alone, the demo's
 * plots tiled over the city by bench/support/city.ts), side by side in one run:
 *
 *   first render   from navigation to every feature drawn (the page, the catalogue, 10 or 100 pages of
 *                  1,000 plots through the bbox filter, MapLibre's drawing), wall clock
 *   pan            a pan of a fifth of the width: the view stays within the box the page read (the view
 *                  and half its size again on each side), so nothing is asked; the page's own timing
 *                  (window.jingtuMap.refreshes) from the move's end to the drawing
 *   zoom out       1.5 levels: the view outgrows that box, every record is asked again and drawn
 *   longest task   the longest main-thread task (PerformanceObserver 'longtask') from a move's start to its
 *                  drawing: what makes the map stutter
 *
 * and the ratios 100k ÷ 10k. Then the renderers side by side (bench/support/renderers.ts): the features
 * the page drew at first, in its view, drawn by MapLibre GL JS (the page's library) and by Leaflet 1.9 with
 * its canvas renderer, each in a fresh page, the order alternating by round: the drawing, a pan and a zoom
 * out, each with its longest main-thread task. Each size is its own world; the median of the rounds is
 * reported. The hub runs in a child process as deployed, without a rate limit (a 100k view is 100
 * requests).
 *
 *   npm run bench -- map           (or: node --import tsx bench/map.ts)
 *
 * Environment: BENCH_MAP_ROUNDS (3), BENCH_MAP_DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/jt_bench_map, created when missing and emptied of plots).
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import postgres from 'postgres';
import { launchChromium } from '../test/support/browser.js';
import { copyTiles } from './support/city.js';
import { benchDatabaseUrl, prepareBenchDatabase, redacted } from './support/database.js';
import { envNumber } from './support/env.js';
import { forkHub } from './support/hub.js';
import { createKeys, revokeKeys } from './support/keys.js';
import {
  LIBRARIES,
  type Library,
  measureRenderer,
  type RendererRound,
  serveRendererPage,
} from './support/renderers.js';
import { gitState, loadLine, machine, ROOT, runIfMain, writeResults } from './support/report.js';
import { fixed, spread, table, thousands } from './support/stats.js';

/** Features in view per world: 10 and 100 tiles of the demo's 1,000 plots. */
const SIZES = [10_000, 100_000] as const;
const PLOTS_PER_TILE = 1000;

interface Round {
  firstRenderMs: number;
  /** A pan of a fifth of the width: the view stays within the box the page read (padded), no request. */
  panMs: number;
  panLongestTaskMs: number;
  /** A zoom out by 1.5 levels: the view outgrows that box, every record is read and drawn again. */
  zoomOutMs: number;
  zoomOutLongestTaskMs: number;
  features: number;
}

/** What the page holds (declared here: the benchmark compiles without the DOM). */
declare const window: {
  jingtuMap: {
    map?: {
      panBy(offset: [number, number], options: { duration: number }): void;
      zoomTo(zoom: number, options: { duration: number }): void;
      getZoom(): number;
      getCanvas(): { width: number };
      getBounds(): { getWest(): number; getSouth(): number; getEast(): number; getNorth(): number };
    };
    ready: Promise<void>;
    settled(): Promise<void>;
    counts(): Record<string, number>;
    refreshes: { ms: number; features: number }[];
    loadedBox(layer: string): number[] | undefined;
    features(layer: string): unknown[];
  };
  longTasks: number[];
};
declare const PerformanceObserver: new (
  callback: (list: { getEntries(): { duration: number }[] }) => void,
) => { observe(options: { type: string; buffered?: boolean }): void };

/**
 * One round of the page. With `capture`, also what it drew at first (its view and the features, as JSON):
 * what the renderers' side-by-side draws.
 */
async function measure(base: string, key: string, capture: boolean): Promise<Round & { drawn?: string }> {
  const browser = await launchChromium({ webgl: true });
  try {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    await context.addInitScript((k) => {
      sessionStorage.setItem('jingtu.key', k);
      window.longTasks = [];
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) window.longTasks.push(entry.duration);
      }).observe({ type: 'longtask', buffered: true });
    }, key);
    const page = await context.newPage();
    const started = performance.now();
    await page.goto(`${base}/map#layers=landUseChange&alerts=off`);
    await page.waitForFunction(() => window.jingtuMap?.map, null, { timeout: 120_000 });
    await page.evaluate(async () => {
      await window.jingtuMap.ready;
      await window.jingtuMap.settled();
    });
    const firstRenderMs = performance.now() - started;
    const view = await page.evaluate(() => ({
      features: window.jingtuMap.counts().landUseChange,
      bbox: window.jingtuMap.loadedBox('landUseChange'),
    }));
    // The API says how many plots the box the page read holds: the page must have drawn them all.
    const answer = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({
        query: 'query($bbox: [Float!]) { landUseChanges(first: 1, filter: { bbox: $bbox }) { totalCount } }',
        variables: { bbox: view.bbox },
      }),
    });
    const expected = ((await answer.json()) as { data: { landUseChanges: { totalCount: number } } }).data
      .landUseChanges.totalCount;
    if (view.features !== expected)
      throw new Error(
        `the map drew ${view.features} plots where the API finds ${expected} in the box it read`,
      );
    const drawn = capture
      ? await page.evaluate(() => {
          const b = (window.jingtuMap.map as NonNullable<typeof window.jingtuMap.map>).getBounds();
          return JSON.stringify({
            bounds: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()],
            features: { type: 'FeatureCollection', features: window.jingtuMap.features('landUseChange') },
          });
        })
      : undefined;
    /** Moves the map, then waits for the refresh its moveend starts (after 200 ms) and its drawing. */
    const move = (kind: 'pan' | 'zoomOut') =>
      page.evaluate(async (kind) => {
        const api = window.jingtuMap;
        const before = api.refreshes.length;
        window.longTasks = [];
        const map = api.map as NonNullable<typeof api.map>;
        if (kind === 'pan') map.panBy([Math.round(map.getCanvas().width / 5), 0], { duration: 500 });
        else map.zoomTo(map.getZoom() - 1.5, { duration: 500 });
        while (api.refreshes.length === before) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          await api.settled();
        }
        return { ms: api.refreshes[api.refreshes.length - 1].ms, longest: Math.max(0, ...window.longTasks) };
      }, kind);
    const pan = await move('pan');
    const zoomOut = await move('zoomOut');
    await context.close();
    return {
      firstRenderMs,
      panMs: pan.ms,
      panLongestTaskMs: pan.longest,
      zoomOutMs: zoomOut.ms,
      zoomOutLongestTaskMs: zoomOut.longest,
      features: view.features,
      drawn,
    };
  } finally {
    await browser.close();
  }
}

/** Both renderers draw what the page drew, each in a fresh page, the order alternating by round. */
async function measureRenderers(
  url: string,
  round: number,
  features: number,
): Promise<Record<Library, RendererRound>> {
  const browser = await launchChromium({ webgl: true });
  try {
    const order = round % 2 ? [...LIBRARIES].reverse() : LIBRARIES;
    const measured = {} as Record<Library, RendererRound>;
    for (const library of order) measured[library] = await measureRenderer(browser, url, library, features);
    return measured;
  } finally {
    await browser.close();
  }
}
declare const sessionStorage: { setItem(key: string, value: string): void };

export async function run(): Promise<void> {
  const rounds = envNumber('BENCH_MAP_ROUNDS', 3, { integer: true, min: 1, max: 20 });
  const url = benchDatabaseUrl('BENCH_MAP_DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/jt_bench_map');
  const loadBefore = os.loadavg();
  console.log(
    `map benchmark: ${SIZES.map(thousands).join(' and ')} plots in view, ${rounds} rounds, ${redacted(url)}`,
  );
  await prepareBenchDatabase(url, 'BENCH_MAP_DATABASE_URL');
  const owner = postgres(url, { max: 1, onnotice: () => {} });
  const results: Record<number, Round[]> = {};
  const renderers: Record<number, Record<Library, RendererRound>[]> = {};
  const keys = await createKeys(url, ['ECOLOGY'], 'bench:map');
  const rendererPage = await serveRendererPage();
  try {
    for (const size of SIZES) {
      await owner`truncate land_use_change cascade`;
      const t = performance.now();
      const rows = await copyTiles(owner, 'landUseChange', size / PLOTS_PER_TILE, 'bench-map');
      console.log(`  ${thousands(rows)} plots loaded in ${fixed((performance.now() - t) / 1000)} s`);
      const hub = await forkHub({
        databaseUrl: url,
        pool: 4,
        logLevel: 'warn',
        rateLimit: false,
        name: 'the hub',
      });
      try {
        results[size] = [];
        renderers[size] = [];
        for (let r = 0; r < rounds; r++) {
          const { drawn, ...round } = await measure(hub.base, keys.ECOLOGY.key, r === 0);
          if (round.features !== size)
            throw new Error(
              `the map drew ${round.features} plots, not ${size}: the view or the paging is wrong`,
            );
          results[size].push(round);
          console.log(
            `  ${thousands(size)} loaded, ${thousands(round.features)} read, round ${r + 1}/${rounds}: first render ${fixed(round.firstRenderMs)} ms; pan ${fixed(round.panMs)} ms (longest task ${fixed(round.panLongestTaskMs)} ms); zoom out ${fixed(round.zoomOutMs)} ms (longest task ${fixed(round.zoomOutLongestTaskMs)} ms)`,
          );
          if (drawn) rendererPage.setFeatures(drawn);
          const pair = await measureRenderers(rendererPage.url, r, size);
          renderers[size].push(pair);
          for (const library of LIBRARIES) {
            const m = pair[library];
            console.log(
              `    the same plots drawn by ${library.padEnd(8)} draw ${fixed(m.drawMs)} ms (longest task ${fixed(m.drawLongestTaskMs)}); pan ${fixed(m.panMs)} ms (${fixed(m.panLongestTaskMs)}); zoom out ${fixed(m.zoomOutMs)} ms (${fixed(m.zoomOutLongestTaskMs)})`,
            );
          }
        }
      } finally {
        await hub.stop();
      }
    }
  } finally {
    await rendererPage.close();
    await revokeKeys(url, Object.values(keys));
    await owner`truncate land_use_change cascade`.catch(() => {});
    await owner.end({ timeout: 5 });
  }
  const median = (size: number, field: keyof Round) => spread(results[size].map((r) => r[field])).median;
  const [small, large] = SIZES;
  const fields = ['firstRenderMs', 'panMs', 'panLongestTaskMs', 'zoomOutMs', 'zoomOutLongestTaskMs'] as const;
  const rows = fields.map((field) => [
    field,
    fixed(median(small, field)),
    fixed(median(large, field)),
    median(small, field) > 0 ? fixed(median(large, field) / median(small, field), 2) : '—',
  ]);
  console.log(`\nmedian of ${rounds} rounds (ms)`);
  console.log(table(['', `${thousands(small)} in view`, `${thousands(large)} in view`, 'ratio'], rows, 1));
  const rendererFields = [
    'drawMs',
    'drawLongestTaskMs',
    'panMs',
    'panLongestTaskMs',
    'zoomOutMs',
    'zoomOutLongestTaskMs',
  ] as const;
  const rendererMedian = (size: number, library: Library, field: keyof RendererRound) =>
    spread(renderers[size].map((pair) => pair[library][field])).median;
  const rendererRows = SIZES.flatMap((size) =>
    rendererFields.map((field) => {
      const m = rendererMedian(size, 'maplibre', field);
      const l = rendererMedian(size, 'leaflet', field);
      return [`${thousands(size)} ${field}`, fixed(m), fixed(l), m > 0 ? fixed(l / m, 2) : '—'];
    }),
  );
  console.log(`\nthe same features drawn by each library, median of ${rounds} rounds (ms)`);
  console.log(table(['', 'MapLibre GL JS', 'Leaflet (canvas)', 'Leaflet ÷ MapLibre'], rendererRows, 1));
  const loadAfter = os.loadavg();
  console.log(loadLine(loadBefore, loadAfter));
  writeResults('map', {
    benchmark: 'map',
    when: new Date().toISOString(),
    machine: machine(loadBefore, loadAfter),
    code: await gitState(ROOT, ['src', 'web']),
    settings: {
      rounds,
      sizes: SIZES,
      browser: '/usr/bin/chromium (SwiftShader WebGL)',
      viewport: [1400, 900],
    },
    results: Object.fromEntries(
      SIZES.map((size) => [
        size,
        {
          ...Object.fromEntries(fields.map((field) => [field, spread(results[size].map((r) => r[field]))])),
          rounds: results[size],
        },
      ]),
    ),
    ratios: Object.fromEntries(rows.map((r) => [r[0], r[3] === '—' ? null : Number(r[3])])),
    renderers: {
      libraries: { maplibre: 'maplibre-gl 6.20.0 (WebGL)', leaflet: 'leaflet 1.9.4 (L.canvas renderer)' },
      results: Object.fromEntries(
        SIZES.map((size) => [
          size,
          Object.fromEntries(
            LIBRARIES.map((library) => [
              library,
              Object.fromEntries(
                rendererFields.map((field) => [
                  field,
                  spread(renderers[size].map((pair) => pair[library][field])),
                ]),
              ),
            ]),
          ),
        ]),
      ),
      leafletOverMaplibre: Object.fromEntries(
        rendererRows.map((r) => [r[0], r[3] === '—' ? null : Number(r[3])]),
      ),
    },
  });
}

runIfMain(import.meta.url, run);
