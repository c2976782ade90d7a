import { describe, expect, it } from 'vitest';
import type { Dataset } from '../src/catalog/define.js';
import { datasetByName } from '../src/catalog/registry.js';
import { withTestHub } from './support/hub.js';
import { creditCodeFor, sampleRecord, uniqueId } from './support/records.js';
import { seed, withSeed } from './support/seed.js';

const hub = withTestHub();
const dataset = (name: string) => datasetByName(name) as Dataset;
const id = uniqueId();

const permitIn = (district: string, n: number, parcelCode: string) =>
  sampleRecord(dataset('constructionPermit'), `${id}-${district}-${n}`, {
    district,
    parcelCode,
    projectName: `范围测试 ${id} ${district} ${n}`,
    contactPerson: '王小明',
  });
const plotIn = (district: string, parcelCode: string) =>
  sampleRecord(dataset('landUseChange'), `${id}-plot-${district}`, {
    district,
    parcelCode,
    address: `地址 ${id}`,
  });

const { keys } = withSeed(hub, (s) =>
  s
    .records('landUseChange', [plotIn('110105', `P105-${id}`), plotIn('110108', `P108-${id}`)])
    .records('constructionPermit', [
      permitIn('110105', 1, `P105-${id}`),
      permitIn('110105', 2, `P108-${id}`), // a permit in Chaoyang on a Haidian plot
      permitIn('110108', 3, `P108-${id}`),
    ])
    // The closed enterprise of Chaoyang that the district's own screening entry is about.
    .records('closedEnterprise', [
      sampleRecord(dataset('closedEnterprise'), `${id}-own`, { district: '110105' }),
    ])
    .records('siteScreening', [
      {
        ...sampleRecord(dataset('siteScreening'), `${id}-own`, {
          district: '110105',
          enterpriseName: `筛查 ${id} 自报`,
        }),
        publisher: '110105',
      },
      sampleRecord(dataset('siteScreening'), `${id}-bureau`, {
        district: '110105',
        enterpriseName: `筛查 ${id} 市局`,
        creditCode: creditCodeFor(`${id}b`),
      }),
    ])
    .records('pesticideUse', [
      {
        ...sampleRecord(dataset('pesticideUse'), `${id}-forest`, {
          crop: `苗木 ${id}`,
          applicatorPhone: '13900001111',
        }),
        publisher: 'FORESTRY',
      },
      sampleRecord(dataset('pesticideUse'), `${id}-farm`, {
        crop: `小麦 ${id}`,
        applicatorPhone: '13900002222',
      }),
    ])
    .keys('110105', 'HOUSING', 'FORESTRY', 'ECOLOGY', 'WATER'),
);

const permits = `query($search: String) { constructionPermits(filter: { search: $search }, orderBy: { field: PERMIT_NO }) {
  totalCount nodes { district parcelCode contactPerson landUseChange { district parcelCode } } } }`;

describe('row scope of a district', () => {
  it('lists, counts and links only its own district, in SQL', async () => {
    const { body } = await hub.graphql(keys['110105'], permits, { search: id });
    expect(body.errors).toBeUndefined();
    expect(body.data.constructionPermits.totalCount).toBe(2);
    expect(body.data.constructionPermits.nodes).toEqual([
      {
        district: '110105',
        parcelCode: `P105-${id}`,
        contactPerson: '王**',
        landUseChange: { district: '110105', parcelCode: `P105-${id}` },
      },
      { district: '110105', parcelCode: `P108-${id}`, contactPerson: '王**', landUseChange: null },
    ]);
    const department = await hub.graphql(keys.HOUSING, permits, { search: id });
    expect(department.body.data.constructionPermits.totalCount).toBe(3);
    expect(department.body.data.constructionPermits.nodes[0].contactPerson).toBe('王小明');
  });

  it('counts up to atMost of its own records only', async () => {
    const bounded = `query($search: String, $atMost: Int) { constructionPermits(filter: { search: $search }) {
      all: totalCount bounded: totalCount(atMost: $atMost) } }`;
    const counts = async (key: string, atMost: number) =>
      (await hub.graphql(key, bounded, { search: id, atMost })).body.data.constructionPermits;
    // the district reads 2 of the 3 permits: a bound of 2 or 3 answers 2, as the full count does
    expect(await counts(keys['110105'], 3)).toEqual({ all: 2, bounded: 2 });
    expect(await counts(keys['110105'], 2)).toEqual({ all: 2, bounded: 2 });
    expect(await counts(keys['110105'], 1)).toEqual({ all: 2, bounded: 1 });
    expect(await counts(keys.HOUSING, 2)).toEqual({ all: 3, bounded: 2 });
    expect(await counts(keys.HOUSING, 1000)).toEqual({ all: 3, bounded: 3 });
  });

  it('does not find another district’s record by its key', async () => {
    const lookup = `query($p: String!) { landUseChange(parcelCode: $p) { district } }`;
    expect(
      (await hub.graphql(keys['110105'], lookup, { p: `P108-${id}` })).body.data.landUseChange,
    ).toBeNull();
    expect((await hub.graphql(keys['110105'], lookup, { p: `P105-${id}` })).body.data.landUseChange).toEqual({
      district: '110105',
    });
  });

  it('reads the rows it published in clear, and others’ CONDITIONAL fields not at all', async () => {
    const { body } = await hub.graphql(
      keys['110105'],
      `query($s: String) { siteScreenings(filter: { search: $s }, orderBy: { field: CREDIT_CODE }) { nodes { enterpriseName riskLevel provenance { publisher } } } }`,
      { s: id },
    );
    const byPublisher = Object.fromEntries(
      body.data.siteScreenings.nodes.map(
        (n: { provenance: { publisher: string }; riskLevel: string | null }) => [
          n.provenance.publisher,
          n.riskLevel,
        ],
      ),
    );
    expect(byPublisher['110105']).toBe('HIGH');
    expect(byPublisher.ECOLOGY).toBeNull();
    expect(body.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
  });
});

describe('publishers and unreadable fields', () => {
  it('lets FORESTRY read its own rows’ private fields but not AGRICULTURE’s', async () => {
    const { body } = await hub.graphql(
      keys.FORESTRY,
      `query($s: String) { pesticideUses(filter: { search: $s }) { nodes { crop applicatorPhone provenance { publisher } } } }`,
      { s: id },
    );
    const phones = Object.fromEntries(
      body.data.pesticideUses.nodes.map(
        (n: { provenance: { publisher: string }; applicatorPhone: string | null }) => [
          n.provenance.publisher,
          n.applicatorPhone,
        ],
      ),
    );
    expect(phones).toEqual({ FORESTRY: '13900001111', AGRICULTURE: null });
  });

  it.each([
    [
      'filter by a CONDITIONAL field',
      '{ siteScreenings(filter: { riskLevel: [HIGH] }) { totalCount } }',
      /filter by SiteScreening.riskLevel/,
    ],
    [
      'sort by a CONDITIONAL field',
      '{ soilMonitorings(orderBy: { field: CADMIUM }) { totalCount } }',
      /sort by SoilMonitoring.cadmium/,
    ],
    [
      'filter a CONDITIONAL geometry by bbox',
      '{ soilMonitorings(filter: { bbox: [116, 39, 117, 40] }) { totalCount } }',
      /SoilMonitoring.location/,
    ],
  ])('refuses to %s', async (_case, query, message) => {
    const { body } = await hub.graphql(keys.WATER, query);
    expect(body.data).toBeNull();
    expect(body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(body.errors?.[0].message).toMatch(message);
  });

  it('searches only the fields the caller reads in clear', async () => {
    const secret = `秘密${uniqueId()}`;
    await seed(hub.database.db).records('siteScreening', [
      sampleRecord(dataset('siteScreening'), `${id}-secret`, {
        followUp: secret,
        creditCode: creditCodeFor(secret),
      }),
    ]);
    const query = `query($s: String) { siteScreenings(filter: { search: $s }) { totalCount } }`;
    expect((await hub.graphql(keys.WATER, query, { s: secret })).body.data.siteScreenings.totalCount).toBe(0);
    expect((await hub.graphql(keys.ECOLOGY, query, { s: secret })).body.data.siteScreenings.totalCount).toBe(
      1,
    );
  });
});
