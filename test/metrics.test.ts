import { readFileSync } from 'node:fs';
import type { Request } from 'express';
import { pino } from 'pino';
import postgres from 'postgres';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditedConfiguration } from '../src/audit/configuration.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { sessionParameters } from '../src/db/connection.js';
import { MetricsAccess } from '../src/http/metricsAccess.js';
import { checkFreshness } from '../src/jobs/freshness.js';
import { pullQueue, type RunningJobs, startJobs } from '../src/jobs/scheduler.js';
import { HubMetrics } from '../src/metrics/hubMetrics.js';
import { MAX_OPERATION_NAMES, NONE, OTHER } from '../src/metrics/labels.js';
import { poolStatisticsOf, registerPoolMetrics } from '../src/metrics/pool.js';
import { rules } from '../src/supervision/rules/index.js';
import { withTestHub } from './support/hub.js';
import { type Exposition, metricNamesIn, parseExposition } from './support/metrics.js';
import { outgoingRecord, uniqueId } from './support/records.js';
import { withSeed } from './support/seed.js';

/**
 * /metrics (README, "Operations: Metrics"): the exposition parses and counts what happened in its own hub
 * (requests by operation, outcome and principal kind; publishes by dataset and outcome; audit batches; job
 * runs; the pool), the database gauges match the tables, only loopback, the configured networks and the
 * metrics key read it, and no client can grow its label values beyond their bounds.
 */

const id = uniqueId();
const jobsSchema = `pgboss_metrics_${id.toLowerCase()}`;
const PROBE_PULL = `probe_${id.toLowerCase()}`;
const METRICS_KEY = `metrics-key-${id}-0123456789`;

const hub = withTestHub({
  metrics: {
    databaseCacheMs: 0,
    jobsSchema,
    pullJobs: [{ job: PROBE_PULL, queue: pullQueue(PROBE_PULL) }],
  },
});
const { keys } = withSeed(hub, (s) => s.keys('PLANNING', 'HOUSING', '110105', 'AUDITOR'));
/** Behind a proxy on loopback (trusted), with networks and a key of its own. */
const guarded = withTestHub({
  metrics: { databaseCacheMs: 0 },
  dependencies: {
    trustedProxies: ['loopback'],
    metricsAccess: { networks: ['203.0.113.0/24', '2001:db8:7::/48'], key: METRICS_KEY },
  },
});
const unmeasured = withTestHub({ dependencies: { metrics: false } });

async function scrape(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}/metrics`, { headers });
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
}

async function exposition(url = hub.url): Promise<Exposition> {
  const { status, text } = await scrape(url);
  expect(status, text).toBe(200);
  return parseExposition(text);
}

const count = (e: Exposition, name: string, labels: Record<string, string>) => e.value(name, labels) ?? 0;

describe('the exposition', () => {
  it('parses, in the Prometheus text format, with the process metrics and every family of the hub', async () => {
    const { status, type, text } = await scrape(hub.url);
    expect(status).toBe(200);
    expect(type).toMatch(/^text\/plain; version=0\.0\.4/);
    const metrics = parseExposition(text);
    for (const family of [
      'jingtu_requests_total',
      'jingtu_request_duration_seconds',
      'jingtu_publishes_total',
      'jingtu_publish_rows_total',
      'jingtu_audit_batch_records',
      'jingtu_audit_write_lag_seconds',
      'jingtu_audit_held_records',
      'jingtu_db_pool_connections',
      'jingtu_db_pool_max_connections',
      'jingtu_db_pool_queued_queries',
      'jingtu_db_pool_waits_total',
      'jingtu_db_pool_wait_seconds_total',
      'jingtu_db_statements_total',
      'jingtu_job_queue_jobs',
      'jingtu_job_runs_total',
      'jingtu_pull_lag_seconds',
      'jingtu_alerts_open',
      'jingtu_dataset_last_published_timestamp_seconds',
      'jingtu_dataset_stale',
      'jingtu_metrics_collector_success',
      'process_cpu_seconds_total',
      'nodejs_eventloop_lag_seconds',
    ]) {
      expect(metrics.types.has(family), family).toBe(true);
    }
    expect(metrics.types.get('jingtu_request_duration_seconds')).toBe('histogram');
    expect(metrics.types.get('jingtu_requests_total')).toBe('counter');
    // /metrics itself is no request of the API
    expect(metrics.find('jingtu_requests_total')).toEqual([]);
  });

  it('counts a request under its operation name, outcome and principal kind, and times it', async () => {
    const me = (name: string) => `query ${name} { me { code } }`;
    expect((await hub.graphql(keys.PLANNING, me('MetricsProbe'))).status).toBe(200);
    expect((await hub.graphql(keys.PLANNING, me('MetricsProbe'))).status).toBe(200);
    expect((await hub.graphql(keys['110105'], me('MetricsProbe'))).status).toBe(200);
    expect((await hub.graphql(keys.AUDITOR, '{ me { code } }')).status).toBe(200);
    // a field that does not exist: no data
    expect((await hub.graphql(keys.PLANNING, 'query MetricsBroken { nothing }')).status).toBe(400);
    // no key: refused at the edge; the name it gives is not taken
    expect((await hub.graphql(undefined, me('MetricsSneaky'))).status).toBe(401);
    expect((await hub.graphql('jt_not-a-key', me('MetricsSneaky'))).status).toBe(401);
    const metrics = await exposition();
    const requests = (operation: string, outcome: string, principal_kind: string) =>
      metrics.value('jingtu_requests_total', { event: 'GRAPHQL', operation, outcome, principal_kind });
    expect(requests('MetricsProbe', 'OK', 'DEPARTMENT')).toBe(2);
    expect(requests('MetricsProbe', 'OK', 'DISTRICT')).toBe(1);
    expect(requests('(anonymous)', 'OK', 'AUDITOR')).toBe(1);
    expect(requests('MetricsBroken', 'FAILED', 'DEPARTMENT')).toBe(1);
    expect(requests(NONE, 'UNAUTHENTICATED', 'NONE')).toBe(2);
    expect(metrics.samples.some((s) => Object.values(s.labels).includes('MetricsSneaky'))).toBe(false);
    const timed = { event: 'GRAPHQL', operation: 'MetricsProbe' };
    expect(metrics.value('jingtu_request_duration_seconds_count', timed)).toBe(3);
    expect(metrics.value('jingtu_request_duration_seconds_bucket', { ...timed, le: '+Inf' })).toBe(3);
    expect(metrics.value('jingtu_request_duration_seconds_sum', timed)).toBeGreaterThan(0);
    // the audit records of those requests, group-committed
    expect(count(metrics, 'jingtu_audit_write_lag_seconds_count', {})).toBeGreaterThanOrEqual(5);
    expect(count(metrics, 'jingtu_audit_batch_records_sum', {})).toBeGreaterThanOrEqual(5);
    expect(metrics.value('jingtu_audit_held_records')).toBe(0);
  });

  it('counts the requests that no key admits by their route: public ones, a /graphql body too large; not pages', async () => {
    const requests = (e: Exposition, labels: Record<string, string>) =>
      e.find('jingtu_requests_total', labels).reduce((total, sample) => total + sample.value, 0);
    const before = await exposition();
    const publicQuery = await fetch(`${hub.url}/public/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(publicQuery.status).toBe(200);
    expect((await fetch(`${hub.url}/public`)).status).toBe(200);
    // past the hub's limit on a body (8 MiB): refused before the edge reads a key
    const tooLarge = await fetch(`${hub.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ me { code } } # ${'x'.repeat(9 * 2 ** 20)}` }),
    });
    expect(tooLarge.status).toBe(413);
    // GraphiQL's page (a browser's GET of /graphql) and health are no requests of the API
    const page = await fetch(`${hub.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect((await fetch(`${hub.url}/healthz`)).status).toBe(200);
    const after = await exposition();
    const added = (labels: Record<string, string>) => requests(after, labels) - requests(before, labels);
    expect(added({ event: 'PUBLIC', principal_kind: 'NONE' })).toBe(2);
    expect(added({ event: 'GRAPHQL', operation: NONE, outcome: 'BAD_REQUEST', principal_kind: 'NONE' })).toBe(
      1,
    );
    // nothing else: the page and the probe are not counted
    expect(requests(after, {}) - requests(before, {})).toBe(3);
  });

  it('counts what other hubs in the same process do in theirs only', async () => {
    await guarded.graphql(await guarded.key('PLANNING'), 'query OnlyInGuarded { me { code } }');
    const mine = await exposition();
    expect(mine.find('jingtu_requests_total', { operation: 'OnlyInGuarded' })).toEqual([]);
    const theirs = await exposition(guarded.url);
    expect(
      theirs.value('jingtu_requests_total', {
        event: 'GRAPHQL',
        operation: 'OnlyInGuarded',
        outcome: 'OK',
        principal_kind: 'DEPARTMENT',
      }),
    ).toBe(1);
    expect(theirs.find('jingtu_requests_total', { operation: 'MetricsProbe' })).toEqual([]);
  });

  it("counts a publish's rows by dataset and outcome, over GraphQL and HTTP, and the bulk request", async () => {
    const before = await exposition();
    const rows = (outcome: string) => (e: Exposition) =>
      count(e, 'jingtu_publish_rows_total', { dataset: 'constructionPermit', outcome });
    const batches = (status: string) => (e: Exposition) =>
      count(e, 'jingtu_publishes_total', { dataset: 'constructionPermit', status });
    const PUBLISH = `mutation Publish($records: [JSONObject!]!, $batchKey: String!) {
      publish(dataset: "constructionPermit", batchKey: $batchKey, records: $records) { status inserted rejectedCount } }`;
    const permits = [1, 2, 3].map((n) => outgoingRecord('constructionPermit', `M${id}-${n}`));
    const first = await hub.graphql(keys.HOUSING, PUBLISH, { records: permits, batchKey: `m1-${id}` });
    expect(first.body.data.publish).toMatchObject({ status: 'APPLIED', inserted: 3 });
    await hub.graphql(keys.HOUSING, PUBLISH, { records: permits, batchKey: `m1-${id}` }); // replayed
    const changed = [{ ...permits[0], projectName: `改 ${id}` }, permits[1], { bogus: 1 }];
    const rejected = await hub.graphql(keys.HOUSING, PUBLISH, { records: changed, batchKey: `m2-${id}` });
    expect(rejected.body.data.publish).toMatchObject({ status: 'REJECTED', rejectedCount: 1 });
    const ndjson = [
      outgoingRecord('constructionPermit', `M${id}-4`),
      { ...permits[1], projectName: `又改 ${id}` },
    ]
      .map((record) => JSON.stringify(record))
      .join('\n');
    const bulk = await fetch(`${hub.url}/datasets/constructionPermit/batches/m3-${id}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys.HOUSING}`, 'content-type': 'application/x-ndjson' },
      body: ndjson,
    });
    expect(bulk.status, await bulk.clone().text()).toBe(200);
    expect(await bulk.json()).toMatchObject({ status: 'APPLIED', inserted: 1, updated: 1 });
    const after = await exposition();
    expect(rows('inserted')(after) - rows('inserted')(before)).toBe(4);
    expect(rows('updated')(after) - rows('updated')(before)).toBe(1);
    expect(rows('rejected')(after) - rows('rejected')(before)).toBe(1);
    expect(batches('APPLIED')(after) - batches('APPLIED')(before)).toBe(2);
    expect(batches('REPLAYED')(after) - batches('REPLAYED')(before)).toBe(1);
    expect(batches('REJECTED')(after) - batches('REJECTED')(before)).toBe(1);
    expect(
      after.value('jingtu_requests_total', {
        event: 'BULK_PUBLISH',
        operation: NONE,
        outcome: 'OK',
        principal_kind: 'DEPARTMENT',
      }),
    ).toBe(1);
    expect(
      after.value('jingtu_requests_total', {
        event: 'GRAPHQL',
        operation: 'Publish',
        outcome: 'OK',
        principal_kind: 'DEPARTMENT',
      }),
    ).toBe(3);
  });

  it("reads the pool's connections and statements", async () => {
    const before = await exposition();
    const statements = count(before, 'jingtu_db_statements_total', {});
    expect(statements).toBeGreaterThan(0);
    await hub.graphql(keys.PLANNING, '{ me { code } }');
    const after = await exposition();
    // the key check, the audit record and the scrape's own statements at least
    expect(count(after, 'jingtu_db_statements_total', {})).toBeGreaterThan(statements + 1);
    const max = after.value('jingtu_db_pool_max_connections');
    expect(max).toBe(hub.database.sql.options.max);
    const states = after.find('jingtu_db_pool_connections');
    expect(states.map((s) => s.labels.state).sort()).toEqual(
      ['busy', 'closed', 'connecting', 'full', 'idle', 'reserved'].sort(),
    );
    expect(states.reduce((sum, s) => sum + s.value, 0)).toBeLessThanOrEqual(max as number);
    expect(after.value('jingtu_db_pool_queued_queries')).toBeGreaterThanOrEqual(0);
    expect(after.value('jingtu_db_pool_waits_total')).toBeGreaterThanOrEqual(0);
  });
});

describe("the pool's statistics (patches/postgres+3.4.9.patch)", () => {
  it('count the queries that wait for a connection, how long they wait, and every statement', async () => {
    const pool = postgres(hub.database.url, { max: 1, onnotice: () => {}, connection: sessionParameters(0) });
    try {
      const statistics = poolStatisticsOf(pool);
      expect(statistics).toBeDefined();
      const registry = new Registry();
      registerPoolMetrics(registry, pool);
      let release = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      // a transaction holds the one connection; a query behind it waits
      let began = () => {};
      const begun = new Promise<void>((resolve) => {
        began = resolve;
      });
      const transaction = pool.begin(async (tx) => {
        await tx`select 1`;
        began();
        await held;
      });
      await begun;
      const waiting = pool`select 2 as n`.then((rows) => rows[0].n);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const during = parseExposition(await registry.metrics());
      expect(during.value('jingtu_db_pool_connections', { state: 'reserved' })).toBe(1);
      expect(during.value('jingtu_db_pool_queued_queries')).toBe(1);
      expect(during.value('jingtu_db_pool_waits_total')).toBe(0);
      release();
      await transaction;
      expect(await waiting).toBe(2);
      const after = parseExposition(await registry.metrics());
      expect(after.value('jingtu_db_pool_queued_queries')).toBe(0);
      expect(after.value('jingtu_db_pool_waits_total')).toBe(1);
      expect(after.value('jingtu_db_pool_wait_seconds_total')).toBeGreaterThanOrEqual(0.09);
      // begin, select 1, commit, select 2 (and the array types' query of a new connection)
      expect(after.value('jingtu_db_statements_total')).toBeGreaterThanOrEqual(4);
      expect(after.value('jingtu_db_pool_max_connections')).toBe(1);
    } finally {
      await pool.end({ timeout: 5 });
    }
  });
});

describe('the database gauges', () => {
  const sql = () => hub.database.sql;

  it('count open alerts by rule as the alert table holds them', async () => {
    const ruleIds = rules.map((rule) => rule.id);
    // other test files raise and resolve alerts meanwhile: compare a reading taken between two equal counts
    for (let attempt = 1; ; attempt++) {
      const counts = async () =>
        JSON.stringify(
          await sql()`select rule, state, count(*)::int as n from alert
            where state in ('OPEN', 'ACKNOWLEDGED') group by rule, state order by rule, state`,
        );
      const before = await counts();
      const metrics = await exposition();
      const after = await counts();
      if (before !== after && attempt < 5) continue;
      expect(metrics.value('jingtu_metrics_collector_success', { collector: 'alerts' })).toBe(1);
      for (const rule of ruleIds) {
        for (const state of ['OPEN', 'ACKNOWLEDGED']) {
          const expected = (JSON.parse(after) as { rule: string; state: string; n: number }[]).find(
            (row) => row.rule === rule && row.state === state,
          );
          expect(metrics.value('jingtu_alerts_open', { rule, state }), `${rule} ${state}`).toBe(
            expected?.n ?? 0,
          );
        }
      }
      break;
    }
  });

  it('give each dataset its freshness as the freshness job stored it', async () => {
    await checkFreshness(hub.database.db);
    // other files' freshness runs store theirs meanwhile: compare a reading taken between two equal ones
    const stored = async () =>
      sql()<{ dataset: string; published: number | null; stale: boolean }[]>`
        select dataset, extract(epoch from last_published_at)::float8 as published, stale
        from dataset_freshness order by dataset`;
    let metrics: Exposition;
    let rows: Awaited<ReturnType<typeof stored>>;
    for (let attempt = 1; ; attempt++) {
      const before = JSON.stringify(await stored());
      metrics = await exposition();
      rows = await stored();
      if (before === JSON.stringify(rows) || attempt >= 5) break;
    }
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(metrics.value('jingtu_dataset_stale', { dataset: row.dataset }), row.dataset).toBe(
        row.stale ? 1 : 0,
      );
      const published = metrics.value('jingtu_dataset_last_published_timestamp_seconds', {
        dataset: row.dataset,
      });
      expect(published ?? null, row.dataset).toBe(row.published);
    }
    // this file's publishes are the latest of constructionPermit's
    const permits = metrics.value('jingtu_dataset_last_published_timestamp_seconds', {
      dataset: 'constructionPermit',
    });
    expect(permits).toBeGreaterThan(Date.now() / 1000 - 600);
  });

  describe('of pg-boss', () => {
    let jobs: RunningJobs | undefined;
    afterAll(async () => {
      await jobs?.stop();
      await sql().unsafe(`drop schema if exists ${jobsSchema} cascade`);
    });

    it("count queued and failed jobs, the runs in this process, and each pull job's lag", async () => {
      const metrics = hub.metrics as HubMetrics;
      const before = await exposition();
      // pg-boss not installed in the schema yet: nothing to report, and no failure
      expect(before.value('jingtu_metrics_collector_success', { collector: 'jobs' })).toBe(1);
      expect(before.find('jingtu_job_queue_jobs')).toEqual([]);
      expect(before.find('jingtu_pull_lag_seconds')).toEqual([]);
      jobs = await startJobs({
        sql: sql(),
        logger: pino({ level: 'silent' }),
        schema: jobsSchema,
        observer: metrics.jobs,
        timing: { cronMonitorIntervalSeconds: 1, cronWorkerIntervalSeconds: 1, pollingIntervalSeconds: 0.5 },
        definitions: [
          // a pull job's run that read its remote feed to the end
          {
            queue: pullQueue(PROBE_PULL),
            cron: '0 0 1 1 *',
            atStart: true,
            run: async () => ({ more: false }),
          },
          {
            queue: 'jingtu-metrics-failing',
            cron: '0 0 1 1 *',
            atStart: true,
            run: async () => {
              throw new Error('fails on purpose');
            },
          },
        ],
      });
      // a queue without a worker: its job waits
      await jobs.boss.createQueue('jingtu-metrics-idle');
      await jobs.boss.send('jingtu-metrics-idle', {});
      let metricsNow = await exposition();
      for (const deadline = Date.now() + 20_000; Date.now() < deadline; ) {
        metricsNow = await exposition();
        const ran = (queue: string, outcome: string) =>
          count(metricsNow, 'jingtu_job_runs_total', { queue, outcome });
        if (ran(pullQueue(PROBE_PULL), 'completed') && ran('jingtu-metrics-failing', 'failed')) {
          if (metricsNow.find('jingtu_pull_lag_seconds').length) break;
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(
        metricsNow.value('jingtu_job_runs_total', { queue: pullQueue(PROBE_PULL), outcome: 'completed' }),
      ).toBe(1);
      expect(
        metricsNow.value('jingtu_job_runs_total', { queue: 'jingtu-metrics-failing', outcome: 'failed' }),
      ).toBe(1);
      expect(
        metricsNow.value('jingtu_job_queue_jobs', { queue: 'jingtu-metrics-idle', state: 'created' }),
      ).toBe(1);
      // failed once, retried in a minute (retryLimit 2)
      expect(
        metricsNow.value('jingtu_job_queue_jobs', { queue: 'jingtu-metrics-failing', state: 'retry' }),
      ).toBe(1);
      const lag = metricsNow.value('jingtu_pull_lag_seconds', { job: PROBE_PULL });
      expect(lag).toBeGreaterThanOrEqual(0);
      expect(lag).toBeLessThan(60);
    }, 60_000);
  });

  it('still answer what they can with the database out of reach', async () => {
    const unreachable = postgres('postgres://nobody@127.0.0.1:1/nothing', {
      max: 2,
      onnotice: () => {},
      connect_timeout: 2,
    });
    try {
      const metrics = new HubMetrics({
        sql: unreachable,
        databaseCacheMs: 0,
        processMetrics: false,
        pullJobs: [{ job: 'county', queue: pullQueue('county') }],
      });
      const started = Date.now();
      const text = await metrics.exposition();
      expect(Date.now() - started).toBeLessThan(5000);
      const parsed = parseExposition(text);
      for (const collector of ['jobs', 'pull', 'alerts', 'freshness']) {
        expect(parsed.value('jingtu_metrics_collector_success', { collector }), collector).toBe(0);
      }
      expect(parsed.find('jingtu_alerts_open')).toEqual([]);
      expect(parsed.value('jingtu_db_pool_max_connections')).toBe(2);
    } finally {
      await unreachable.end({ timeout: 1 });
    }
  });
});

describe('who reads /metrics', () => {
  const from = (address: string, headers: Record<string, string> = {}) =>
    ({ ip: address, socket: { remoteAddress: address }, headers }) as unknown as Request;

  it('loopback, unforwarded; the configured networks; the metrics key (and nothing else)', () => {
    const open = new MetricsAccess();
    expect(open.grant(from('127.0.0.1'))).toBe('loopback');
    expect(open.grant(from('::1'))).toBe('loopback');
    expect(open.grant(from('::ffff:127.0.0.1'))).toBe('loopback');
    expect(open.grant(from('10.1.2.3'))).toBeUndefined();
    expect(open.grant(from('192.168.1.20', { authorization: `Bearer ${METRICS_KEY}` }))).toBeUndefined();
    // a proxy on the same machine that is not among the trusted proxies: its clients are not local
    expect(open.grant(from('127.0.0.1', { 'x-forwarded-for': '198.51.100.7' }))).toBeUndefined();
    expect(open.grant(from('127.0.0.1', { forwarded: 'for=198.51.100.7' }))).toBeUndefined();
    const guardedAccess = new MetricsAccess({ networks: ['10.20.0.0/16', '192.168.1.10'], key: METRICS_KEY });
    expect(guardedAccess.grant(from('10.20.3.4'))).toBe('network');
    expect(guardedAccess.grant(from('::ffff:10.20.3.4'))).toBe('network');
    expect(guardedAccess.grant(from('192.168.1.10'))).toBe('network');
    expect(guardedAccess.grant(from('192.168.1.11'))).toBeUndefined();
    expect(guardedAccess.grant(from('10.21.0.1'))).toBeUndefined();
    expect(guardedAccess.grant(from('10.21.0.1', { authorization: `Bearer ${METRICS_KEY}` }))).toBe('key');
    expect(guardedAccess.grant(from('10.21.0.1', { authorization: `bearer  ${METRICS_KEY} ` }))).toBe('key');
    for (const wrong of [`${METRICS_KEY}x`, METRICS_KEY.slice(0, -1), '', 'jt_some-api-key']) {
      expect(
        guardedAccess.grant(from('10.21.0.1', { authorization: `Bearer ${wrong}` })),
        wrong,
      ).toBeUndefined();
    }
    expect(guardedAccess.grant(from('10.21.0.1', { authorization: METRICS_KEY }))).toBeUndefined();
  });

  it('over HTTP: a client behind the trusted proxy only from a listed network or with the key', async () => {
    const via = (client: string, headers: Record<string, string> = {}) =>
      scrape(guarded.url, { 'x-forwarded-for': client, ...headers });
    expect((await scrape(guarded.url)).status).toBe(200);
    const refused = await via('198.51.100.7');
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.text).errors[0].extensions.code).toBe('FORBIDDEN');
    expect(refused.text).not.toContain('jingtu_');
    expect((await via('203.0.113.9')).status).toBe(200);
    expect((await via('2001:db8:7:1::5')).status).toBe(200);
    expect((await via('2001:db8:8::5')).status).toBe(403);
    expect((await via('198.51.100.7', { authorization: `Bearer ${METRICS_KEY}` })).status).toBe(200);
    expect((await via('198.51.100.7', { authorization: `Bearer ${METRICS_KEY}0` })).status).toBe(403);
    expect((await via('198.51.100.7', { authorization: `Bearer ${keys.AUDITOR}` })).status).toBe(403);
    // forwarded for a loopback client: still forwarded
    expect((await via('127.0.0.1')).status).toBe(403);
    // a hub with no trusted proxy: the header makes a loopback peer no local client
    expect((await scrape(hub.url, { 'x-forwarded-for': '203.0.113.9' })).status).toBe(403);
  });

  it('nobody with JINGTU_METRICS=off: there is no /metrics', async () => {
    const { status } = await scrape(unmeasured.url);
    expect(status).toBe(404);
    const key = await unmeasured.key('PLANNING');
    expect((await unmeasured.graphql(key, '{ me { code } }')).status).toBe(200);
  });
});

describe('the settings', () => {
  it('are on, loopback only, unless JINGTU_METRICS, JINGTU_METRICS_NETWORKS and JINGTU_METRICS_KEY say otherwise', () => {
    expect(loadConfig({}).metrics).toEqual({ enabled: true, networks: [], key: undefined });
    const config = loadConfig({
      JINGTU_METRICS: 'off',
      JINGTU_METRICS_NETWORKS: '10.20.0.0/16, 192.168.1.10,fd00::/8',
      JINGTU_METRICS_KEY: METRICS_KEY,
    });
    expect(config.metrics).toEqual({
      enabled: false,
      networks: ['10.20.0.0/16', '192.168.1.10', 'fd00::/8'],
      key: METRICS_KEY,
    });
    // the audit of the configuration says whether there is a key, never which
    const audited = JSON.stringify(auditedConfiguration(config));
    expect(audited).not.toContain(METRICS_KEY);
    expect(auditedConfiguration(config).metrics).toEqual({
      enabled: false,
      networks: ['10.20.0.0/16', '192.168.1.10', 'fd00::/8'],
      key: true,
    });
  });

  it.each([
    [{ JINGTU_METRICS: 'yes' }, /JINGTU_METRICS="yes" must be on or off/],
    [
      { JINGTU_METRICS_NETWORKS: '10.0.0.0/8, intranet' },
      /JINGTU_METRICS_NETWORKS=.* must be IP addresses or subnets/,
    ],
    [
      { JINGTU_METRICS_KEY: 'short' },
      /^invalid configuration: JINGTU_METRICS_KEY must be 16 to 256 printable/,
    ],
    [{ JINGTU_METRICS_KEY: 'a key with spaces in it' }, /JINGTU_METRICS_KEY must be/],
  ])('refuses %o, never echoing a key', (env: Record<string, string>, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
    const key = env.JINGTU_METRICS_KEY;
    if (key) expect(() => loadConfig(env)).not.toThrow(key);
  });
});

describe('label values', () => {
  it('keep client-chosen operation names to a bounded set, the rest counted as (other)', async () => {
    const names = Array.from({ length: MAX_OPERATION_NAMES + 20 }, (_, n) => `Bounded${id}N${n}`);
    const key = keys.PLANNING;
    for (let n = 0; n < names.length; n += 10) {
      await Promise.all(
        names.slice(n, n + 10).map((name) => hub.graphql(key, `query ${name} { me { code } }`)),
      );
    }
    // names that are no label value: too long, or not a GraphQL name (an operationName that names nothing)
    await hub.graphql(key, `query ${'L'.repeat(80)} { me { code } }`);
    await fetch(`${hub.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query: '{ me { code } }', operationName: 'bad name;{}' }),
    });
    const metrics = await exposition();
    const operations = new Set(
      metrics.find('jingtu_requests_total', { event: 'GRAPHQL' }).map((s) => s.labels.operation),
    );
    const named = [...operations].filter((name) => !name.startsWith('('));
    expect(named.length).toBeLessThanOrEqual(MAX_OPERATION_NAMES);
    expect(operations).toContain(OTHER);
    expect(named.filter((name) => name.startsWith(`Bounded${id}`)).length).toBeGreaterThan(0);
    expect(operations).not.toContain('L'.repeat(80));
    expect(operations).not.toContain('bad name;{}');
    const timed = new Set(
      metrics
        .find('jingtu_request_duration_seconds_count', { event: 'GRAPHQL' })
        .map((s) => s.labels.operation),
    );
    expect(timed.size).toBeLessThanOrEqual(MAX_OPERATION_NAMES + 3);
    // every label value of every family is bounded: none holds a value of the client's beyond the names
    for (const sample of metrics.samples) {
      for (const value of Object.values(sample.labels)) expect(value.length).toBeLessThanOrEqual(120);
    }
  }, 60_000);
});

describe('the Grafana dashboard (deploy/grafana/jingtu-hub.json)', () => {
  it('is valid JSON whose every query names a metric of the hub', async () => {
    const dashboard = JSON.parse(
      readFileSync(new URL('../deploy/grafana/jingtu-hub.json', import.meta.url), 'utf8'),
    ) as { panels: { title: string; targets?: { expr: string }[]; panels?: unknown[] }[] };
    const metrics = await exposition();
    const families = metrics.types;
    const known = (name: string) =>
      families.has(name) ||
      ['_bucket', '_sum', '_count'].some(
        (suffix) => name.endsWith(suffix) && families.get(name.slice(0, -suffix.length)) === 'histogram',
      );
    const expressions = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((t) => t.expr));
    expect(expressions.length).toBeGreaterThan(10);
    const named = new Set<string>();
    for (const expression of expressions) {
      const names = metricNamesIn(expression);
      expect(names.length, expression).toBeGreaterThan(0);
      for (const name of names) {
        expect(known(name), `${name} in ${expression}`).toBe(true);
        named.add(name.replace(/_(bucket|sum|count)$/, ''));
      }
    }
    // the dashboard shows each of the hub's own families
    for (const family of families.keys()) {
      if (family.startsWith('jingtu_') && family !== 'jingtu_metrics_collector_duration_seconds') {
        expect(named.has(family), family).toBe(true);
      }
    }
  });
});
