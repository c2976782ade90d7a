import { describe, expect, it } from 'vitest';
import type { Dataset } from '../src/catalog/define.js';
import { datasetByName } from '../src/catalog/registry.js';
import { withTestHub } from './support/hub.js';
import { type SampleRecord, sampleRecord, uniqueId } from './support/records.js';
import { seed as seedKit } from './support/seed.js';

/**
 * A page reads its to-one cross-links on the target's natural key in its own statement (a join, see
 * src/graphql/datasetQueries.ts, joinableLinks): the answers must be those of the link's loader, with the
 * target's row scope and tombstones applied.
 */
const hub = withTestHub();
const dataset = (name: string) => datasetByName(name) as Dataset;
const permits = dataset('constructionPermit');
const plots = dataset('landUseChange');

async function seed() {
  const id = uniqueId();
  const inDistrict = sampleRecord(plots, `${id}P1`, { district: '110105', plannedUse: 'RESIDENTIAL' });
  const elsewhere = sampleRecord(plots, `${id}P2`, { district: '110108' });
  const deleted: SampleRecord = { ...sampleRecord(plots, `${id}P3`, { district: '110105' }), deleted: true };
  const permit = (n: number, parcelCode: string | null) =>
    sampleRecord(permits, `${id}C${n}`, {
      parcelCode,
      district: '110105',
      projectName: `项目 ${id} ${n}`,
      issuedOn: `2024-01-0${n}`,
    });
  await seedKit(hub.database.db)
    .records('landUseChange', [inDistrict, elsewhere, deleted])
    .records('constructionPermit', [
      permit(4, inDistrict.parcelCode),
      permit(3, elsewhere.parcelCode),
      permit(2, deleted.parcelCode),
      permit(1, null),
    ]);
  return { id, inDistrict, elsewhere };
}

const QUERY = `query($s: String) { constructionPermits(filter: { search: $s }) {
  nodes { projectName use: landUseChange { plannedUse } where: landUseChange { district parcelCode } } } }`;

async function ask(principal: string, id: string) {
  const key = await hub.key(principal);
  hub.database.statements.length = 0;
  const response = await hub.graphql(key, QUERY, { s: id });
  expect(response.body.errors, JSON.stringify(response.body.errors)).toBeUndefined();
  const reads = hub.database.statements.filter((s) => s.startsWith('select') && !s.includes('"api_key"'));
  return { nodes: response.body.data.constructionPermits.nodes, reads };
}

describe('to-one cross-links joined into the page', () => {
  it('cost no statement of their own, and find live targets only', async () => {
    const { id, inDistrict, elsewhere } = await seed();
    const { nodes, reads } = await ask('HOUSING', id);
    expect(reads, reads.join('\n')).toHaveLength(1);
    expect(reads[0]).toContain('left join "land_use_change"');
    expect(nodes).toEqual([
      {
        projectName: `项目 ${id} 4`,
        use: { plannedUse: 'RESIDENTIAL' },
        where: { district: '110105', parcelCode: inDistrict.parcelCode },
      },
      {
        projectName: `项目 ${id} 3`,
        use: { plannedUse: elsewhere.plannedUse },
        where: { district: '110108', parcelCode: elsewhere.parcelCode },
      },
      { projectName: `项目 ${id} 2`, use: null, where: null },
      { projectName: `项目 ${id} 1`, use: null, where: null },
    ]);
  });

  it("apply the target's row scope: a district does not see another district's plot", async () => {
    const { id, inDistrict } = await seed();
    const { nodes } = await ask('110105', id);
    expect(nodes.map((n: any) => n.where)).toEqual([
      { district: '110105', parcelCode: inDistrict.parcelCode },
      null,
      null,
      null,
    ]);
  });

  it('are counted in the audit record as the loader counted them', async () => {
    const { id } = await seed();
    const key = await hub.key('HOUSING');
    const response = await hub.graphql(key, QUERY, { s: id });
    const requestId = response.body.extensions?.requestId ?? response.headers.get('x-request-id');
    // The record is committed before the response is sent.
    const [record] = await hub.database.sql<{ detail: { rows: Record<string, number> } }[]>`
      select detail from audit_log where request_id = ${requestId}`;
    // Two selections of the link over two rows that have a live plot.
    expect(record.detail.rows).toEqual({ constructionPermit: 4, landUseChange: 4 });
  });
});
