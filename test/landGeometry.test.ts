import { describe, expect, it } from 'vitest';
import type { Dataset } from '../src/catalog/define.js';
import { datasetByName } from '../src/catalog/registry.js';
import { withTestHub } from './support/hub.js';
import { outgoingRecord as outgoing, sampleRecord, square, uniqueId } from './support/records.js';
import { seed, withSeed } from './support/seed.js';

/**
 * What issue 13 added to existing datasets behaves as declared: FORESTRY classes its own orchards and
 * forest land beside AGRICULTURE's cultivated land; permanent basic farmland (PLANNING) overlaps farmland
 * classes both ways; construction permits overlap register sites and priority plots by their boundary.
 */
const hub = withTestHub();
const dataset = (name: string) => datasetByName(name) as Dataset;
const { keys } = withSeed(hub, (s) =>
  s.keys('AGRICULTURE', 'FORESTRY', 'ECOLOGY', 'HOUSING', 'PLANNING', '110105'),
);

const PUBLISH = `mutation($batchKey: String!, $records: [JSONObject!]!) {
  publish(dataset: "farmlandClass", batchKey: $batchKey, mode: DELTA, atomic: false, records: $records) {
    status inserted updated rejectedCount rejections { line reason } } }`;

const FARMLAND = `query($s: String) { farmlandClasses(filter: { search: $s }, orderBy: { field: PARCEL_CODE }) {
  totalCount nodes { parcelCode landCategory qualityClass provenance { publisher } } } }`;

describe('farmland classes for orchards and forest land (FORESTRY)', () => {
  it('FORESTRY publishes its own rows, reads their class in clear, and cannot change AGRICULTURE’s', async () => {
    const id = uniqueId();
    const cultivated = outgoing('farmlandClass', `${id}G`, {
      parcelCode: `GD-${id}`,
      landCategory: 'CULTIVATED',
      qualityClass: 'SAFE_USE',
    });
    const orchard = outgoing('farmlandClass', `${id}Y`, {
      parcelCode: `YD-${id}`,
      landCategory: 'GARDEN',
      qualityClass: 'STRICT_CONTROL',
    });
    const publish = (key: string, records: unknown[]) =>
      hub.graphql(key, PUBLISH, { batchKey: `lg-${uniqueId()}`, records });

    const byAgriculture = await publish(keys.AGRICULTURE, [cultivated]);
    expect(byAgriculture.body.data.publish).toMatchObject({ status: 'APPLIED', inserted: 1 });
    const byForestry = await publish(keys.FORESTRY, [orchard]);
    expect(byForestry.body.data.publish).toMatchObject({ status: 'APPLIED', inserted: 1, rejectedCount: 0 });

    // FORESTRY rewriting AGRICULTURE's parcel as forest land: refused, and the row is as it was.
    const takeover = await publish(keys.FORESTRY, [{ ...cultivated, landCategory: 'FOREST' }]);
    expect(takeover.body.data.publish).toMatchObject({
      inserted: 0,
      updated: 0,
      rejectedCount: 1,
      rejections: [{ line: 1, reason: 'this record belongs to publisher AGRICULTURE' }],
    });

    // FORESTRY reads its own row's class in clear, not AGRICULTURE's (CONDITIONAL, no grant).
    const seen = await hub.graphql(keys.FORESTRY, FARMLAND, { s: id });
    expect(seen.body.data.farmlandClasses.totalCount).toBe(2);
    const errors = (seen.body.errors ?? []).map((e) => e.path?.join('.'));
    expect(errors).toEqual(['farmlandClasses.nodes.0.qualityClass']);
    expect(seen.body.data.farmlandClasses.nodes[1]).toEqual({
      parcelCode: `YD-${id}`,
      landCategory: 'GARDEN',
      qualityClass: 'STRICT_CONTROL',
      provenance: { publisher: 'FORESTRY' },
    });
    const owner = await hub.graphql(keys.AGRICULTURE, FARMLAND, { s: id });
    expect(owner.body.errors).toBeUndefined();
    expect(
      owner.body.data.farmlandClasses.nodes.map((n: { landCategory: string }) => n.landCategory),
    ).toEqual(['CULTIVATED', 'GARDEN']);
    const byCategory = await hub.graphql(
      keys.ECOLOGY,
      `query($s: String) { farmlandClasses(filter: { search: $s, landCategory: [GARDEN] }) { nodes { parcelCode } } }`,
      { s: id },
    );
    expect(byCategory.body.data.farmlandClasses.nodes).toEqual([{ parcelCode: `YD-${id}` }]);
  });
});

describe('permanent basic farmland ↔ farmland classes, by overlap', () => {
  it('links both ways for who reads both boundaries in clear, and for nobody else', async () => {
    const id = uniqueId();
    const lon = 116.2 + (Number.parseInt(id.slice(0, 6), 16) % 1000) / 10_000;
    const classed = sampleRecord(dataset('farmlandClass'), `${id}C`, {
      parcelCode: `GD-${id}`,
      boundary: square(lon, 39.6, 0.002),
    });
    const designated = sampleRecord(dataset('basicFarmland'), `${id}B`, {
      parcelCode: `JBNT-${id}`,
      boundary: square(lon + 0.001, 39.601, 0.002),
    });
    const apart = sampleRecord(dataset('basicFarmland'), `${id}A`, {
      parcelCode: `JBNT-${id}-A`,
      boundary: square(lon + 0.01, 39.61, 0.002),
    });
    await seed(hub.database.db)
      .records('farmlandClass', [classed])
      .records('basicFarmland', [designated, apart]);
    const fromClass = `query($s: String) { farmlandClasses(filter: { search: $s }) {
      nodes { overlappingBasicFarmland { parcelCode } } } }`;
    const fromDesignation = `query($s: String) { basicFarmlands(filter: { search: $s }, orderBy: { field: PARCEL_CODE }) {
      nodes { parcelCode overlappingFarmlandClasses { parcelCode } } } }`;
    for (const reader of ['ECOLOGY', 'AGRICULTURE']) {
      const one = await hub.graphql(keys[reader], fromClass, { s: id });
      expect(one.body.errors, reader).toBeUndefined();
      expect(one.body.data.farmlandClasses.nodes).toEqual([
        { overlappingBasicFarmland: [{ parcelCode: `JBNT-${id}` }] },
      ]);
      const other = await hub.graphql(keys[reader], fromDesignation, { s: id });
      expect(other.body.errors, reader).toBeUndefined();
      expect(other.body.data.basicFarmlands.nodes).toEqual([
        { parcelCode: `JBNT-${id}`, overlappingFarmlandClasses: [{ parcelCode: `GD-${id}` }] },
        { parcelCode: `JBNT-${id}-A`, overlappingFarmlandClasses: [] },
      ]);
    }
    // PLANNING owns the designation but reads the class boundary only under a grant: no link, no answer.
    const refused = await hub.graphql(keys.PLANNING, fromDesignation, { s: id });
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(JSON.stringify(refused.body)).not.toContain(`GD-${id}`);
  });
});

describe('construction permits on the map (一张图)', () => {
  it('overlap register sites and priority plots by their boundary, within the caller’s districts', async () => {
    const id = uniqueId();
    const lon = 116.45 + (Number.parseInt(id.slice(0, 6), 16) % 1000) / 10_000;
    const site = sampleRecord(dataset('contaminatedSite'), `${id}S`, {
      siteCode: `S-${id}`,
      district: '110105',
      boundary: square(lon, 39.9, 0.002),
    });
    const plot = sampleRecord(dataset('priorityPlot'), `${id}P`, {
      district: '110108',
      boundary: square(lon + 0.0015, 39.9, 0.002),
    });
    const permit = (n: number, boundary: unknown) =>
      sampleRecord(dataset('constructionPermit'), `${id}${n}`, {
        permitNo: `P-${id}-${n}`,
        district: '110105',
        boundary,
      });
    await seed(hub.database.db)
      .records('contaminatedSite', [site])
      .records('priorityPlot', [plot])
      .records('constructionPermit', [
        permit(1, square(lon + 0.001, 39.9005, 0.001)),
        permit(2, square(lon + 0.02, 39.92, 0.001)),
        permit(3, null),
      ]);
    const query = `query($s: String) { constructionPermits(filter: { search: $s }, orderBy: { field: PERMIT_NO }) {
      nodes { permitNo overlappingRegisterSites { siteCode } overlappingPriorityPlots { plotCode } } } }`;
    // Only this test's sites and plots: the demo's (loaded by other files) may lie under the same squares.
    type Node = {
      overlappingRegisterSites: { siteCode: string }[];
      overlappingPriorityPlots: { plotCode: string }[];
    };
    const own = (nodes: Node[]) =>
      nodes.map((node) => ({
        ...node,
        overlappingRegisterSites: node.overlappingRegisterSites.filter((s) => s.siteCode === site.siteCode),
        overlappingPriorityPlots: node.overlappingPriorityPlots.filter((p) => p.plotCode === plot.plotCode),
      }));
    const housing = await hub.graphql(keys.HOUSING, query, { s: id });
    expect(housing.body.errors).toBeUndefined();
    expect(own(housing.body.data.constructionPermits.nodes)).toEqual([
      {
        permitNo: `P-${id}-1`,
        overlappingRegisterSites: [{ siteCode: `S-${id}` }],
        overlappingPriorityPlots: [{ plotCode: plot.plotCode }],
      },
      { permitNo: `P-${id}-2`, overlappingRegisterSites: [], overlappingPriorityPlots: [] },
      { permitNo: `P-${id}-3`, overlappingRegisterSites: [], overlappingPriorityPlots: [] },
    ]);
    // The district sees its own register site, not another district's priority plot.
    const district = await hub.graphql(keys['110105'], query, { s: id });
    expect(district.body.errors).toBeUndefined();
    expect(own(district.body.data.constructionPermits.nodes)[0]).toEqual({
      permitNo: `P-${id}-1`,
      overlappingRegisterSites: [{ siteCode: `S-${id}` }],
      overlappingPriorityPlots: [],
    });
    // The bounding-box filter reads the permit's boundary (the dataset's geometryField).
    const boxed = await hub.graphql(
      keys.HOUSING,
      `query($s: String, $box: [Float!]) { constructionPermits(filter: { search: $s, bbox: $box }) { nodes { permitNo } } }`,
      { s: id, box: [lon, 39.899, lon + 0.003, 39.903] },
    );
    expect(boxed.body.errors).toBeUndefined();
    expect(boxed.body.data.constructionPermits.nodes).toEqual([{ permitNo: `P-${id}-1` }]);
  });
});
