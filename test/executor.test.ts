import { describe, expect, it } from 'vitest';
import type { Dataset } from '../src/catalog/define.js';
import { datasetByName } from '../src/catalog/registry.js';
import { withTestHub } from './support/hub.js';
import { sampleRecord, uniqueId } from './support/records.js';
import { seed as seedKit } from './support/seed.js';

/**
 * Queries run compiled by graphql-jit (src/graphql/executor.ts) answer exactly as graphql-js does: the same
 * data, masking, refusals and errors, for the same records. The tests' hubs compile every query from its
 * first run; here one hub compiles and one (JINGTU_JIT=off) interprets, over the same database.
 */
const compiling = withTestHub();
const interpreting = withTestHub({ dependencies: { jit: false } });
const dataset = (name: string) => datasetByName(name) as Dataset;

async function seed() {
  const id = uniqueId();
  const plot = sampleRecord(dataset('landUseChange'), `${id}P1`, { district: '110105' });
  await seedKit(compiling.database.db)
    .records('landUseChange', [plot])
    .records(
      'constructionPermit',
      [1, 2, 3].map((n) =>
        sampleRecord(dataset('constructionPermit'), `${id}C${n}`, {
          parcelCode: plot.parcelCode,
          district: '110105',
          projectName: `项目 ${id} ${n}`,
          issuedOn: `2024-02-0${n}`,
        }),
      ),
    );
  return id;
}

/** The same operation, as the same principal, to both hubs: their bodies, without the request id. */
async function both(principal: string, query: string, variables?: Record<string, unknown>) {
  const answer = async (hub: typeof compiling) => {
    const response = await hub.graphql(await hub.key(principal), query, variables);
    const { extensions: _requestId, ...body } = response.body;
    return { status: response.status, body };
  };
  // twice each: the first and the later runs of a document
  return {
    compiled: [await answer(compiling), await answer(compiling)],
    interpreted: [await answer(interpreting), await answer(interpreting)],
  };
}

const PAGE = `query Page($s: String!, $first: Int) {
  constructionPermits(filter: { search: $s }, first: $first) {
    totalCount
    nodes { permitNo projectName issuedOn contactPerson contactPhone builderCreditCode
      landUseChange { parcelCode plannedUse district } }
    pageInfo { hasNextPage }
  } }`;

describe('the compiling executor', () => {
  it('answers lists, links, masking and lookups as graphql-js does', async () => {
    const id = await seed();
    for (const principal of ['PLANNING', 'HOUSING', 'WATER', '110105']) {
      const { compiled, interpreted } = await both(principal, PAGE, { s: id, first: 2 });
      expect(compiled[0]).toEqual(interpreted[0]);
      expect(compiled[1]).toEqual(interpreted[0]);
      expect(interpreted[1]).toEqual(interpreted[0]);
      expect(compiled[0].status).toBe(200);
    }
    const page = await both('HOUSING', PAGE, { s: id, first: 2 });
    expect(page.compiled[0].body.data.constructionPermits.nodes).toHaveLength(2);
    expect(page.compiled[0].body.data.constructionPermits.totalCount).toBe(3);
    const [{ permitNo, projectName }] = page.compiled[0].body.data.constructionPermits.nodes;
    const lookup = `query One($n: String!) { constructionPermit(permitNo: $n) { permitNo projectName contactPhone } }`;
    const one = await both('PLANNING', lookup, { n: permitNo });
    expect(one.compiled).toEqual(one.interpreted);
    expect(one.compiled[0].body.data.constructionPermit.projectName).toBe(projectName);
  });

  it('refuses and fails as graphql-js does: forbidden fields, bad arguments, bad variables, unknown operations', async () => {
    const id = await seed();
    const cases: [string, Record<string, unknown>?][] = [
      // a field the principal may not read: FORBIDDEN, the rest answered
      [`{ closedEnterprises(first: 1) { nodes { creditCode legalRepresentative } } }`],
      // a resolver's own refusal
      [`{ constructionPermits(first: 5000) { nodes { permitNo } } }`],
      // a variable that does not coerce: the scalar's own message
      [
        `query($g: GeoJSON) { landUseChanges(filter: { intersects: $g }) { totalCount } }`,
        { g: { type: 'Point', coordinates: [200, 39] } },
      ],
      [`query($n: String!) { constructionPermit(permitNo: $n) { permitNo } }`, { n: 42 }],
      // no such record
      [`query($n: String!) { constructionPermit(permitNo: $n) { permitNo } }`, { n: `${id}-none` }],
    ];
    for (const [query, variables] of cases) {
      const { compiled, interpreted } = await both('HOUSING', query, variables);
      expect(compiled[0], query).toEqual(interpreted[0]);
      expect(compiled[1], query).toEqual(interpreted[0]);
    }
  });

  it('keeps a field that one occurrence skips and another asks for (@skip and @include run by graphql-js)', async () => {
    const id = await seed();
    const queries = [
      `query($s: String!, $v: Boolean!) { constructionPermits(filter: { search: $s }) { nodes {
        landUseChange { ...F @include(if: $v) } landUseChange { ...F } } } }
        fragment F on LandUseChange { parcelCode }`,
      `query($s: String!, $v: Boolean!) { constructionPermits(filter: { search: $s }) { nodes {
        landUseChange { ...F @skip(if: $v) ...F } } } }
        fragment F on LandUseChange { parcelCode }`,
    ];
    for (const [query, v] of [
      [queries[0], false],
      [queries[1], true],
    ] as const) {
      const { compiled, interpreted } = await both('HOUSING', query, { s: id, v });
      expect(compiled[1]).toEqual(interpreted[0]);
      const nodes = compiled[1].body.data.constructionPermits.nodes;
      expect(nodes).toHaveLength(3);
      for (const node of nodes) expect(node.landUseChange.parcelCode).toEqual(expect.any(String));
    }
  });

  it('runs a list filter given as a variable (its input types refer to each other) without compiling it', async () => {
    const id = await seed();
    const query = `query($f: ConstructionPermitFilter) { constructionPermits(filter: $f) { totalCount } }`;
    const started = Date.now();
    const { compiled, interpreted } = await both('HOUSING', query, { f: { search: id } });
    expect(compiled[1]).toEqual(interpreted[0]);
    expect(compiled[1].body.data.constructionPermits.totalCount).toBe(3);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
