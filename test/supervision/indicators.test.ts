import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluateRules } from '../../src/supervision/evaluate.js';
import { closedEnterpriseUnscreened } from '../../src/supervision/rules/closedEnterpriseUnscreened.js';
import { launchChromium } from '../support/browser.js';
import { withTestHub } from '../support/hub.js';
import { creditCodeFor, outgoingRecord, square, uniqueId } from '../support/records.js';
import { withSeed } from '../support/seed.js';

/**
 * The plans' indicators on a small world this file publishes in 1999–2000, years before the leak fixtures'
 * dates (2001 on) that no demo story and no other test file uses, at coordinates nothing else uses: every
 * figure below is counted by hand from the records listed here. Districts: D1 房山区 (110111), D2 海淀区 (110108).
 */

const hub = withTestHub();
const D1 = '110111';
const D2 = '110108';
const id = uniqueId();
const x0 = 118.5 + Math.random() * 0.3;
const y0 = 41.5 + Math.random() * 0.3;

// 受污染耕地安全利用率 (mu). Q3 2000, D1: P1 100 (largest confirmed measure 80) + P2 50 (50) + P3 40 (its
// only measure unconfirmed; a confirmed one filed under D2 does not count) = 130 / 190; P4 is priority
// protection, P5 is classed after Q3 (its 120-mu measure counts as its 30 mu in the year: 160 / 220).
const parcel = (code: string, district: string, qualityClass: string, areaMu: number, classifiedOn: string) =>
  outgoingRecord('farmlandClass', `fc${id}${code}`, {
    parcelCode: `IND-${id}-${code}`,
    district,
    qualityClass,
    areaMu,
    classifiedOn,
  });
const measure = (
  code: string,
  year: number,
  kind: string,
  measureKind: string,
  areaMu: number,
  effectConfirmed: boolean,
  district = D1,
) =>
  outgoingRecord('safeUseMeasure', `sm${id}${code}${year}${kind}`, {
    parcelCode: `IND-${id}-${code}`,
    year,
    measure: kind,
    measureKind,
    areaMu,
    effectConfirmed,
    district,
  });

// 重点建设用地安全利用率 (plots). Q3 2000, D1: S1 (finished 06-01, permit 08-10: safe), Y1 (never finished,
// planning permit 07-15: not), S2 (finished 09-20, first permit 07-05: not), Y2 (risk acceptable 01-15,
// permit 08-01: safe) = 2 / 4; S3 (finished 04-01, permit 05-01) joins in the year: 3 / 5. S4's permit only
// touches it; S5's permit is in D2: neither counts.
const at = (n: number) => x0 + n * 0.01;
const site = (code: string, n: number) =>
  outgoingRecord('contaminatedSite', `cs${id}${code}`, {
    siteCode: `BJML-${D1}-${id}${code}`,
    district: D1,
    boundary: square(at(n), y0, 0.002),
    status: 'LISTED',
  });
const plot = (code: string, n: number) =>
  outgoingRecord('priorityPlot', `pp${id}${code}`, {
    plotCode: `YXJG-${D1}-${id}${code}`,
    district: D1,
    boundary: square(at(n), y0, 0.002),
  });
const stage = (code: string, kind: string, finishedOn: string | null, riskResult: string | null = null) =>
  outgoingRecord('remediationStage', `rs${id}${code}${kind}`, {
    plotCode: code,
    stage: kind,
    district: D1,
    startedOn: '1999-01-01',
    finishedOn,
    riskResult,
    reviewNo: null,
    filingNo: null,
  });
const permit = (code: string, n: number, issuedOn: string, district = D1, dx = 0.0005) =>
  outgoingRecord('constructionPermit', `cp${id}${code}`, {
    permitNo: `IND-${id}-${code}`,
    district,
    boundary: square(at(n) + dx, y0 + 0.0005, 0.001),
    issuedOn,
  });
const S = (code: string) => `BJML-${D1}-${id}${code}`;
const Y = (code: string) => `YXJG-${D1}-${id}${code}`;

// 关停企业原址用地筛查完成率 (enterprises). Q3 2000, D1: E1 (screened 2000-05) and E4 (1999-12) of E1–E4 closed
// in 1999 = 2 / 4; E2's screening (2000-11) joins in the year: 3 / 4; E5 closed in 2000 is next year's. D2:
// E6 = 1 / 1.
const firm = (code: string, district: string, closedOn: string) =>
  outgoingRecord('closedEnterprise', `ce${id}${code}`, {
    creditCode: creditCodeFor(`ind${id}${code}`),
    district,
    closedOn,
    siteLocation: { type: 'Point', coordinates: [at(20), y0] },
    siteBoundary: square(at(20), y0, 0.001),
  });
const screening = (code: string, district: string, screenedOn: string) =>
  outgoingRecord('siteScreening', `ss${id}${code}`, {
    creditCode: creditCodeFor(`ind${id}${code}`),
    district,
    screenedOn,
  });

const { keys } = withSeed(hub, (s) =>
  s
    .keys('ECOLOGY', D1, 'WATER', 'AGRICULTURE', 'AUDITOR')
    .records('farmlandClass', [
      parcel('P1', D1, 'SAFE_USE', 100, '2000-03-01'),
      parcel('P2', D1, 'STRICT_CONTROL', 50, '2000-05-01'),
      parcel('P3', D1, 'SAFE_USE', 40, '2000-02-01'),
      parcel('P4', D1, 'PRIORITY_PROTECTION', 70, '2000-01-01'),
      parcel('P5', D1, 'SAFE_USE', 30, '2000-11-15'),
      parcel('P6', D2, 'STRICT_CONTROL', 20, '2000-01-10'),
    ])
    .records('safeUseMeasure', [
      measure('P1', 2000, 'LIME', 'SAFE_USE', 60, true),
      measure('P1', 2000, 'WATER_MANAGEMENT', 'SAFE_USE', 80, true),
      measure('P2', 2000, 'NO_FOOD_CROPS', 'STRICT_CONTROL', 50, true),
      measure('P2', 2001, 'FALLOW', 'STRICT_CONTROL', 50, true),
      measure('P3', 2000, 'FOLIAR_INHIBITION', 'SAFE_USE', 40, false),
      measure('P3', 2000, 'LIME', 'SAFE_USE', 40, true, D2),
      measure('P4', 2000, 'LIME', 'SAFE_USE', 70, true),
      measure('P5', 2000, 'LIME', 'SAFE_USE', 120, true),
      measure('P6', 2000, 'FALLOW', 'STRICT_CONTROL', 20, true, D2),
    ])
    .records('contaminatedSite', [site('S1', 0), site('S2', 2), site('S3', 4), site('S4', 5), site('S5', 6)])
    .records('priorityPlot', [plot('Y1', 1), plot('Y2', 3)])
    .records('remediationStage', [
      stage(S('S1'), 'EFFECT_EVALUATION', '2000-06-01'),
      stage(Y('Y1'), 'WORKS', null),
      stage(S('S2'), 'REMOVED', '2000-09-20'),
      stage(Y('Y2'), 'RISK_ASSESSMENT', '2000-01-15', 'ACCEPTABLE'),
      stage(S('S3'), 'EFFECT_EVALUATION', '2000-04-01'),
    ])
    .records('constructionPermit', [
      permit('C1', 0, '2000-08-10'),
      permit('C2', 2, '2000-07-05'),
      permit('C3', 2, '2000-09-25'),
      permit('C4', 3, '2000-08-01'),
      permit('C5', 4, '2000-05-01'),
      // Its west edge is S4's east edge (S4 spans 0.002°): they touch, they do not overlap.
      permit('C6', 5, '2000-08-01', D1, 0.002),
      permit('C7', 6, '2000-08-01', D2),
    ])
    .records('landUseChange', [
      outgoingRecord('landUseChange', `lu${id}L1`, {
        parcelCode: `IND-${id}-L1`,
        district: D1,
        boundary: square(at(1) + 0.0005, y0 + 0.0005, 0.001),
        planningPermitNo: `GH-${id}`,
        permitDate: '2000-07-15',
      }),
    ])
    .records('closedEnterprise', [
      firm('E1', D1, '1999-03-01'),
      firm('E2', D1, '1999-06-01'),
      firm('E3', D1, '1999-09-01'),
      firm('E4', D1, '1999-12-31'),
      firm('E5', D1, '2000-02-01'),
      firm('E6', D2, '1999-07-01'),
    ])
    .records('siteScreening', [
      screening('E1', D1, '2000-05-01'),
      screening('E2', D1, '2000-11-01'),
      screening('E4', D1, '1999-12-20'),
      screening('E6', D2, '2000-08-01'),
    ]),
);

const QUERY = `query ($year: Int!, $quarter: Int, $district: String) {
  indicators(year: $year, quarter: $quarter, district: $district) {
    year quarter from to
    figures { indicator { id unit target } district districtName numerator denominator value met }
    withheld { indicator { id } fields }
  }
}`;

interface Figure {
  indicator: { id: string; unit: string; target: number };
  district: string | null;
  numerator: number;
  denominator: number;
  value: number | null;
  met: boolean | null;
}

async function indicators(key: string, variables: Record<string, unknown>) {
  const { body } = await hub.graphql(key, QUERY, variables);
  return body;
}

/** [numerator, denominator] of an indicator in an area, or undefined when it is not in the answer. */
function figure(figures: Figure[], indicator: string, district: string | null) {
  const found = figures.find((f) => f.indicator.id === indicator && f.district === district);
  return found && [found.numerator, found.denominator];
}

const FARMLAND = 'FARMLAND_SAFE_USE_RATE';
const LAND = 'KEY_CONSTRUCTION_LAND_SAFE_USE_RATE';
const SCREENING = 'CLOSED_ENTERPRISE_SCREENING_RATE';

describe('indicators', { timeout: 120_000 }, () => {
  it('ECOLOGY: each district and the city, against the hand-counted figures', async () => {
    const body = await indicators(keys.ECOLOGY, { year: 2000, quarter: 3 });
    expect(body.errors).toBeUndefined();
    const report = body.data.indicators;
    expect(report).toMatchObject({ year: 2000, quarter: 3, from: '2000-07-01', to: '2000-09-30' });
    expect(report.withheld).toEqual([]);
    const figures: Figure[] = report.figures;
    expect(figure(figures, FARMLAND, D1)).toEqual([130, 190]);
    expect(figure(figures, FARMLAND, D2)).toEqual([20, 20]);
    expect(figure(figures, FARMLAND, null)).toEqual([150, 210]);
    expect(figure(figures, LAND, D1)).toEqual([2, 4]);
    expect(figure(figures, LAND, D2)).toEqual([0, 0]);
    expect(figure(figures, LAND, null)).toEqual([2, 4]);
    expect(figure(figures, SCREENING, D1)).toEqual([2, 4]);
    expect(figure(figures, SCREENING, D2)).toEqual([1, 1]);
    expect(figure(figures, SCREENING, null)).toEqual([3, 5]);

    const one = (indicator: string, district: string | null) =>
      figures.find((f) => f.indicator.id === indicator && f.district === district) as Figure;
    expect(one(FARMLAND, D1)).toMatchObject({ value: 130 / 190, met: false });
    expect(one(FARMLAND, D2)).toMatchObject({ value: 1, met: true });
    expect(one(LAND, D2)).toMatchObject({ value: null, met: null });
    expect(one(SCREENING, D2)).toMatchObject({ value: 1, met: true });
    expect(one(FARMLAND, D1).indicator).toEqual({ id: FARMLAND, unit: 'mu', target: 0.95 });
    // Every district of the reference data, then the city, once per indicator.
    const areas = figures.filter((f) => f.indicator.id === FARMLAND).map((f) => f.district);
    expect(areas.at(-1)).toBeNull();
    expect(areas.length).toBeGreaterThanOrEqual(17);
    expect(new Set(areas).size).toBe(areas.length);
  });

  it('the year: what was classed, screened and permitted after the quarter counts too', async () => {
    const body = await indicators(keys.AUDITOR, { year: 2000, district: D1 });
    expect(body.errors).toBeUndefined();
    const figures: Figure[] = body.data.indicators.figures;
    expect(body.data.indicators).toMatchObject({ from: '2000-01-01', to: '2000-12-31', quarter: null });
    expect(figure(figures, FARMLAND, D1)).toEqual([160, 220]);
    expect(figure(figures, LAND, D1)).toEqual([3, 5]);
    expect(figure(figures, SCREENING, D1)).toEqual([3, 4]);
    // One district asked: no city, no other district.
    expect(new Set(figures.map((f) => f.district))).toEqual(new Set([D1]));
  });

  it('a district sees its own figures only, not the city’s, and not farmland classes it may not read', async () => {
    const own = await indicators(keys[D1], { year: 2000, quarter: 3 });
    expect(own.errors).toBeUndefined();
    const figures: Figure[] = own.data.indicators.figures;
    expect(new Set(figures.map((f) => f.district))).toEqual(new Set([D1]));
    // The same numbers as the ecology bureau's for the district: computed from the district's records.
    expect(figure(figures, LAND, D1)).toEqual([2, 4]);
    expect(figure(figures, SCREENING, D1)).toEqual([2, 4]);
    // farmlandClass.qualityClass is CONDITIONAL and mandated to ECOLOGY only: the indicator is withheld.
    expect(figure(figures, FARMLAND, D1)).toBeUndefined();
    expect(own.data.indicators.withheld).toEqual([
      { indicator: { id: FARMLAND }, fields: ['farmlandClass.qualityClass'] },
    ]);

    for (const district of [D2]) {
      const other = await indicators(keys[D1], { year: 2000, quarter: 3, district });
      expect(other.data).toBeNull();
      expect(other.errors?.[0].extensions?.code).toBe('FORBIDDEN');
      expect(other.errors?.[0].message).toMatch(/只能查看本区指标.*own district/);
    }
  });

  it('a department sees the indicators whose fields it reads in clear; the owner of the farmland data all', async () => {
    const water = await indicators(keys.WATER, { year: 2000, quarter: 3 });
    expect(water.errors).toBeUndefined();
    const figures: Figure[] = water.data.indicators.figures;
    expect(figures.some((f) => f.indicator.id === FARMLAND)).toBe(false);
    expect(water.data.indicators.withheld).toEqual([
      { indicator: { id: FARMLAND }, fields: ['farmlandClass.qualityClass'] },
    ]);
    expect(figure(figures, SCREENING, null)).toEqual([3, 5]);

    const agriculture = await indicators(keys.AGRICULTURE, { year: 2000, quarter: 3 });
    expect(agriculture.data.indicators.withheld).toEqual([]);
    expect(figure(agriculture.data.indicators.figures, FARMLAND, null)).toEqual([150, 210]);
  });

  it('refuses a quarter, a year or a district that is not one, in Chinese and English', async () => {
    for (const [variables, argument, words] of [
      [{ year: 2000, quarter: 5 }, 'quarter', /季度.*quarter must be 1 to 4/],
      [{ year: 2000, quarter: 0 }, 'quarter', /季度.*quarter must be 1 to 4/],
      [{ year: 99999 }, 'year', /年份.*year must be a whole number from 2000 to 2100/],
      [{ year: 1999, quarter: 1 }, 'year', /年份.*year must be/],
      [{ year: 2000, district: '999999' }, 'district', /未知的区划代码.*unknown district code/],
      [{ year: 2000, district: 'x'.repeat(500) }, undefined, /.+/],
    ] as const) {
      const body = await indicators(keys.ECOLOGY, variables);
      expect(body.data ?? null).toBeNull();
      expect(body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(body.errors?.[0].message).toMatch(words);
      if (argument) expect(body.errors?.[0].extensions?.argument).toBe(argument);
    }
  });
});

/** The counts of one area's row of the report's alert table: by severity, total, and by rule. */
function alertRow(html: string, area: string) {
  const row = html.match(new RegExp(`<tr[^>]*data-area="${area}"[^>]*>(.*?)</tr>`, 's'))?.[1];
  if (!row) return undefined;
  const severity = Object.fromEntries(
    [...row.matchAll(/data-severity="(\w+)">(\d+)</g)].map((m) => [m[1], Number(m[2])]),
  );
  const rules = Object.fromEntries(
    [...row.matchAll(/data-rule="(\w+)">[^<]*?(\d+)</g)].map((m) => [m[1], Number(m[2])]),
  );
  return { severity, rules };
}

describe('the quarterly report', { timeout: 120_000 }, () => {
  const folder = mkdtempSync(join(tmpdir(), 'jingtu-report-'));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));
  const get = (key: string | undefined, query: string) =>
    fetch(`${hub.url}/reports/quarterly?${query}`, {
      headers: key ? { authorization: `Bearer ${key}` } : {},
    });

  /** Open alerts of a district by rule, straight from the table (the auditor sees every alert). */
  const openAlerts = async (district: string) => {
    const rows = await hub.database.sql<{ rule: string; n: string }[]>`
      select rule, count(*) as n from alert
      where district = ${district} and state in ('OPEN', 'ACKNOWLEDGED') group by rule`;
    return Object.fromEntries(rows.map((r) => [r.rule, Number(r.n)]));
  };

  it('serves the figures and the open alerts of each district as printable HTML', async () => {
    // E3 and E5 are past their screening deadline: two alerts in D1.
    await evaluateRules(hub.database.sql, [closedEnterpriseUnscreened]);
    const before = await openAlerts(D1);
    const response = await get(keys.AUDITOR, 'year=2000&quarter=3');
    const after = await openAlerts(D1);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-store');
    const html = await response.text();
    expect(html).toContain('2000年第3季度土壤污染防治考核指标评价');
    expect(html).toContain('2000-07-01 至 2000-09-30');
    for (const cell of ['68.42%', '130 / 190 亩', '2 / 4 块', '2 / 4 家', '150 / 210 亩', '3 / 5 家']) {
      expect(html).toContain(cell);
    }
    expect(html).toContain('@media print');
    // Nothing from elsewhere: no script, no link, no external URL.
    expect(html).not.toMatch(/<script|<link|https?:\/\//);

    const row = alertRow(html, D1);
    expect(row).toBeDefined();
    for (const rule of new Set([...Object.keys(before), ...Object.keys(after)])) {
      const shown = row?.rules[rule] ?? 0;
      expect(shown).toBeGreaterThanOrEqual(Math.min(before[rule] ?? 0, after[rule] ?? 0));
      expect(shown).toBeLessThanOrEqual(Math.max(before[rule] ?? 0, after[rule] ?? 0));
    }
    expect(row?.rules.CLOSED_ENTERPRISE_UNSCREENED).toBeGreaterThanOrEqual(2);
    const total = Object.values(row?.rules ?? {}).reduce((a, b) => a + b, 0);
    expect(Object.values(row?.severity ?? {}).reduce((a, b) => a + b, 0)).toBe(total);

    mkdirSync('test-output', { recursive: true });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.setExtraHTTPHeaders({ authorization: `Bearer ${keys.ECOLOGY}` });
      await page.goto(`${hub.url}/reports/quarterly?year=2000&quarter=3`);
      expect(await page.locator('h1').textContent()).toBe('2000年第3季度土壤污染防治考核指标评价');
      await page.screenshot({ path: 'test-output/quarterly-report.png', fullPage: true });
    } finally {
      await browser.close();
    }
  });

  it('as a district: its own row only, no city, no farmland figures it may not read', async () => {
    const response = await get(keys[D1], 'year=2000&quarter=3');
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('2 / 4 块');
    expect(html).not.toContain('130 / 190');
    expect(html).toContain('未计算：受污染耕地安全利用率（farmlandClass.qualityClass）');
    expect(alertRow(html, 'city')).toBeUndefined();
    expect(alertRow(html, D2)).toBeUndefined();
    expect(alertRow(html, D1)).toBeDefined();
    const forbidden = await get(keys[D1], `year=2000&quarter=3&district=${D2}`);
    expect(forbidden.status).toBe(403);
  });

  it('refuses a request without a key, and bad parameters, in Chinese and English', async () => {
    expect((await get(undefined, 'year=2000&quarter=3')).status).toBe(401);
    for (const query of [
      'year=2000&quarter=5',
      'year=99999&quarter=1',
      'year=2000',
      'year=2000&quarter=1&quarter=2',
    ]) {
      const response = await get(keys.ECOLOGY, query);
      expect(response.status).toBe(400);
      const body = (await response.json()) as { errors: { message: string }[] };
      expect(body.errors[0].message).toMatch(/[\u4e00-\u9fff].* \/ [a-z]/);
    }
  });

  // Three runs of the command, each a Node start through tsx (up to 30 s each on a loaded machine).
  it('`jingtu report` writes the same HTML to a file with a key, and exits 5 on a bad quarter', {
    timeout: 300_000,
  }, async () => {
    const out = join(folder, 'report.html');
    const run = (...args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        const { JINGTU_KEY: _k, ...env } = process.env;
        execFile(
          'node',
          ['bin/jingtu.js', 'report', ...args],
          { env: { ...env, CI: '1' } },
          (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
        );
      });
    const common = ['--url', hub.url, '--key', keys.ECOLOGY, '--year', '2000'];
    const done = await run(...common, '--quarter', '3', '--district', D1, '--out', out);
    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);
    expect(done.stdout).toContain(`wrote ${out}`);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('130 / 190 亩');
    expect(html).toContain('2 / 4 块');
    expect(html).not.toContain('150 / 210');

    const bad = await run(...common, '--quarter', '5', '--out', out);
    expect(bad.code).toBe(5);
    expect(bad.stderr).toMatch(/^jingtu: .*quarter/);
    const refused = await run(
      '--url',
      hub.url,
      '--key',
      keys.ECOLOGY,
      '--year',
      '1999',
      '--quarter',
      '1',
      '--out',
      out,
    );
    expect(refused.code).toBe(5);
    expect(refused.stderr).toMatch(/HTTP 400 BAD_USER_INPUT: 年份.*year must be/);
  });
});
