import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerStatus } from '../../src/catalog/datasets/contaminatedSite.js';
import { checkFreshness } from '../../src/jobs/freshness.js';
import { evaluateRules } from '../../src/supervision/evaluate.js';
import { LAYERS } from '../../web/src/layers.js';
import { launchChromium } from '../support/browser.js';
import { withTestHub } from '../support/hub.js';
import { demoData, seed } from '../support/seed.js';
import {
  clickFirst,
  openMap as openMapIn,
  openPage as openPageIn,
  type PageGlobals,
} from '../support/webPages.js';

/**
 * The web application in headless Chromium over the demo data. The map (/map, issue 15): every layer shows features (counted
 * through the page's own API, window.jingtuMap, not in pixels), no request leaves the hub, a click opens
 * a record's details as the key reads them, a district sees its district, masked stays masked, and the
 * public view works without a key. The dashboard (/dashboard): the indicators, alerts,
 * freshness and overdue grants as the API gives them to the key. Screenshots go to test-output/web/.
 */
declare const window: PageGlobals;
declare function createImageBitmap(image: Blob): Promise<{ width: number; height: number }>;
declare class OffscreenCanvas {
  constructor(width: number, height: number);
  getContext(kind: '2d'): {
    drawImage(image: unknown, x: number, y: number): void;
    getImageData(x: number, y: number, width: number, height: number): { data: Uint8ClampedArray };
  };
}

const SHOTS = join(process.cwd(), 'test-output', 'web');
const MAP_LAYERS = [
  'farmlandClass',
  'landUseChange',
  'constructionPermit',
  'closedEnterprise',
  'keySupervisedUnit',
  'priorityPlot',
  'contaminatedSite',
  'soilMonitoringNetwork',
  'soilMonitoring',
  'irrigationWell',
];
/** 朝阳区: a district principal, whose key reads its own district's rows only. */
const DISTRICT = '110105';

const hub = withTestHub();
let browser: Browser;

beforeAll(async () => {
  // The pages as the sources are now (the install builds them too).
  await build({ configFile: join(process.cwd(), 'web', 'vite.config.ts'), logLevel: 'warn' });
  await seed(hub.database.db).scenario(demoData);
  await evaluateRules(hub.database.sql);
  // What the hourly job records: the dashboard shows each dataset against its update cycle.
  await checkFreshness(hub.database.db);
  browser = await launchChromium({ webgl: true });
  mkdirSync(SHOTS, { recursive: true });
}, 300_000);

afterAll(async () => {
  await browser?.close();
});

const openPage = (path: string, key: string | null, lang: 'zh' | 'en' = 'zh') =>
  openPageIn(browser, hub.url, path, key, lang);
const openMap = (key: string | null) => openMapIn(browser, hub.url, key);

const external = (requests: string[]) => requests.filter((url) => new URL(url).origin !== hub.url);

describe('the map (Chromium)', () => {
  it('serves the page with a same-origin CSP and the districts as WGS84 GeoJSON', async () => {
    const page = await fetch(`${hub.url}/map`);
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("script-src 'self'");
    const html = await page.text();
    expect((html.match(/https?:\/\/[^\s"'<>)]*/g) ?? []).filter((u) => !u.startsWith(hub.url))).toEqual([]);
    const districts = await fetch(`${hub.url}/app/base/beijing-districts.geojson`);
    expect(districts.headers.get('content-type')).toContain('application/geo+json');
    const collection = (await districts.json()) as {
      source: string;
      features: {
        properties: { code: string; name: string };
        geometry: { type: string; coordinates: number[][][][] | number[] };
      }[];
    };
    expect(collection.source).toContain('@esmjs/geo');
    // The 16 districts drawn, and E-Town (which the package does not draw) as a label point.
    expect(collection.features.filter((f) => f.geometry.type === 'MultiPolygon')).toHaveLength(16);
    expect(collection.features.find((f) => f.properties.code === '110400')?.geometry.type).toBe('Point');
    expect(collection.features.find((f) => f.properties.code === DISTRICT)?.properties.name).toBe('朝阳区');
    for (const f of collection.features)
      for (const [lon, lat] of f.geometry.type === 'Point'
        ? [f.geometry.coordinates as number[]]
        : (f.geometry.coordinates as number[][][][]).flat(2)) {
        expect(lon).toBeGreaterThan(115.4);
        expect(lon).toBeLessThan(117.6);
        expect(lat).toBeGreaterThan(39.4);
        expect(lat).toBeLessThan(41.1);
      }
    expect((await fetch(`${hub.url}/app/../package.json`)).status).toBe(404);
  });

  it('shows every layer and the alerts for ECOLOGY, asks only the hub, and opens a register site', {
    timeout: 120_000,
  }, async () => {
    const map = await openMap(await hub.key('ECOLOGY'));
    try {
      await map.page.screenshot({ path: join(SHOTS, 'ecology.png') });
      for (const layer of MAP_LAYERS) expect(map.counts[layer], layer).toBeGreaterThan(0);
      expect(map.counts.alerts).toBeGreaterThan(0);
      expect(map.requests.some((url) => url.endsWith('/graphql'))).toBe(true);
      expect(external(map.requests)).toEqual([]);
      expect(map.problems).toEqual([]);
      // The legend names the values in Chinese, from the schema (the catalogue's enum).
      expect(await map.page.textContent('li[data-layer="contaminatedSite"] li[data-value="LISTED"]')).toBe(
        registerStatus.values.LISTED.zh,
      );

      const site = await clickFirst(map.page, 'contaminatedSite');
      const panel = map.page.locator('.panel section[data-dataset="contaminatedSite"]');
      expect(await panel.locator('h2').textContent()).toContain(String(site.siteCode));
      expect(await panel.locator('tr[data-field="siteCode"] td').textContent()).toBe(String(site.siteCode));
      const graphiql = await panel.locator('a.graphiql').getAttribute('href');
      expect(decodeURIComponent(graphiql ?? '')).toContain(`contaminatedSite(siteCode: "${site.siteCode}")`);
      // An enum's value by its description, the value itself kept beside it.
      const status = panel.locator('tr[data-field="status"] td');
      const value = (await status.getAttribute('data-value')) as keyof typeof registerStatus.values;
      expect(Object.keys(registerStatus.values)).toContain(value);
      expect(await status.textContent()).toBe(registerStatus.values[value].zh);
      // Its cross-links, from the schema: the rezoned plots over it.
      expect(await panel.locator('.links[data-link="overlappingLandUseChanges"]').count()).toBe(1);
      await map.page.screenshot({ path: join(SHOTS, 'ecology-site.png') });
      expect(external(map.requests)).toEqual([]);
    } finally {
      await map.close();
    }
  });

  it('keeps a masked field masked in the panel', { timeout: 120_000 }, async () => {
    const key = await hub.key('ECOLOGY');
    const { body } = await hub.graphql(key, '{ myAccess { dataset fields { field mode } } }');
    const permit = body.data.myAccess.find((a: { dataset: string }) => a.dataset === 'constructionPermit');
    expect(permit.fields.find((f: { field: string }) => f.field === 'contactPerson').mode).toBe('MASKED');
    const map = await openMap(key);
    try {
      const properties = await clickFirst(map.page, 'constructionPermit');
      const row = map.page.locator('.panel tr[data-field="contactPerson"]');
      expect(await row.getAttribute('data-mode')).toBe('MASKED');
      expect(await row.locator('.badge.masked').count()).toBe(1);
      // The clear value, as its owner reads it, is not on the page.
      const owner = await hub.graphql(
        await hub.key('HOUSING'),
        `{ constructionPermit(permitNo: ${JSON.stringify(properties.permitNo)}) { contactPerson } }`,
      );
      const clear = owner.body.data.constructionPermit.contactPerson as string;
      expect(clear).toBeTruthy();
      expect(await row.locator('td').textContent()).not.toContain(clear);
      await map.page.screenshot({ path: join(SHOTS, 'ecology-masked.png') });
    } finally {
      await map.close();
    }
  });

  it('filters every layer and the alerts by year, and exports what it shows as GeoJSON and PNG', {
    timeout: 120_000,
  }, async () => {
    const key = await hub.key('ECOLOGY');
    const map = await openMap(key);
    try {
      const all = map.counts;
      const year = new Date().getFullYear() - 2;
      await map.page.selectOption('select[name="year"]', String(year));
      await map.page.evaluate(() => window.jingtuMap.settled());
      const counts = await map.page.evaluate(() => window.jingtuMap.counts());
      const { body } = await hub.graphql(key, '{ myAccess { dataset fields { field mode } } }');
      const clear = (dataset: string, field: string) =>
        body.data.myAccess
          .find((a: { dataset: string }) => a.dataset === dataset)
          .fields.find((f: { field: string }) => f.field === field)?.mode === 'CLEAR';
      for (const { dataset, yearField } of LAYERS) {
        expect(counts[dataset], dataset).toBeLessThanOrEqual(all[dataset]);
        // A layer whose date the key reads is filtered by it, and says so when it is not.
        const note = map.page.locator(`li[data-layer="${dataset}"] .year-note`);
        expect(await note.isHidden(), dataset).toBe(clear(dataset, yearField));
        if (!clear(dataset, yearField)) continue;
        const dates = await map.page.evaluate(
          ([name, field]) => window.jingtuMap.features(name).map((f) => f.properties[field]),
          [dataset, yearField],
        );
        expect(dates.length, dataset).toBe(counts[dataset]);
        for (const date of dates) expect(String(date).slice(0, 4), dataset).toBe(String(year));
      }
      // Filtered, not emptied: the register's sites listed that year in the box read, as the API counts them.
      const box = await map.page.evaluate(() => window.jingtuMap.loadedBox('contaminatedSite'));
      const listed = await hub.graphql(
        key,
        `query ($box: [Float!], $from: Date, $to: Date) {
           contaminatedSites(first: 1, filter: { bbox: $box, listedOn: { from: $from, to: $to } }) { totalCount } }`,
        { box, from: `${year}-01-01`, to: `${year}-12-31` },
      );
      expect(counts.contaminatedSite).toBe(listed.body.data.contaminatedSites.totalCount);
      expect(counts.contaminatedSite).toBeGreaterThan(0);
      expect(counts.contaminatedSite).toBeLessThan(all.contaminatedSite);
      // The alerts first seen that year (this run's alerts were first seen now).
      const alerts = await hub.graphql(
        key,
        `query ($from: DateTime, $before: DateTime) {
           alerts(first: 1, state: [OPEN, ACKNOWLEDGED], firstSeenFrom: $from, firstSeenBefore: $before) { totalCount } }`,
        { from: `${year}-01-01T00:00:00+08:00`, before: `${year + 1}-01-01T00:00:00+08:00` },
      );
      expect(counts.alerts).toBeLessThanOrEqual(alerts.body.data.alerts.totalCount);
      expect(counts.alerts).toBeLessThan(all.alerts);
      await map.page.screenshot({ path: join(SHOTS, 'ecology-year.png') });

      // The GeoJSON export: what the map holds, layer by layer, each feature with its dataset and date.
      const [geojson] = await Promise.all([
        map.page.waitForEvent('download'),
        map.page.click('button:has-text("导出 GeoJSON")'),
      ]);
      expect(geojson.suggestedFilename()).toBe('jingtu-map.geojson');
      const exported = JSON.parse(readFileSync((await geojson.path()) as string, 'utf8')) as {
        type: string;
        features: { type: string; geometry: { type: string }; properties: Record<string, unknown> }[];
      };
      expect(exported.type).toBe('FeatureCollection');
      const held = await map.page.evaluate(
        (layers) => Object.fromEntries(layers.map((l) => [l, window.jingtuMap.features(l).length])),
        [...MAP_LAYERS, 'alerts'],
      );
      const perDataset = new Map<string, number>();
      for (const f of exported.features) {
        expect(f.type).toBe('Feature');
        expect(f.geometry.type).toMatch(/Point|Polygon/);
        const name = f.properties.alert ? 'alerts' : String(f.properties.dataset);
        perDataset.set(name, (perDataset.get(name) ?? 0) + 1);
      }
      expect(Object.fromEntries(perDataset)).toEqual(
        Object.fromEntries(Object.entries(held).filter(([, n]) => n > 0)),
      );
      for (const f of exported.features)
        if (f.properties.dataset === 'contaminatedSite' && !f.properties.alert)
          expect(String(f.properties.listedOn).slice(0, 4)).toBe(String(year));

      // The PNG export: the map as drawn, at the canvas's size, not a blank buffer.
      const [png] = await Promise.all([
        map.page.waitForEvent('download'),
        map.page.click('button:has-text("导出 PNG")'),
      ]);
      const bytes = readFileSync((await png.path()) as string);
      expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      const drawn = await map.page.evaluate(async (base64) => {
        const image = await createImageBitmap(
          new Blob([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], { type: 'image/png' }),
        );
        const canvas = new OffscreenCanvas(image.width, image.height);
        const context = canvas.getContext('2d');
        context.drawImage(image, 0, 0);
        const pixels = context.getImageData(0, 0, image.width, image.height).data;
        const colours = new Set<number>();
        for (let i = 0; i < pixels.length; i += 4 * 97)
          colours.add((pixels[i] << 16) | (pixels[i + 1] << 8) | pixels[i + 2]);
        const mapCanvas = (window.jingtuMap.map as import('maplibre-gl').Map).getCanvas();
        return {
          width: image.width,
          height: image.height,
          canvas: [mapCanvas.width, mapCanvas.height],
          colours: colours.size,
        };
      }, bytes.toString('base64'));
      expect([drawn.width, drawn.height]).toEqual(drawn.canvas);
      // The base map's land and water, the districts' lines and the layers: many colours, not one.
      expect(drawn.colours).toBeGreaterThan(20);
      expect(map.problems).toEqual([]);
      expect(external(map.requests)).toEqual([]);
    } finally {
      await map.close();
    }
  });

  it('shows a district only its district, and opens there', { timeout: 120_000 }, async () => {
    const map = await openMap(await hub.key(DISTRICT));
    try {
      await map.page.screenshot({ path: join(SHOTS, 'district.png') });
      expect(map.counts.contaminatedSite).toBeGreaterThan(0);
      const districts = await map.page.evaluate((layers) => {
        const seen = new Set<unknown>();
        for (const layer of layers)
          for (const f of window.jingtuMap.features(layer)) seen.add(f.properties.district);
        return [...seen];
      }, MAP_LAYERS);
      expect(districts).toEqual([DISTRICT]);
      expect(await map.page.inputValue('select[name="district"]')).toBe(DISTRICT);
      // Its alerts are on the map: one opens with its rule and evidence, each record as the district reads it.
      expect(map.counts.alerts).toBeGreaterThan(0);
      const alert = await clickFirst(map.page, 'alerts');
      const panel = map.page.locator(`.panel section.alert[data-alert="${alert.alert}"]`);
      expect(await panel.count()).toBe(1);
      expect(await panel.locator('.evidence').count()).toBeGreaterThan(0);
      expect(await panel.locator('.evidence table.fields').count()).toBeGreaterThan(0);
      // Severity and state in words, from the schema's descriptions.
      expect(['高', '中', '低']).toContain(await panel.locator('dd[data-severity]').textContent());
      expect(await panel.locator('dd[data-state]').textContent()).not.toMatch(/^[A-Z_]+$/);
      await map.page.screenshot({ path: join(SHOTS, 'district-alert.png') });
      expect(external(map.requests)).toEqual([]);
      expect(map.problems).toEqual([]);
    } finally {
      await map.close();
    }
  });

  it('shows the public view without a key: the register and the key units', {
    timeout: 120_000,
  }, async () => {
    const map = await openMap(null);
    try {
      await map.page.screenshot({ path: join(SHOTS, 'public.png') });
      expect(map.counts.contaminatedSite).toBeGreaterThan(0);
      // The key units' sites are not public: the layer is their number per district, as the public API counts.
      const units = await fetch(`${hub.url}/public/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ keySupervisedUnits(first: 1) { totalCount } }' }),
      });
      const total = ((await units.json()) as { data: { keySupervisedUnits: { totalCount: number } } }).data
        .keySupervisedUnits.totalCount;
      expect(total).toBeGreaterThan(0);
      expect(map.counts.keySupervisedUnit).toBe(total);
      expect(Object.keys(map.counts).sort()).toEqual(['alerts', 'contaminatedSite', 'keySupervisedUnit']);
      expect(map.counts.alerts).toBe(0);
      expect(map.requests.some((url) => url.endsWith('/public/graphql'))).toBe(true);
      expect(map.requests.filter((url) => new URL(url).pathname === '/graphql')).toEqual([]);
      expect(external(map.requests)).toEqual([]);
      expect(map.problems).toEqual([]);
      await clickFirst(map.page, 'contaminatedSite');
      // A district's count opens its units' list: names and codes, no site.
      await clickFirst(map.page, 'keySupervisedUnit');
      const list = map.page.locator('.panel section.district-records[data-dataset="keySupervisedUnit"]');
      expect(await list.locator('tbody tr').count()).toBeGreaterThan(0);
      expect(await list.locator('th').allTextContents()).not.toContain('厂区边界');
      await map.page.screenshot({ path: join(SHOTS, 'public-key-units.png') });
      expect(external(map.requests)).toEqual([]);
    } finally {
      await map.close();
    }
  });
});

/** Opens /dashboard and waits until every section has drawn. */
async function openDashboard(key: string | null, lang: 'zh' | 'en' = 'zh') {
  const opened = await openPage('/dashboard', key, lang);
  return {
    ...opened,
    async load() {
      await opened.go();
      await opened.page.waitForFunction(() => window.jingtuDashboard, null, { timeout: 60_000 });
      await opened.page.evaluate(() => window.jingtuDashboard.ready);
      return opened.page.evaluate(() => ({
        drawn: window.jingtuDashboard.drawn,
        districts: window.jingtuDashboard.districts,
        error: window.jingtuDashboard.error,
      }));
    },
  };
}

describe('the dashboard (Chromium)', () => {
  it('draws the indicators, alerts, freshness and overdue grants as the API gives them to ECOLOGY', {
    timeout: 120_000,
  }, async () => {
    const key = await hub.key('ECOLOGY');
    const year = new Date().getFullYear();
    const { body } = await hub.graphql(
      key,
      `{ indicators(year: ${year}) { figures { district value indicator { id } } }
         alertSummary { count } catalog { name freshness { stale } } accessGrants(overdue: true, status: [PENDING]) { totalCount } }`,
    );
    const dashboard = await openDashboard(key);
    try {
      const { drawn, error } = await dashboard.load();
      await dashboard.page.screenshot({ path: join(SHOTS, 'dashboard-ecology.png'), fullPage: true });
      expect(error).toBeUndefined();
      expect(drawn.indicators).toBe(body.data.indicators.figures.length);
      expect(drawn.alerts).toBe(
        body.data.alertSummary.reduce((a: number, r: { count: number }) => a + r.count, 0),
      );
      expect(drawn.alerts).toBeGreaterThan(0);
      expect(drawn.freshness).toBe(
        body.data.catalog.filter((d: { freshness: unknown }) => d.freshness).length,
      );
      expect(drawn.overdueGrants).toBe(body.data.accessGrants.totalCount);
      // One chart per indicator and two of alerts, each drawn on its canvas.
      const indicators = new Set(
        body.data.indicators.figures.map((f: { indicator: { id: string } }) => f.indicator.id),
      );
      expect(await dashboard.page.locator('[data-chart] canvas').count()).toBe(indicators.size + 2);
      // The city's figure is the API's.
      const city = body.data.indicators.figures.find(
        (f: { district: string | null; indicator: { id: string } }) =>
          f.district === null && f.indicator.id === 'FARMLAND_SAFE_USE_RATE',
      );
      expect(await dashboard.page.textContent('[data-indicator="FARMLAND_SAFE_USE_RATE"] h3')).toContain(
        `${(city.value * 100).toFixed(1)}%`,
      );
      expect(external(dashboard.requests)).toEqual([]);
      expect(dashboard.problems).toEqual([]);
    } finally {
      await dashboard.context.close();
    }
  });

  it('shows a late dataset in red, first', { timeout: 60_000 }, async () => {
    const dashboard = await openDashboard(await hub.key('ECOLOGY'));
    try {
      // The answer as the hub gives it, with one dataset marked late: how the page shows a late one.
      await dashboard.page.route(`${hub.url}/graphql`, async (route) => {
        const sent = route.request().postDataJSON() as { query: string };
        if (!sent.query.startsWith('query Freshness')) return route.continue();
        const response = await route.fetch();
        const answer = await response.json();
        const late = answer.data.catalog.find((d: { name: string }) => d.name === 'irrigationWell');
        late.freshness.stale = true;
        return route.fulfill({ response, json: answer });
      });
      const { drawn } = await dashboard.load();
      expect(drawn.stale).toBe(1);
      const first = dashboard.page.locator('#freshness tbody tr').first();
      expect(await first.getAttribute('data-dataset')).toBe('irrigationWell');
      expect(await first.getAttribute('class')).toContain('late');
      expect(await dashboard.page.locator('#freshness tr.late').count()).toBe(1);
    } finally {
      await dashboard.context.close();
    }
  });

  it("shows a district its own district's figures, in English when asked", { timeout: 60_000 }, async () => {
    const dashboard = await openDashboard(await hub.key(DISTRICT), 'en');
    try {
      const { districts, error } = await dashboard.load();
      await dashboard.page.screenshot({ path: join(SHOTS, 'dashboard-district-en.png'), fullPage: true });
      expect(error).toBeUndefined();
      expect(districts.length).toBeGreaterThan(0);
      expect(districts.filter((d) => d !== DISTRICT && d !== 'CITY')).toEqual([]);
      expect(await dashboard.page.textContent('header h1')).toBe('Jingtu · Dashboard');
      expect(external(dashboard.requests)).toEqual([]);
    } finally {
      await dashboard.context.close();
    }
  });

  it('asks for a key without one, and refuses a revoked key in words', { timeout: 60_000 }, async () => {
    const anonymous = await openDashboard(null);
    try {
      await anonymous.load();
      expect(await anonymous.page.textContent('main')).toContain('看板需要 API 密钥');
      expect(anonymous.requests.filter((url) => new URL(url).pathname === '/graphql')).toEqual([]);
    } finally {
      await anonymous.context.close();
    }
    const refused = await openDashboard('jt_not-a-key');
    try {
      const { error } = await refused.load();
      expect(error).toBeTruthy();
      expect(await refused.page.textContent('header .error')).toContain('密钥无效或已吊销');
    } finally {
      await refused.context.close();
    }
  });
});
