import { describe, expect, it } from 'vitest';
import type { Dataset } from '../src/catalog/define.js';
import { datasetByName } from '../src/catalog/registry.js';
import { evaluateRules } from '../src/supervision/evaluate.js';
import { registerSiteSensitiveUse } from '../src/supervision/rules/registerSiteSensitiveUse.js';
import { withTestHub } from './support/hub.js';
import { creditCodeFor, outgoingRecord, sampleRecord, square, uniqueId } from './support/records.js';
import { seed, withSeed } from './support/seed.js';

const hub = withTestHub();
const { keys } = withSeed(hub, (s) => s.keys('HOUSING', 'ECOLOGY'));
const dataset = (name: string) => datasetByName(name) as Dataset;

/**
 * Runs a query and returns how many SQL statements the hub sent for it. It runs it once unmeasured first:
 * postgres.js reads the server's types once per new pool connection, which is not the query's cost.
 */
async function statementsFor(key: string, query: string, variables: Record<string, unknown>) {
  await hub.graphql(key, query, variables);
  hub.database.statements.length = 0;
  const response = await hub.graphql(key, query, variables);
  expect(response.body.errors).toBeUndefined();
  return { count: hub.database.statements.length, data: response.body.data };
}

describe('cross-links are batched', () => {
  it('lists construction permits with their plots in a constant number of statements', async () => {
    const id = uniqueId();
    const plots = Array.from({ length: 100 }, (_, i) => sampleRecord(dataset('landUseChange'), `${id}P${i}`));
    const permits = plots.map((plot, i) =>
      sampleRecord(dataset('constructionPermit'), `${id}C${i}`, {
        parcelCode: plot.parcelCode,
        projectName: `项目 ${id} ${i}`,
      }),
    );
    await seed(hub.database.db).records('landUseChange', plots).records('constructionPermit', permits);
    const key = keys.HOUSING;
    const query = `query($first: Int, $search: String) { constructionPermits(first: $first, filter: { search: $search }) {
      nodes { permitNo parcelCode landUseChange { parcelCode plannedUse constructionPermits { permitNo } } } } }`;
    const small = await statementsFor(key, query, { first: 10, search: id });
    const large = await statementsFor(key, query, { first: 100, search: id });
    expect(large.data.constructionPermits.nodes).toHaveLength(100);
    for (const node of large.data.constructionPermits.nodes) {
      expect(node.landUseChange.parcelCode).toBe(node.parcelCode);
      expect(node.landUseChange.constructionPermits).toEqual([{ permitNo: node.permitNo }]);
    }
    expect(large.count).toBe(small.count);
    // key lookup, the page, the plots, the plots' permits, the audit record
    expect(large.count).toBeLessThanOrEqual(5);
  });

  it('lists closed enterprises with their screening entries in a constant number of statements', async () => {
    const id = uniqueId();
    const enterprises = Array.from({ length: 100 }, (_, i) =>
      sampleRecord(dataset('closedEnterprise'), `${id}E${i}`, {
        creditCode: creditCodeFor(`${id}E${i}`),
        name: `北京${id}化工有限公司${i}`,
      }),
    );
    const screenings = enterprises.map((enterprise, i) =>
      sampleRecord(dataset('siteScreening'), `${id}S${i}`, {
        creditCode: enterprise.creditCode,
        riskLevel: 'HIGH',
      }),
    );
    await seed(hub.database.db).records('closedEnterprise', enterprises).records('siteScreening', screenings);
    const key = keys.ECOLOGY;
    const query = `query($first: Int, $search: String) { closedEnterprises(first: $first, filter: { search: $search }) {
      totalCount nodes { creditCode screening { creditCode riskLevel closedEnterprise { name } } } } }`;
    const small = await statementsFor(key, query, { first: 10, search: id });
    const large = await statementsFor(key, query, { first: 100, search: id });
    expect(large.data.closedEnterprises.totalCount).toBe(100);
    for (const node of large.data.closedEnterprises.nodes) {
      expect(node.screening).toMatchObject({ creditCode: node.creditCode, riskLevel: 'HIGH' });
    }
    expect(large.count).toBe(small.count);
    // key lookup, the page, its count, the screenings, their enterprises, the audit record
    expect(large.count).toBeLessThanOrEqual(6);
  });

  it('resolves spatial overlap links in a constant number of statements', async () => {
    const id = uniqueId();
    // 100 plots in a row 0.03° apart, each overlapped by its own register site and by no other; north of
    // Beijing, where no other test puts a site
    const base = 116.0 + Math.random() * 0.2;
    const lat = 42 + Math.random() * 0.5;
    const plots = Array.from({ length: 100 }, (_, i) =>
      sampleRecord(dataset('landUseChange'), `${id}P${i}`, {
        boundary: square(base + i * 0.03, lat, 0.01),
        address: `地址 ${id} ${i}`,
      }),
    );
    const sites = plots.map((_, i) =>
      sampleRecord(dataset('contaminatedSite'), `${id}S${i}`, {
        boundary: square(base + i * 0.03 + 0.005, lat + 0.005, 0.015),
      }),
    );
    const farAway = sampleRecord(dataset('contaminatedSite'), `${id}F`, {
      boundary: square(base, lat + 1, 0.01),
    });
    await seed(hub.database.db)
      .records('landUseChange', plots)
      .records('contaminatedSite', [...sites, farAway]);
    const key = keys.ECOLOGY;
    const query = `query($first: Int, $search: String) { landUseChanges(first: $first, filter: { search: $search }) {
      nodes { parcelCode overlappingRegisterSites { siteCode } } } }`;
    const small = await statementsFor(key, query, { first: 10, search: id });
    const large = await statementsFor(key, query, { first: 100, search: id });
    const siteOf = new Map(plots.map((plot, i) => [plot.parcelCode, sites[i].siteCode]));
    expect(large.data.landUseChanges.nodes).toHaveLength(100);
    for (const node of large.data.landUseChanges.nodes) {
      expect(node.overlappingRegisterSites).toEqual([{ siteCode: siteOf.get(node.parcelCode) }]);
    }
    expect(large.count).toBe(small.count);
    // key lookup, the page, the overlapping sites, the audit record
    expect(large.count).toBeLessThanOrEqual(4);
  });

  it('lists alerts with their evidence records and events in a constant number of statements', async () => {
    const id = uniqueId();
    // 30 listed sites, each under its own plot rezoned to housing: 30 REGISTER_SITE_SENSITIVE_USE alerts,
    // far north-east, where no other test puts a site.
    const base = 116.5 + Math.random() * 0.2;
    const lat = 43 + Math.random() * 0.3;
    const sites = Array.from({ length: 30 }, (_, i) =>
      outgoingRecord('contaminatedSite', `bt${id}${i}`, {
        boundary: square(base + i * 0.03, lat, 0.01),
        status: 'LISTED',
      }),
    );
    const plots = sites.map((_, i) =>
      outgoingRecord('landUseChange', `bt${id}${i}`, {
        parcelCode: `BT-${id}-${i}`,
        boundary: square(base + i * 0.03 + 0.002, lat + 0.002, 0.01),
      }),
    );
    await seed(hub.database.db).records('contaminatedSite', sites).records('landUseChange', plots);
    await evaluateRules(hub.database.sql, [registerSiteSensitiveUse]);
    // The window of first-seen times of this file's 30 alerts, read from the table, keeps the pages short:
    // other files' evaluations share the database, and one that runs the rule between this file's seed and
    // its own evaluation opens some of this file's alerts first (at its transaction's start), so that the
    // window may hold many other alerts of the rule too. The statements are counted on the first page; the
    // file's alerts are looked for on every page of the window.
    const [window] = await hub.database.sql<{ from: string; to: string; n: number }[]>`
      select min(first_seen_at) as from, max(first_seen_at) as to, count(*)::int as n from alert
      where rule = ${registerSiteSensitiveUse.id} and evidence::text like ${`%BT-${id}-%`}`;
    expect(window.n).toBe(30);
    const from = new Date(window.from).toISOString();
    const before = new Date(new Date(window.to).getTime() + 1).toISOString();
    const query = `query($first: Int, $after: String) { alerts(rule: ["${registerSiteSensitiveUse.id}"],
      first: $first, after: $after, firstSeenFrom: "${from}", firstSeenBefore: "${before}") {
      nodes { id events { event } evidence { dataset key record { __typename
        ... on LandUseChange { parcelCode plannedUse } ... on ContaminatedSite { siteCode status } } } }
      pageInfo { hasNextPage endCursor } } }`;
    const small = await statementsFor(keys.ECOLOGY, query, { first: 3 });
    const large = await statementsFor(keys.ECOLOGY, query, { first: 1000 });
    type Node = {
      events: { event: string }[];
      evidence: { key: Record<string, string>; record: Record<string, string> | null }[];
    };
    const nodes: Node[] = [...large.data.alerts.nodes];
    for (let page = large.data.alerts.pageInfo; page.hasNextPage; ) {
      const next = await hub.graphql(keys.ECOLOGY, query, { first: 1000, after: page.endCursor });
      expect(next.body.errors).toBeUndefined();
      nodes.push(...next.body.data.alerts.nodes);
      page = next.body.data.alerts.pageInfo;
    }
    const own = nodes.filter((n) => n.evidence.some((e) => e.key.parcelCode?.startsWith(`BT-${id}-`)));
    expect(own).toHaveLength(30);
    for (const node of own) {
      expect(node.events[0]).toEqual({ event: 'OPENED' });
      for (const item of node.evidence) {
        expect(item.record).not.toBeNull();
        expect(item.record?.parcelCode ?? item.record?.siteCode).toBe(
          item.key.parcelCode ?? item.key.siteCode,
        );
      }
    }
    expect(large.count).toBe(small.count);
    // key lookup, the page, the events, the plots, the sites, the audit record
    expect(large.count).toBeLessThanOrEqual(6);
  });
});
