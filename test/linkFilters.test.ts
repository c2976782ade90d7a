import { describe, expect, it } from 'vitest';
import { EffectiveAccess } from '../src/access/effectiveAccess.js';
import type { Principal } from '../src/access/principal.js';
import { type Dataset, defineDataset } from '../src/catalog/define.js';
import { datasetByName, datasets } from '../src/catalog/registry.js';
import { filterConditions } from '../src/datasets/filters.js';
import { withTestHub } from './support/hub.js';
import { creditCodeFor, sampleRecord, square, uniqueId } from './support/records.js';
import { seed, withSeed } from './support/seed.js';

/**
 * Filters on cross-links (`landUseChanges(filter: { overlappingRegisterSites: { some: { status: [LISTED] } } })`,
 * `closedEnterprises(filter: { screening: { exists: true } })`): what they match, and that they are probes
 * held to the rules of the link and of the target's own filters, within the caller's row scope.
 */

const hub = withTestHub();
const dataset = (name: string) => datasetByName(name) as Dataset;
const id = uniqueId();
const DATASET_TABLES = datasets.map((d) => d.table);

// Far from the demo data and from other tests' rows: a place of this test's own.
const base = { lon: 80 + (Number.parseInt(id.slice(0, 6), 16) % 2000) / 100, lat: 25 };
const at = (n: number) => square(base.lon + n * 0.01, base.lat);

const plot = (name: string, n: number, district = '110105') =>
  sampleRecord(dataset('landUseChange'), `${id}-${name}`, {
    parcelCode: `LF-${id}-${name}`,
    address: `链接筛选 ${id} ${name}`,
    district,
    boundary: at(n),
  });
const site = (
  name: string,
  n: number,
  status: 'LISTED' | 'REMOVED',
  district = '110105',
  deleted = false,
) => ({
  ...sampleRecord(dataset('contaminatedSite'), `${id}-${name}`, {
    siteCode: `LFS-${id}-${name}`,
    name: `链接筛选名录 ${id} ${name}`,
    district,
    boundary: at(n),
    status,
    removedOn: status === 'LISTED' ? null : '2024-05-01',
  }),
  deleted,
});
const enterprise = (name: string, n: number) =>
  sampleRecord(dataset('closedEnterprise'), `${id}-${name}`, {
    creditCode: creditCodeFor(`${id}-${name}`),
    name: `链接筛选企业 ${id} ${name}`,
    district: '110105',
    siteBoundary: at(n),
  });
const screening = (name: string, riskLevel: string, district = '110105', deleted = false) => ({
  ...sampleRecord(dataset('siteScreening'), `${id}-${name}-s`, {
    creditCode: creditCodeFor(`${id}-${name}`),
    enterpriseName: `链接筛选筛查 ${id} ${name}`,
    district,
    riskLevel,
    followUp: `跟进 ${id} ${name}`,
  }),
  deleted,
});

// P1 on a listed site, P2 on a removed one, P3 on none, P4 where another district's site will appear,
// P5 on a listed site that was withdrawn (a tombstone), P6 and P7 on closed factories' sites. E1 screened
// HIGH (under P6), E2 screened LOW (under P7), E3 never screened, E4 whose screening was withdrawn, E5
// whose screening will appear in another district.
const { keys } = withSeed(hub, (s) =>
  s
    .records('landUseChange', [
      plot('P1', 1),
      plot('P2', 2),
      plot('P3', 3),
      plot('P4', 4),
      plot('P5', 5),
      plot('P6', 6),
      plot('P7', 7),
    ])
    .records('contaminatedSite', [
      site('S1', 1, 'LISTED'),
      site('S2', 2, 'REMOVED'),
      site('S5', 5, 'LISTED', '110105', true),
    ])
    .records('closedEnterprise', [
      enterprise('E1', 6),
      enterprise('E2', 7),
      enterprise('E3', 8),
      enterprise('E4', 9),
      enterprise('E5', 10),
    ])
    .records('siteScreening', [
      screening('E1', 'HIGH'),
      screening('E2', 'LOW'),
      screening('E4', 'HIGH', '110105', true),
    ])
    .keys('ECOLOGY', 'PLANNING', 'WATER', '110105'),
);

const PLOTS = `query($f: LandUseChangeFilter) { landUseChanges(filter: $f, orderBy: { field: PARCEL_CODE }) {
  totalCount nodes { parcelCode } } }`;
const ENTERPRISES = `query($f: ClosedEnterpriseFilter) { closedEnterprises(filter: $f, orderBy: { field: CREDIT_CODE }) {
  totalCount nodes { name } } }`;

/** The test's plots that match a filter (P1…), as a caller sees them; totalCount must agree. */
async function plots(key: string, filter: Record<string, unknown>): Promise<string[]> {
  const { body } = await hub.graphql(key, PLOTS, { f: { search: `LF-${id}`, ...filter } });
  expect(body.errors).toBeUndefined();
  const names = body.data.landUseChanges.nodes.map((n: { parcelCode: string }) =>
    n.parcelCode.split('-').at(-1),
  );
  expect(body.data.landUseChanges.totalCount).toBe(names.length);
  return names.sort();
}

async function enterprises(key: string, filter: Record<string, unknown>): Promise<string[]> {
  const { body } = await hub.graphql(key, ENTERPRISES, { f: { search: `链接筛选企业 ${id}`, ...filter } });
  expect(body.errors).toBeUndefined();
  const names = body.data.closedEnterprises.nodes.map((n: { name: string }) => n.name.split(' ').at(-1));
  expect(body.data.closedEnterprises.totalCount).toBe(names.length);
  return names.sort();
}

const LISTED = { status: ['LISTED'] };

describe('link filters match', () => {
  it('plots by the register sites they overlap: some, none, every', async () => {
    const ask = (filter: object) => plots(keys.PLANNING, { overlappingRegisterSites: filter });
    expect(await ask({ some: LISTED })).toEqual(['P1']);
    expect(await ask({ some: {} })).toEqual(['P1', 'P2']);
    expect(await ask({ none: LISTED })).toEqual(['P2', 'P3', 'P4', 'P5', 'P6', 'P7']);
    expect(await ask({ none: {} })).toEqual(['P3', 'P4', 'P5', 'P6', 'P7']);
    // every overlapping site is listed: P1, and the plots that overlap none (P5's site is a tombstone)
    expect(await ask({ every: LISTED })).toEqual(['P1', 'P3', 'P4', 'P5', 'P6', 'P7']);
    expect(await ask({ some: {}, every: LISTED })).toEqual(['P1']);
    // a linked record whose field is empty does not match a condition on it (S1 was never removed)
    expect(await ask({ every: { removedOn: { from: '2000-01-01' } } })).toEqual([
      'P2',
      'P3',
      'P4',
      'P5',
      'P6',
      'P7',
    ]);
  });

  it('closed enterprises by their screening: exists, is', async () => {
    expect(await enterprises(keys.ECOLOGY, { screening: { exists: true } })).toEqual(['E1', 'E2']);
    expect(await enterprises(keys.ECOLOGY, { screening: { exists: false } })).toEqual(['E3', 'E4', 'E5']);
    expect(await enterprises(keys.ECOLOGY, { screening: { is: { riskLevel: ['HIGH'] } } })).toEqual(['E1']);
    expect(await enterprises(keys.PLANNING, { screening: { exists: true } })).toEqual(['E1', 'E2']);
  });

  it('nest through the target’s own link filters', async () => {
    const filter = { overlappingClosedEnterprises: { some: { screening: { is: { riskLevel: ['HIGH'] } } } } };
    expect(await plots(keys.ECOLOGY, filter)).toEqual(['P6']);
  });

  it('count the same in the aggregate as in the list', async () => {
    const { body } = await hub.graphql(
      keys.PLANNING,
      `query($f: LandUseChangeFilter) { landUseChangeAggregate(filter: $f) { groups { count } } }`,
      { f: { search: `LF-${id}`, overlappingRegisterSites: { some: {} } } },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data.landUseChangeAggregate.groups).toEqual([{ count: 2 }]);
  });

  it('are one EXISTS each, on the target’s table', async () => {
    hub.database.statements.length = 0;
    await plots(keys.PLANNING, {
      overlappingRegisterSites: { some: LISTED },
      overlappingClosedEnterprises: { none: {} },
    });
    const page = hub.database.statements.find(
      (s) => s.startsWith('select') && s.includes('"land_use_change"'),
    );
    expect(page?.match(/exists \(select 1 from "contaminated_site"/g)).toHaveLength(1);
    expect(page?.match(/exists \(select 1 from "closed_enterprise"/g)).toHaveLength(1);
  });
});

describe('link filters are probes', () => {
  it('refuse a condition on a field the caller cannot read in clear, before any SQL', async () => {
    hub.database.statements.length = 0;
    const { body } = await hub.graphql(keys.PLANNING, ENTERPRISES, {
      f: { screening: { is: { riskLevel: ['HIGH'] } } },
    });
    expect(body.data).toBeNull();
    expect(body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(body.errors?.[0].message).toMatch(/SiteScreening.riskLevel/);
    const touched = hub.database.statements.filter((s) => DATASET_TABLES.some((t) => s.includes(`"${t}"`)));
    expect(touched).toEqual([]);
    // the aggregate takes the same filter, under the same rule
    const aggregate = await hub.graphql(
      keys.PLANNING,
      `{ closedEnterpriseAggregate(filter: { screening: { is: { riskLevel: [HIGH] } } }) { groups { count } } }`,
    );
    expect(aggregate.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(aggregate.body.data).toEqual({ closedEnterpriseAggregate: null });
  });

  it('search in a link condition only the target fields the caller reads in clear', async () => {
    // A screening's follow-up is conditional: WATER's search does not look into it, ECOLOGY's (the owner) does.
    const filter = { screening: { is: { search: `跟进 ${id} E2` } } };
    expect(await enterprises(keys.WATER, filter)).toEqual([]);
    expect(await enterprises(keys.ECOLOGY, filter)).toEqual(['E2']);
  });

  it('tell a district nothing about another district’s rows', async () => {
    const questions = async (key: string) => ({
      plots: await Promise.all([
        plots(key, { overlappingRegisterSites: { some: LISTED } }),
        plots(key, { overlappingRegisterSites: { none: {} } }),
        plots(key, { overlappingRegisterSites: { every: { status: ['REMOVED'] } } }),
      ]),
      enterprises: await Promise.all([
        enterprises(key, { screening: { exists: true } }),
        enterprises(key, { screening: { exists: false } }),
      ]),
      aggregate: (
        await hub.graphql(
          key,
          `query($f: LandUseChangeFilter) { landUseChangeAggregate(filter: $f) { groups { count } } }`,
          { f: { search: `LF-${id}`, overlappingRegisterSites: { some: {} } } },
        )
      ).body.data,
    });
    const districtBefore = await questions(keys['110105']);
    const departmentBefore = await questions(keys.PLANNING);
    // Another district's register site on P4, and a screening entry of E5 filed in another district.
    await seed(hub.database.db)
      .records('contaminatedSite', [site('S4', 4, 'LISTED', '110108')])
      .records('siteScreening', [screening('E5', 'LOW', '110108')]);
    expect(await questions(keys['110105'])).toEqual(districtBefore);
    // the rows are there: a department sees them
    expect(await questions(keys.PLANNING)).not.toEqual(departmentBefore);
    expect(await plots(keys.PLANNING, { overlappingRegisterSites: { some: LISTED } })).toEqual(['P1', 'P4']);
    expect(await enterprises(keys.PLANNING, { screening: { exists: true } })).toEqual(['E1', 'E2', 'E5']);
  });

  it('are recorded in the audit record: the fields filtered on, through the link', async () => {
    const response = await hub.graphql(keys.ECOLOGY, PLOTS, {
      f: {
        search: `LF-${id}`,
        overlappingClosedEnterprises: { some: { screening: { is: { riskLevel: ['HIGH'] } } } },
      },
    });
    expect(response.body.errors).toBeUndefined();
    const requestId = response.body.extensions?.requestId ?? response.headers.get('x-request-id');
    const [record] = await hub.database.sql<{ detail: { filters?: unknown[] } }[]>`
      select detail from audit_log where request_id = ${requestId}`;
    expect(record.detail.filters).toEqual(
      expect.arrayContaining([
        { dataset: 'landUseChange', field: 'boundary', mode: 'CLEAR' },
        { dataset: 'closedEnterprise', field: 'siteBoundary', mode: 'CLEAR' },
        { dataset: 'closedEnterprise', field: 'creditCode', mode: 'CLEAR' },
        { dataset: 'siteScreening', field: 'creditCode', mode: 'CLEAR' },
        { dataset: 'siteScreening', field: 'riskLevel', mode: 'CLEAR' },
      ]),
    );
  });

  it('nest at most three links deep', async () => {
    const deep = {
      overlappingRegisterSites: {
        some: {
          overlappingLandUseChanges: {
            some: { overlappingRegisterSites: { some: { overlappingLandUseChanges: { some: {} } } } },
          },
        },
      },
    };
    const { body } = await hub.graphql(keys.PLANNING, PLOTS, { f: deep });
    expect(body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(body.errors?.[0].message).toMatch(/3/);
  });
});

describe('following a link in a filter', () => {
  // No link of the catalogue joins on a field some caller cannot read: a dataset declared for the test does.
  const probe = defineDataset({
    name: 'linkFilterProbe',
    names: { type: 'LinkFilterProbe', one: 'linkFilterProbe', many: 'linkFilterProbes' },
    table: 'link_filter_probe',
    zh: '链接筛选探针',
    en: 'Link filter probe',
    owner: 'PLANNING',
    updateCycle: 'P1D',
    key: ['code'],
    fields: {
      code: { type: 'text', zh: '编码', en: 'Code', required: true },
      parcelRef: { type: 'text', sharing: 'CONDITIONAL', zh: '地块编码', en: 'Parcel code' },
      area: { type: 'polygon', zh: '范围', en: 'Area' },
    },
    links: {
      permits: {
        kind: 'many',
        to: 'constructionPermit',
        on: { parcelRef: 'parcelCode' },
        zh: '许可',
        en: 'Permits',
      },
      farmland: {
        kind: 'overlap',
        to: 'farmlandClass',
        from: 'area',
        toField: 'boundary',
        zh: '耕地',
        en: 'Farmland',
      },
    },
  });
  const reference = { districts: new Map([['110105', { nameZh: '朝阳区', nameEn: 'Chaoyang' }]]) };
  const as = (code: string, kind: Principal['kind'] = 'DEPARTMENT') =>
    new EffectiveAccess({ code, kind, nameZh: code, nameEn: code, keyId: 'k', capabilities: [] }, []);

  it('is refused when the caller cannot read the join fields in clear on both sides', () => {
    // HOUSING cannot read the probe's parcel reference; PLANNING (its owner) cannot read farmland boundaries.
    expect(() => filterConditions(probe, { permits: { some: {} } }, reference, as('HOUSING'))).toThrow(
      /permits/,
    );
    expect(() => filterConditions(probe, { farmland: { none: {} } }, reference, as('PLANNING'))).toThrow(
      /farmland/,
    );
    const refusal = (() => {
      try {
        filterConditions(probe, { farmland: { some: {} } }, reference, as('PLANNING'));
      } catch (error) {
        return error as { extensions?: { code?: string } };
      }
    })();
    expect(refusal?.extensions?.code).toBe('FORBIDDEN');
    expect(filterConditions(probe, { permits: { some: {} } }, reference, as('PLANNING'))).toBeDefined();
  });
});
