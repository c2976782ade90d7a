import { readFileSync } from 'node:fs';
import { Kind, type OperationDefinitionNode, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { demoRecords } from '../src/demo/rows.js';
import { demoStories } from '../src/demo/stories.js';
import { schema } from '../src/graphql/schema.js';
import { estimatedCost, pageSizeEstimator } from '../src/http/limits.js';
import { evaluateRules } from '../src/supervision/evaluate.js';
import { registerSiteSensitiveUse } from '../src/supervision/rules/registerSiteSensitiveUse.js';
import { withTestHub } from './support/hub.js';
import { demoData, withSeed } from './support/seed.js';

/**
 * The README's GraphQL examples (```graphql blocks; a ```graphql workflow block is illustrative and not run)
 * run with the key each names on its first line (`# as ECOLOGY`), answer without errors, and say what their
 * captions say: each named operation has its check here, and each check its example.
 */

const hub = withTestHub();
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

interface Example {
  query: string;
  principal: string | undefined;
  name: string | undefined;
}

const examples: Example[] = [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map(([, query]) => {
  const operation = parse(query).definitions.find(
    (definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION,
  );
  return { query, principal: /^# as ([A-Z0-9]+)\n/.exec(query)?.[1], name: operation?.name?.value };
});

const stories = demoStories();
/**
 * The demo's closed enterprises: on the shared server database other test files publish closed enterprises
 * and screenings of their own, which may match an example too; the captions speak of the demo's.
 */
const demoEnterprises = new Set(
  (demoRecords().get('closedEnterprise') ?? []).map((record) => String(record.creditCode)),
);
const LISTED_PLOT = 'FS00-0608-0018';
const LISTED_SITE = 'BJML-110111-064';

type Data = Record<string, any>;

/** The bounding box [minLon, minLat, maxLon, maxLat] of a GeoJSON polygon. */
function boundsOf(polygon: { coordinates: number[][][] }): number[] {
  const points = polygon.coordinates[0];
  const lons = points.map(([lon]) => lon);
  const lats = points.map(([, lat]) => lat);
  return [Math.min(...lons), Math.min(...lats), Math.max(...lons), Math.max(...lats)];
}

/** What each example's caption promises, by operation name. */
const captions: Record<string, (data: Data) => void> = {
  RezonedOnListedSites({ landUseChanges }) {
    // every plot overlaps a listed site; the plots the demo rezoned onto a listed site in 房山区 are all there
    // (other files' plots in the shared database may match too: the caption's 8 are the demo's)
    const demoPlots = new Set((demoRecords().get('landUseChange') ?? []).map((r) => String(r.parcelCode)));
    expect(landUseChanges.nodes.filter((plot: Data) => demoPlots.has(plot.parcelCode))).toHaveLength(8);
    expect(landUseChanges.totalCount).toBeGreaterThanOrEqual(8);
    for (const plot of landUseChanges.nodes) {
      expect(plot.overlappingRegisterSites.map((s: Data) => s.status)).toContain('LISTED');
    }
    const parcels = landUseChanges.nodes.map((plot: Data) => plot.parcelCode);
    const storyPlots = stories.rezonedRegisterSites.filter(
      (r) => r.siteStatus === 'LISTED' && r.siteCode.startsWith('BJML-110111-'),
    );
    expect(storyPlots.length).toBeGreaterThan(0);
    for (const { parcelCode } of storyPlots) expect(parcels).toContain(parcelCode);
    const named = landUseChanges.nodes.find((plot: Data) => plot.parcelCode === LISTED_PLOT);
    expect(named.overlappingRegisterSites).toContainEqual(
      expect.objectContaining({ siteCode: LISTED_SITE, status: 'LISTED' }),
    );
    expect(named.constructionPermits.map((p: Data) => p.projectName).join()).toMatch(/幼儿园/);
    // the screening result reads in clear for ECOLOGY, and the factories are there
    const screened = landUseChanges.nodes.flatMap((plot: Data) =>
      plot.overlappingClosedEnterprises.filter((e: Data) => e.screening),
    );
    expect(screened.length).toBeGreaterThan(0);
    for (const enterprise of screened) expect(enterprise.screening.riskLevel).not.toBeNull();
  },

  ChemicalPlantsShutDownSince2020({ unscreened, highRisk }) {
    for (const list of [unscreened, highRisk]) {
      expect(list.totalCount).toBeGreaterThan(0);
      expect(list.nodes.length).toBe(Math.min(list.totalCount, 10));
      const dates = list.nodes.map((n: Data) => n.closedOn);
      expect(dates).toEqual([...dates].sort().reverse()); // newest first
      for (const plant of list.nodes) {
        expect(plant.closureType).toBe('SHUTDOWN');
        expect(plant.closedOn >= '2020-01-01').toBe(true);
      }
    }
    const demo = (plants: Data[]) => plants.filter((plant) => demoEnterprises.has(plant.creditCode));
    expect(demo(unscreened.nodes).length).toBeGreaterThan(0);
    for (const plant of demo(unscreened.nodes)) {
      expect(stories.unscreenedClosedCreditCodes).toContain(plant.creditCode);
    }
    expect(demo(highRisk.nodes).length).toBeGreaterThan(0);
    for (const plant of highRisk.nodes) expect(plant.screening.riskLevel).toBe('HIGH');
    for (const plant of demo(highRisk.nodes)) {
      expect(stories.highRiskCreditCodes).toContain(plant.creditCode);
    }
    expect(highRisk.nodes.some((plant: Data) => plant.screening.priorityPlots.length > 0)).toBe(true);
  },

  HousingPlotsWithRecentPermits({ landUseChanges }) {
    const box = [116.55, 39.8, 116.8, 39.95];
    expect(landUseChanges.totalCount).toBeGreaterThan(0);
    expect(landUseChanges.nodes).toHaveLength(Math.min(landUseChanges.totalCount, 100));
    for (const plot of landUseChanges.nodes) {
      expect(plot.plannedUse).toBe('RESIDENTIAL');
      const [minLon, minLat, maxLon, maxLat] = boundsOf(plot.boundary);
      expect(minLon <= box[2] && maxLon >= box[0] && minLat <= box[3] && maxLat >= box[1]).toBe(true);
      expect(plot.constructionPermits.some((p: Data) => p.issuedOn >= '2025-01-01')).toBe(true);
    }
  },

  PermitAndItsPlot({ constructionPermit }) {
    expect(constructionPermit.projectName).toMatch(/幼儿园/);
    expect(constructionPermit.landUseChange).not.toBeNull();
    expect(constructionPermit.landUseChange.parcelCode).toBe(LISTED_PLOT);
    expect(constructionPermit.landUseChange.overlappingRegisterSites).toContainEqual({
      siteCode: LISTED_SITE,
      status: 'LISTED',
    });
  },

  ListedSitesRezonedAlerts({ alerts }) {
    // the rule finds the story's plot on its listed site, and only plots in 房山区 overlapping listed sites
    type Evidence = { record: Data | null };
    const pairs = alerts.nodes.map((a: Data) =>
      a.evidence.map((e: Evidence) => e.record?.parcelCode ?? e.record?.siteCode),
    );
    expect(pairs).toContainEqual(expect.arrayContaining([LISTED_PLOT, LISTED_SITE]));
    expect(alerts.totalCount).toBeGreaterThanOrEqual(1);
    for (const alert of alerts.nodes) {
      expect(alert.measure.kind).toBe('OVERLAP_AREA_M2');
      expect(alert.measure.value).toBeGreaterThan(0);
      const site = alert.evidence.find((e: Evidence) => e.record?.siteCode)?.record;
      expect(site?.status).toBe('LISTED');
    }
  },

  Mandates({ catalog }) {
    // the four mandates of the table, all to the ecology bureau, each with its plan, article and words
    const mandated = catalog.filter((d: Data) => d.mandates.length > 0);
    expect(mandated.map((d: Data) => d.name)).toEqual([
      'soilMonitoring',
      'farmlandClass',
      'irrigationWell',
      'produceMonitoring',
    ]);
    for (const { mandates } of mandated) {
      for (const mandate of mandates) {
        expect(mandate.recipients).toEqual(['ECOLOGY']);
        const { plan, article, quote } = mandate.basis;
        expect(readme).toContain(`${plan} ${article}: ${quote}`);
      }
    }
  },

  ToxicPesticidesByDistrictAndYear({ pesticideUseAggregate }) {
    expect(pesticideUseAggregate.truncated).toBe(false);
    expect(pesticideUseAggregate.groups.length).toBeGreaterThan(1);
    for (const group of pesticideUseAggregate.groups) {
      expect(group.keys.year).toBeGreaterThanOrEqual(2020);
      expect(group.keys.year).toBeLessThanOrEqual(2024);
      expect(group.keys.district).toMatch(/^110\d{3}$/);
      expect(group.count).toBeGreaterThan(0);
      expect(group.sum.amountKg).toBeGreaterThan(0);
      expect(group.max.amountKg).toBeLessThanOrEqual(group.sum.amountKg);
    }
  },
  PaddyCadmiumScreening({ standardValue }) {
    // GB 15618-2018, paddy, 6.5 < pH ≤ 7.5
    expect(standardValue).toEqual({
      code: 'GB 15618-2018',
      analyteZh: '镉',
      phAbove: 6.5,
      phUpTo: 7.5,
      value: 0.6,
      unit: 'mg/kg',
    });
  },

  DistrictIndicators({ indicators }) {
    expect(indicators).toMatchObject({ from: '2026-07-01', to: '2026-09-30', withheld: [] });
    expect(indicators.figures.map((f: Data) => f.indicator.zh)).toEqual([
      '受污染耕地安全利用率',
      '重点建设用地安全利用率',
      '关停企业原址用地筛查完成率',
    ]);
    for (const f of indicators.figures) {
      expect(f.districtName).toBe('房山区');
      expect(f.numerator).toBeLessThanOrEqual(f.denominator);
      expect(f.value).toBe(f.denominator > 0 ? f.numerator / f.denominator : null);
      expect(f.met).toBe(f.value === null ? null : f.value >= f.indicator.target);
    }
    // The demo's closures of 2025 in 房山区, and those of them screened by the quarter's end, all counted.
    const screenedBy = new Map(
      (demoRecords().get('siteScreening') ?? []).map((s) => [String(s.creditCode), String(s.screenedOn)]),
    );
    const closures = (demoRecords().get('closedEnterprise') ?? []).filter(
      (c) => c.district === '110111' && String(c.closedOn).startsWith('2025-'),
    );
    const screened = closures.filter((c) => (screenedBy.get(String(c.creditCode)) ?? '9999') <= '2026-09-30');
    expect(closures.length).toBeGreaterThan(0);
    const screening = indicators.figures[2];
    expect(screening.denominator).toBeGreaterThanOrEqual(closures.length);
    expect(screening.numerator).toBeGreaterThanOrEqual(screened.length);
  },
};

const { keys } = withSeed(hub, (s) =>
  s
    .scenario(demoData)
    .keys(...new Set(examples.flatMap((e) => (e.principal ? [e.principal] : []))))
    .run(async () => {
      await evaluateRules(hub.database.sql, [registerSiteSensitiveUse]);
    }),
);

describe('README', () => {
  it('names a key and an operation for every example, each with what its caption promises', () => {
    expect(examples.length).toBeGreaterThanOrEqual(5);
    for (const example of examples) {
      expect(example.principal, `an example without "# as <key>":\n${example.query}`).toBeDefined();
      expect(Object.keys(captions), `no caption check for ${example.name}`).toContain(example.name);
    }
    expect(examples.map((e) => e.name).sort()).toEqual(Object.keys(captions).sort());
  });

  it('costs what the Hardening section quotes: lists at most 1,900, the aggregate 11,001', () => {
    expect(readme).toMatch(/README's list queries cost at most 1,900 and its aggregate 11,001/);
    const estimator = pageSizeEstimator(schema);
    const costs = examples.map((example) => ({
      aggregate: /Aggregate\(/.test(example.query),
      cost: estimatedCost(schema, estimator, parse(example.query), {}, undefined),
    }));
    expect(Math.max(...costs.filter((c) => !c.aggregate).map((c) => c.cost))).toBeLessThanOrEqual(1900);
    expect(costs.filter((c) => c.aggregate).map((c) => c.cost)).toEqual([11001]);
  });

  it.each(examples.map((example) => [example.name, example.principal, example.query]))(
    '%s, run as %s, answers what its caption says',
    async (name, principal, query) => {
      const response = await hub.graphql(keys[principal as string], query as string);
      expect(response.body.errors).toBeUndefined();
      captions[name as string](response.body.data);
    },
  );

  it('tells the story it quotes: a rezoned plot on a listed contaminated site', async () => {
    const story = stories.rezonedRegisterSites.find((r) => r.parcelCode === LISTED_PLOT);
    expect(story).toMatchObject({ siteCode: LISTED_SITE, siteStatus: 'LISTED' });
  });
});
