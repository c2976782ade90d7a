import { describe, expect, it } from 'vitest';
import type { Dataset } from '../src/catalog/define.js';
import { datasetByName } from '../src/catalog/registry.js';
import { withTestHub } from './support/hub.js';
import { type SampleRecord, sampleRecord, uniqueId } from './support/records.js';
import { seed as seedKit } from './support/seed.js';

/**
 * The store reads only the columns a query selects (src/graphql/selectedFields.ts), plus what masking, the
 * per-row rules, cursors and cross-links need: the answers must stay exactly what they were.
 */
const hub = withTestHub();
const dataset = (name: string) => datasetByName(name) as Dataset;
const permits = dataset('constructionPermit');
const plots = dataset('landUseChange');

/** The data statements on a dataset's table that a query sent (not the key lookup, not the audit). */
async function run(key: string, query: string, variables: Record<string, unknown> = {}) {
  hub.database.statements.length = 0;
  const response = await hub.graphql(key, query, variables);
  expect(response.body.errors).toBeUndefined();
  const reads = (table: string) =>
    hub.database.statements.filter((s) => s.startsWith('select') && s.includes(`from "${table}"`));
  return { data: response.body.data, reads };
}

async function seed() {
  const id = uniqueId();
  const plot = sampleRecord(plots, `${id}P`);
  // One permit published by HOUSING (the owner), one by PLANNING itself: PLANNING reads its own in clear.
  const byOwner = sampleRecord(permits, `${id}A`, {
    parcelCode: plot.parcelCode,
    projectName: `项目 ${id} A`,
    contactPerson: '王小明',
    issuedOn: '2024-03-02',
  });
  const byPlanning: SampleRecord = {
    ...sampleRecord(permits, `${id}B`, {
      parcelCode: plot.parcelCode,
      projectName: `项目 ${id} B`,
      contactPerson: '李大华',
      issuedOn: '2024-03-01',
    }),
    publisher: 'PLANNING',
  };
  // PLANNING publishes no permits: its row is stored as it stands, for the rule on a publisher's own rows.
  await seedKit(hub.database.db)
    .records('landUseChange', [plot])
    .records('constructionPermit', [byOwner])
    .stored('constructionPermit', [byPlanning]);
  return { id, plot, byOwner, byPlanning };
}

describe('the store reads the selected columns', () => {
  it('masks from the publisher even when the query does not select it, and reads nothing else', async () => {
    const { id, byOwner, byPlanning } = await seed();
    const key = await hub.key('PLANNING');
    const { data, reads } = await run(
      key,
      `query($s: String) { constructionPermits(filter: { search: $s }) { nodes { permitNo contactPerson } } }`,
      { s: id },
    );
    expect(data.constructionPermits.nodes).toEqual([
      { permitNo: byOwner.permitNo, contactPerson: '王**' },
      { permitNo: byPlanning.permitNo, contactPerson: '李大华' },
    ]);
    const [statement] = reads('construction_permit');
    const selected = statement.slice(0, statement.indexOf(' from '));
    expect(selected).toContain('"publisher"');
    expect(selected).toContain('"contact_person"');
    expect(selected).not.toContain('"floor_area_m2"');
    expect(selected).not.toContain('"builder"');
    expect(selected).not.toContain('"source_record_id"');
  });

  it('reads what execution runs: a field left out by @skip or @include is neither read nor audited', async () => {
    const { id, byOwner } = await seed();
    const key = await hub.key('HOUSING');
    // one document, two requests: what it reads follows each request's variables
    const query = `query Skipped${id}($s: String, $floor: Boolean!, $builder: Boolean!) {
      constructionPermits(filter: { search: $s }) {
        nodes { permitNo floorAreaM2 @include(if: $floor) ... on ConstructionPermit @skip(if: $builder) { builder } } } }`;
    const columnsOf = (statements: string[]) => statements[0].slice(0, statements[0].indexOf(' from '));
    const without = await run(key, query, { s: id, floor: false, builder: true });
    expect(without.data.constructionPermits.nodes[0]).toEqual({ permitNo: byOwner.permitNo });
    expect(columnsOf(without.reads('construction_permit'))).not.toContain('"floor_area_m2"');
    expect(columnsOf(without.reads('construction_permit'))).not.toContain('"builder"');
    const audited = async () => {
      const [record] = await hub.database.sql<{ detail: { reads: { field: string }[] } }[]>`
        select detail from audit_log where operation_name = ${`Skipped${id}`} order by seq desc limit 1`;
      return record.detail.reads.map((read) => read.field).sort();
    };
    expect(await audited()).toEqual(['permitNo']);
    const withBoth = await run(key, query, { s: id, floor: true, builder: false });
    expect(Object.keys(withBoth.data.constructionPermits.nodes[0]).sort()).toEqual([
      'builder',
      'floorAreaM2',
      'permitNo',
    ]);
    expect(columnsOf(withBoth.reads('construction_permit'))).toContain('"floor_area_m2"');
    expect(columnsOf(withBoth.reads('construction_permit'))).toContain('"builder"');
    expect(await audited()).toEqual(['builder', 'floorAreaM2', 'permitNo']);
  });

  it('keeps cursors, fragments on edges and provenance working', async () => {
    const { id, byOwner, byPlanning } = await seed();
    const key = await hub.key('HOUSING');
    const query = `query($s: String, $after: String) {
      constructionPermits(first: 1, after: $after, filter: { search: $s }) {
        edges { cursor node { ...Permit } } pageInfo { hasNextPage endCursor } } }
      fragment Permit on ConstructionPermit { permitNo provenance { publisher version } }`;
    const first = await run(key, query, { s: id });
    expect(first.data.constructionPermits.edges[0].node).toEqual({
      permitNo: byOwner.permitNo,
      provenance: { publisher: 'HOUSING', version: 1 },
    });
    expect(first.data.constructionPermits.pageInfo.hasNextPage).toBe(true);
    const second = await run(key, query, { s: id, after: first.data.constructionPermits.pageInfo.endCursor });
    expect(second.data.constructionPermits.edges.map((e: any) => e.node)).toEqual([
      { permitNo: byPlanning.permitNo, provenance: { publisher: 'PLANNING', version: 1 } },
    ]);
    expect(second.data.constructionPermits.pageInfo.hasNextPage).toBe(false);
  });

  it('follows a cross-link whose join field is not selected, reading only the linked fields asked for', async () => {
    const { id, plot } = await seed();
    const key = await hub.key('PLANNING');
    const { data, reads } = await run(
      key,
      `query($s: String) { constructionPermits(filter: { search: $s }) {
        nodes { projectName landUseChange { plannedUse rightHolderContact } } } }`,
      { s: id },
    );
    const masked = data.constructionPermits.nodes.map((n: any) => n.landUseChange);
    expect(masked).toHaveLength(2);
    for (const linked of masked) expect(linked.plannedUse).toBe(plot.plannedUse);
    // The plot is read with its permit, in one statement (test/linkJoins.test.ts).
    const [statement] = reads('construction_permit');
    const selected = statement.slice(0, statement.indexOf(' from '));
    expect(selected).toContain('"land_use_change"."planned_use"');
    expect(selected).toContain('"land_use_change"."parcel_code"');
    expect(selected).toContain('"construction_permit"."parcel_code"');
    expect(selected).not.toContain('"land_use_change"."boundary"');
    expect(selected).not.toContain('"land_use_change"."right_holder"');
  });

  it('answers a lookup by key as before: masked for a consumer, in clear for the owner', async () => {
    const { byOwner } = await seed();
    const query = `query($no: String!) { constructionPermit(permitNo: $no) { contactPerson } }`;
    const consumer = await run(await hub.key('PLANNING'), query, { no: byOwner.permitNo });
    expect(consumer.data.constructionPermit).toEqual({ contactPerson: '王**' });
    const owner = await run(await hub.key('HOUSING'), query, { no: byOwner.permitNo });
    expect(owner.data.constructionPermit).toEqual({ contactPerson: '王小明' });
  });
});
