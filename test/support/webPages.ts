import type { Browser, Page } from 'playwright-core';

/**
 * The web pages (/map, /dashboard) opened in headless Chromium, for the tests: with a key (or none) and a
 * language, every request and page error recorded; the map read through its own API (window.jingtuMap),
 * and a click on a layer's first feature.
 */

/** The pages' globals, as the code run in them by `page.evaluate` sees them (the suite compiles without DOM). */
export interface PageGlobals {
  jingtuDashboard: {
    ready: Promise<void>;
    drawn: Record<string, number>;
    districts: string[];
    error?: string;
  };
  jingtuMap: {
    map?: import('maplibre-gl').Map;
    ready: Promise<void>;
    settled(): Promise<void>;
    counts(): Record<string, number>;
    loadedBox(layer: string): number[] | undefined;
    features(
      layer: string,
    ): { geometry: { type: string; coordinates: unknown }; properties: Record<string, unknown> }[];
  };
}
declare const window: PageGlobals;
declare const sessionStorage: { setItem(key: string, value: string): void };
declare const localStorage: { setItem(key: string, value: string): void };

/**
 * Records a page's requests, and its errors: uncaught ones and console errors (but those `expected`
 * says are expected).
 */
export function watchPage(
  page: Page,
  expected: (consoleError: string) => boolean = () => false,
): { requests: string[]; problems: string[] } {
  const requests: string[] = [];
  const problems: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !expected(message.text())) problems.push(`console: ${message.text()}`);
  });
  return { requests, problems };
}

export interface Opened {
  page: Page;
  requests: string[];
  problems: string[];
  counts: Record<string, number>;
  close(): Promise<void>;
}

/** Opens a page with a key (or none) and a language, recording every request and every error. */
export async function openPage(
  browser: Browser,
  base: string,
  path: string,
  key: string | null,
  lang: 'zh' | 'en' = 'zh',
) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  const { requests, problems } = watchPage(page);
  if (key) await context.addInitScript((k) => sessionStorage.setItem('jingtu.key', k), key);
  await context.addInitScript((l) => localStorage.setItem('jingtu.lang', l), lang);
  return { page, requests, problems, context, go: () => page.goto(`${base}${path}`) };
}

/** Opens /map with a key (or none), waits until every layer has loaded, and reads the counts. */
export async function openMap(browser: Browser, base: string, key: string | null): Promise<Opened> {
  const { page, requests, problems, context, go } = await openPage(browser, base, '/map', key);
  await go();
  await page.waitForFunction(() => window.jingtuMap?.map, null, { timeout: 60_000 });
  await page.evaluate(async () => {
    await window.jingtuMap.ready;
    await window.jingtuMap.settled();
  });
  const counts = await page.evaluate(() => window.jingtuMap.counts());
  return { page, requests, problems, counts, close: () => context.close() };
}

/**
 * Clicks the middle of the first loaded feature of a layer, with only that layer drawn, and waits for the
 * panel; returns the properties of the feature drawn on top at that point (what the click opens).
 */
export async function clickFirst(page: Page, dataset: string): Promise<Record<string, unknown>> {
  const centre = await page.evaluate((name) => {
    const map = window.jingtuMap.map as import('maplibre-gl').Map;
    const prefix = name === 'alerts' ? 'alerts-' : `ds-${name}-`;
    for (const id of map.getStyle().layers.map((l) => l.id))
      if (/^(ds-|alerts-)/.test(id))
        map.setLayoutProperty(id, 'visibility', id.startsWith(prefix) ? 'visible' : 'none');
    const [feature] = window.jingtuMap.features(name);
    const geometry = feature.geometry as
      | { type: 'Point'; coordinates: number[] }
      | { type: 'Polygon'; coordinates: number[][][] };
    // An alert outlines its record: click on the outline (a corner), else in the middle.
    const ring =
      geometry.type === 'Point'
        ? [geometry.coordinates]
        : name === 'alerts'
          ? [geometry.coordinates[0][0]]
          : geometry.coordinates[0].slice(1);
    const centre: [number, number] = [
      ring.reduce((s, p) => s + p[0], 0) / ring.length,
      ring.reduce((s, p) => s + p[1], 0) / ring.length,
    ];
    map.jumpTo({ center: centre, zoom: geometry.type === 'Point' ? 11 : 15 });
    return centre;
  }, dataset);
  await page.evaluate(() => window.jingtuMap.settled());
  const target = await page.evaluate(
    ({ c, name }) => {
      const map = window.jingtuMap.map as import('maplibre-gl').Map;
      const p = map.project(c);
      const box = map.getCanvas().getBoundingClientRect();
      const layers =
        name === 'alerts' ? ['alerts-line', 'alerts-point'] : [`ds-${name}-fill`, `ds-${name}-point`];
      const [top] = map.queryRenderedFeatures(p, { layers: layers.filter((id) => map.getLayer(id)) });
      return { x: box.left + p.x, y: box.top + p.y, properties: top?.properties ?? {} };
    },
    { c: centre, name: dataset },
  );
  await page.mouse.click(target.x, target.y);
  await page.waitForSelector(
    dataset === 'alerts'
      ? '.panel section.alert .evidence'
      : `.panel section[data-dataset="${dataset}"] table.fields`,
    { timeout: 20_000 },
  );
  return target.properties;
}
