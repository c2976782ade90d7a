import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { addDays, subDays } from 'date-fns';
import { eq, getTableColumns, inArray, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import { pino } from 'pino';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createKey } from '../src/access/keys.js';
import { AuditWriter } from '../src/audit/writer.js';
import type { Dataset } from '../src/catalog/define.js';
import { datasetByName, datasets } from '../src/catalog/registry.js';
import type { PullJobConfig } from '../src/config.js';
import { loadReference, type ReferenceData } from '../src/datasets/reference.js';
import { type Db, sessionParameters } from '../src/db/connection.js';
import { accessGrant, datasetFreshness, pullState, syncBatch } from '../src/db/hubTables.js';
import { runMigrations } from '../src/db/migrate.js';
import { createHub, type Hub } from '../src/http/app.js';
import { parseIsoDuration } from '../src/jobs/duration.js';
import { checkFreshness, isStale } from '../src/jobs/freshness.js';
import { grantHousekeeping } from '../src/jobs/grants.js';
import { type PullDependencies, PullError, runPull } from '../src/jobs/pull.js';
import { hubJobs, type JobDefinition, type RunningJobs, startJobs } from '../src/jobs/scheduler.js';
import { withTestHub } from './support/hub.js';
import { postGraphql, spawnHub, until } from './support/process.js';
import { creditCodeFor, outgoingRecord as outgoing, uniqueId } from './support/records.js';
import { withSeed } from './support/seed.js';

const hub = withTestHub();
const db = hub.database.db;
const onServer = inject('databaseKind') === 'server';
const id = uniqueId();
const dataset = (name: string) => datasetByName(name) as Dataset;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const rowsOf = <T>(result: unknown): T[] => (Array.isArray(result) ? result : (result as { rows: T[] }).rows);

type LogLine = { level: number; msg: string; request?: { id: string }; grant?: { id: string } };
type LocalRow = Record<string, unknown> & { creditCode: string };

/** A logger whose lines the test reads. */
function capturingLogger() {
  const lines: LogLine[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

const PUBLISH = `mutation($dataset: String!, $batchKey: String!, $records: [JSONObject!]!) {
  publish(dataset: $dataset, batchKey: $batchKey, records: $records) { status rejections { line field reason } } }`;

async function publishTo(url: string, key: string, name: string, batchKey: string, records: object[]) {
  const { body } = await postGraphql(url, key, PUBLISH, { dataset: name, batchKey, records });
  expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
  expect(body.data.publish.status, JSON.stringify(body.data.publish.rejections)).toBe('APPLIED');
}

let reference: ReferenceData;
beforeAll(async () => {
  reference = await loadReference(db);
});

describe('update cycles (ISO 8601 durations)', () => {
  it('parses every declared cycle and the usual forms', () => {
    for (const d of datasets) expect(() => parseIsoDuration(d.updateCycle), d.name).not.toThrow();
    expect(parseIsoDuration('P1M')).toEqual({ months: 1 });
    expect(parseIsoDuration('P7D')).toEqual({ days: 7 });
    expect(parseIsoDuration('PT6H')).toEqual({ hours: 6 });
    expect(parseIsoDuration('P1Y2M3W4DT5H6M7S')).toEqual({
      years: 1,
      months: 2,
      weeks: 3,
      days: 4,
      hours: 5,
      minutes: 6,
      seconds: 7,
    });
    for (const bad of ['', 'P', 'PT', 'P1DT', '1D', 'P1.5D', 'P-1D', 'P0D', 'daily']) {
      expect(() => parseIsoDuration(bad), bad).toThrow();
    }
  });

  it('is stale one cycle after the last publication (calendar months), and when never published', () => {
    const monthly = dataset('closedEnterprise');
    const endOfJanuary = new Date('2024-01-31T08:00:00Z');
    expect(isStale(monthly, endOfJanuary, new Date('2024-02-29T07:59:00Z'))).toBe(false);
    expect(isStale(monthly, endOfJanuary, new Date('2024-02-29T08:01:00Z'))).toBe(true);
    expect(isStale(monthly, null, new Date())).toBe(true);
  });
});

describe('the dataset freshness job', () => {
  const { keys } = withSeed(hub, (s) =>
    s.keys('HOUSING', 'FORESTRY', 'ECOLOGY', 'AUDITOR', 'PLANNING', '110105'),
  );
  let publishedFrom: number;

  beforeAll(async () => {
    publishedFrom = Date.now() - 1000;
    await publishTo(hub.url, keys.HOUSING, 'constructionPermit', `fresh-${id}`, [
      outgoing('constructionPermit', `fresh-${id}`),
    ]);
  });

  it('finds a dataset just published fresh, and the same data a cycle and more later stale', async () => {
    const now = await checkFreshness(db);
    expect(now).toHaveLength(datasets.length);
    const permits = now.find((r) => r.dataset === 'constructionPermit');
    expect(permits?.stale).toBe(false);
    expect(permits?.lastPublishedAt?.getTime()).toBeGreaterThanOrEqual(publishedFrom);

    // constructionPermit's cycle is P1D: two days on, the same data is stale.
    const later = addDays(new Date(), 2);
    const then = await checkFreshness(db, later);
    expect(then.find((r) => r.dataset === 'constructionPermit')?.stale).toBe(true);
    for (const r of then)
      expect(r.stale, r.dataset).toBe(isStale(dataset(r.dataset), r.lastPublishedAt, later));
    const [stored] = await db
      .select()
      .from(datasetFreshness)
      .where(eq(datasetFreshness.dataset, 'constructionPermit'));
    expect(stored.stale).toBe(true);
    expect(new Date(stored.checkedAt).getTime()).toBe(later.getTime());

    await checkFreshness(db);
  });

  it('shows freshness in the catalogue to the owner, its publishers, ECOLOGY and auditors only', async () => {
    const query = '{ catalog { name freshness { lastPublishedAt stale checkedAt } } }';
    const seen = async (code: string) => {
      const { body } = await postGraphql(hub.url, keys[code], query);
      expect(body.errors).toBeUndefined();
      return Object.fromEntries(
        body.data.catalog.map((d: { name: string; freshness: unknown }) => [d.name, d.freshness]),
      );
    };
    const housing = await seen('HOUSING');
    expect(housing.constructionPermit).toMatchObject({ stale: false });
    expect(new Date(housing.constructionPermit.lastPublishedAt).getTime()).toBeGreaterThanOrEqual(
      publishedFrom,
    );
    expect(housing.pesticideUse).toBeNull();
    const forestry = await seen('FORESTRY'); // a declared publisher of pesticideUse
    expect(forestry.pesticideUse).not.toBeNull();
    expect(forestry.constructionPermit).toBeNull();
    for (const code of ['ECOLOGY', 'AUDITOR']) {
      const all = await seen(code);
      for (const d of datasets) expect(all[d.name], `${code} ${d.name}`).not.toBeNull();
    }
    expect((await seen('PLANNING')).constructionPermit).toBeNull();
    expect(Object.values(await seen('110105')).every((f) => f === null)).toBe(true);
  });
});

describe('the grant housekeeping job', () => {
  const now = new Date();
  const grant = (change: Partial<typeof accessGrant.$inferInsert>) => ({
    dataset: 'closedEnterprise',
    fields: ['legalRepresentative'],
    requester: 'HOUSING',
    purpose: `jobs-${id}`,
    termDays: 30,
    ...change,
  });
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    const rows = await db
      .insert(accessGrant)
      .values([
        grant({ requestedAt: subDays(now, 20).toISOString() }),
        grant({}),
        grant({
          status: 'APPROVED',
          decidedBy: 'ECONOMY',
          decidedAt: subDays(now, 40).toISOString(),
          expiresAt: subDays(now, 1).toISOString(),
        }),
        // Active, so it must grant nothing: other test files read closedEnterprise as HOUSING meanwhile.
        grant({
          fields: ['noSuchField'],
          status: 'APPROVED',
          decidedBy: 'ECONOMY',
          decidedAt: subDays(now, 1).toISOString(),
          expiresAt: addDays(now, 1).toISOString(),
        }),
      ])
      .returning({ id: accessGrant.id });
    [ids.overdue, ids.pending, ids.expired, ids.active] = rows.map((r) => r.id);
  });

  const stamps = async () =>
    Object.fromEntries(
      (
        await db
          .select()
          .from(accessGrant)
          .where(inArray(accessGrant.id, Object.values(ids)))
      ).map((row) => [row.id, { expired: row.expiredNotedAt, overdue: row.overdueFlaggedAt }]),
    );

  it('flags a request unanswered after 10 working days and notes an expired grant, once each, logged', async () => {
    const { logger, lines } = capturingLogger();
    const result = await grantHousekeeping(db, logger);
    expect(result.overdue).toBeGreaterThanOrEqual(1);
    expect(result.expired).toBeGreaterThanOrEqual(1);
    const first = await stamps();
    expect(first[ids.overdue].overdue).not.toBeNull();
    expect(first[ids.pending]).toEqual({ expired: null, overdue: null });
    expect(first[ids.expired].expired).not.toBeNull();
    expect(first[ids.active]).toEqual({ expired: null, overdue: null });
    expect(lines.find((l) => l.request?.id === ids.overdue)).toMatchObject({ level: 40 });
    expect(lines.find((l) => l.grant?.id === ids.expired)).toMatchObject({ msg: 'access grant expired' });

    const again = capturingLogger();
    await grantHousekeeping(db, again.logger);
    expect(await stamps()).toEqual(first);
    const mentioned = again.lines.filter((l) =>
      [ids.overdue, ids.expired].includes(l.request?.id ?? l.grant?.id ?? ''),
    );
    expect(mentioned).toEqual([]);
  });
});

describe('the scheduler (pg-boss)', () => {
  it('runs a scheduled slot once across two hub processes, and lets a running job finish on stop', async () => {
    const schema = `pgboss_test_${id.toLowerCase()}`;
    const startedAt = new Date();
    // Two hub processes: on a server, two pools; embedded PGlite takes one connection, so both share it.
    const pools = onServer
      ? [0, 1].map(() =>
          postgres(hub.database.url, { max: 3, onnotice: () => {}, connection: sessionParameters(0) }),
        )
      : [hub.database.sql];
    const everyMinute: Date[] = []; // a `* * * * *` schedule: one run per minute across both
    const started: number[] = [];
    const finished: number[] = [];
    let released = false;
    const definitions = (instance: number, instanceDb: Db): JobDefinition[] => [
      ...hubJobs({ db: instanceDb, reference, logger: pino({ level: 'silent' }), pullJobs: [] }),
      {
        queue: 'jingtu-test-every-minute',
        cron: '* * * * *',
        run: async () => {
          everyMinute.push(new Date());
        },
      },
      {
        queue: 'jingtu-test-at-start',
        cron: '0 0 1 1 *',
        atStart: true,
        run: async () => {
          started.push(instance);
          await until(() => released, 20_000, 'the release of the job');
          await sleep(300);
          finished.push(instance);
          return { instance };
        },
      },
    ];
    const running: RunningJobs[] = [];
    try {
      running.push(
        ...(await Promise.all(
          [0, 1].map((instance) => {
            const pool = pools[instance] ?? pools[0];
            return startJobs({
              sql: pool,
              logger: pino({ level: 'silent' }),
              schema,
              definitions: definitions(instance, drizzle({ client: pool })),
              timing: {
                cronMonitorIntervalSeconds: 1,
                cronWorkerIntervalSeconds: 1,
                pollingIntervalSeconds: 0.5,
              },
            });
          }),
        )),
      );
      const freshnessCheckedAt = async () => {
        const [row] = await db
          .select()
          .from(datasetFreshness)
          .where(eq(datasetFreshness.dataset, 'constructionPermit'));
        return new Date(row.checkedAt).getTime();
      };
      await until(
        async () =>
          everyMinute.length > 0 && started.length > 0 && (await freshnessCheckedAt()) >= startedAt.getTime(),
        15_000,
        'the first runs',
      );
      // The hub keeps answering while the jobs poll (on PGlite, over the same single connection).
      const key = await hub.key('ECOLOGY');
      const { body } = await postGraphql(hub.url, key, '{ catalog { name } }');
      expect(body.data.catalog).toHaveLength(datasets.length);
      await sleep(2500); // both instances' cron monitors and workers have had their turns
      expect(finished).toEqual([]);
      setTimeout(() => {
        released = true;
      }, 300);
      await Promise.all(running.map((jobs) => jobs.stop()));
      expect(finished).toHaveLength(1); // stop waited for it
      expect(started).toHaveLength(1);
      // Once per minute's slot (the test may straddle the turn of a minute: then once in each).
      const slots = Math.floor(Date.now() / 60_000) - Math.floor(startedAt.getTime() / 60_000) + 1;
      const minutes = everyMinute.map((at) => Math.floor(at.getTime() / 60_000));
      expect(new Set(minutes).size).toBe(minutes.length);
      const [created] = rowsOf<{ jobs: string | number }>(
        await db.execute(
          sql`select count(*) as jobs from ${sql.identifier(schema)}.job where name = 'jingtu-test-every-minute'`,
        ),
      );
      expect(Number(created.jobs)).toBeGreaterThanOrEqual(minutes.length);
      expect(Number(created.jobs)).toBeLessThanOrEqual(slots);
    } finally {
      released = true;
      await Promise.all(running.map((jobs) => jobs.stop()));
      await db.execute(sql`drop schema if exists ${sql.identifier(schema)} cascade`);
      if (onServer) await Promise.all(pools.map((pool) => pool.end({ timeout: 5 })));
    }
    // Two pg-boss instances install, poll and stop: over 30 s on a loaded CI machine (2026-12-06).
  }, 90_000);

  it.skipIf(!onServer)(
    'reports a completion whose statement fails (the pool gone) as a scheduler error, not an unhandled rejection',
    async () => {
      const schema = `pgboss_gone_${id.toLowerCase()}`;
      const queue = 'jingtu-test-pool-gone';
      const pool = postgres(hub.database.url, {
        max: 2,
        onnotice: () => {},
        connection: sessionParameters(0),
      });
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown) => unhandled.push(reason);
      process.on('unhandledRejection', onUnhandled);
      const { logger, lines } = capturingLogger();
      let running: RunningJobs | undefined;
      try {
        running = await startJobs({
          sql: pool,
          logger,
          schema,
          definitions: [
            {
              queue,
              cron: '0 0 1 1 *',
              atStart: true,
              // The database goes away while the job runs: its completion cannot be written.
              run: async () => {
                await pool.end({ timeout: 1 });
                return { done: true };
              },
            },
          ],
          timing: { pollingIntervalSeconds: 0.5 },
        });
        await until(
          () =>
            lines.some((line) => line.msg === 'job scheduler error' && JSON.stringify(line).includes(queue)),
          15_000,
          'the failed completion to be reported',
        );
        await sleep(100); // an unhandled rejection is reported after the microtasks of its turn
        expect(unhandled).toEqual([]);
        expect(lines.find((line) => line.msg === 'job done')).toBeDefined();
        const [job] = rowsOf<{ state: string }>(
          await db.execute(sql`select state from ${sql.identifier(schema)}.job where name = ${queue}`),
        );
        expect(job.state).toBe('active'); // not completed: it expires and is retried
      } finally {
        await running?.stop(5_000);
        process.off('unhandledRejection', onUnhandled);
        await pool.end({ timeout: 5 });
        await db.execute(sql`drop schema if exists ${sql.identifier(schema)} cascade`);
      }
    },
    60_000,
  );

  it('names one queue per pull job, scheduled by its cron expression', () => {
    const job: PullJobConfig = {
      name: 'county',
      url: 'http://127.0.0.1:1',
      key: 'jt_x',
      dataset: 'constructionPermit',
      every: '*/15 * * * *',
      publishAs: 'HOUSING',
    };
    const defined = hubJobs({ db, reference, logger: pino({ level: 'silent' }), pullJobs: [job] });
    expect(defined.map((d) => [d.queue, d.cron])).toEqual([
      ['jingtu-audit-retention', '30 3 * * *'],
      ['jingtu-grants', '*/10 * * * *'],
      ['jingtu-freshness', '5 * * * *'],
      ['jingtu-supervision', '*/10 * * * *'],
      ['jingtu-supervision-full', '30 2 * * *'],
      ['jingtu-pull-county', '*/15 * * * *'],
    ]);
  });
});

describe('jingtu serve with jobs', () => {
  const run = promisify(execFile);

  it('refuses a bad JINGTU_PULL_JOBS with one line that names the entry, never the key', async () => {
    const jobs = JSON.stringify([
      {
        name: 'x',
        url: 'http://h',
        key: 'jt_secret',
        dataset: 'nope',
        every: '* * * * *',
        publishAs: 'HOUSING',
      },
    ]);
    const failure = await run('node', ['bin/jingtu.js', 'serve'], {
      env: { ...process.env, DATABASE_URL: '', JINGTU_PULL_JOBS: jobs },
    }).catch((error: { code: number; stderr: string }) => error);
    expect('code' in failure && failure.code).toBe(2);
    const lines = (failure as { stderr: string }).stderr.trim().split('\n');
    expect(lines).toEqual([
      'jingtu: invalid configuration: JINGTU_PULL_JOBS[0].dataset must be a dataset id of the catalogue (e.g. constructionPermit)',
    ]);
  });

  it.skipIf(!onServer)('starts the jobs with the hub and stops them on SIGTERM', async () => {
    const pullJobs = JSON.stringify([
      {
        name: 'serve-test',
        url: 'http://127.0.0.1:9',
        key: 'k',
        dataset: 'closedEnterprise',
        every: '0 3 * * *',
        publishAs: 'ECONOMY',
      },
    ]);
    const child = await spawnHub({
      DATABASE_URL: hub.database.url,
      LOG_LEVEL: 'info',
      JINGTU_PULL_JOBS: pullJobs,
    });
    try {
      await until(() => child.output().includes('scheduled jobs started'), 10_000, 'the jobs to start');
      expect(child.output()).toContain('jingtu-pull-serve-test (0 3 * * *)');
    } finally {
      const code = await child.stop();
      expect(code, `the hub's output:\n${child.output()}`).toBe(0);
    }
  });
});

describe.skipIf(!onServer)('pull jobs between two hubs', () => {
  const REMOTE_DB = 'jingtu_pull_test';
  const remoteUrl = (() => {
    const url = new URL(hub.database.url);
    url.pathname = `/${REMOTE_DB}`;
    return url.toString();
  })();
  const enterprises = dataset('closedEnterprise');
  let admin: postgres.Sql;
  let remoteSql: postgres.Sql;
  let remoteHub: Hub;
  let remote: string;
  const remoteKeys: Record<string, string> = {};
  const records = [0, 1, 2].map((n) =>
    outgoing('closedEnterprise', `${id}-${n}`, {
      creditCode: creditCodeFor(`pull-${id}-${n}`),
      name: `拉取测试企业${id}-${n}`,
    }),
  );
  const codes = () => records.map((r) => r.creditCode as string);
  const job = (): PullJobConfig => ({
    name: `t-${id}`,
    url: remote,
    key: remoteKeys.ECONOMY,
    dataset: 'closedEnterprise',
    every: '* * * * *',
    publishAs: 'ECONOMY',
  });
  const audit = new AuditWriter(hub.database.sql, pino({ level: 'silent' }));
  const deps = (): PullDependencies => ({ db, reference, logger: pino({ level: 'silent' }), audit });
  const localRows = async (creditCodes = codes()): Promise<LocalRow[]> => {
    const table = enterprises.drizzle;
    const creditCode = getTableColumns(table).creditCode;
    return (await db.select().from(table).where(inArray(creditCode, creditCodes))) as LocalRow[];
  };

  beforeAll(async () => {
    // The remote hub has a database of its own: its change feed holds only this test's rows.
    admin = postgres(hub.database.url, { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists ${REMOTE_DB} with (force)`);
    await admin.unsafe(`create database ${REMOTE_DB}`);
    await runMigrations(remoteUrl);
    remoteSql = postgres(remoteUrl, { max: 4, onnotice: () => {}, connection: sessionParameters(0) });
    const remoteDb = drizzle({ client: remoteSql });
    remoteHub = await createHub({
      db: remoteDb,
      sql: remoteSql,
      reference: await loadReference(remoteDb),
      logger: pino({ level: 'silent' }),
    });
    await new Promise<void>((resolve) => remoteHub.httpServer.listen(0, '127.0.0.1', resolve));
    remote = `http://127.0.0.1:${(remoteHub.httpServer.address() as AddressInfo).port}`;
    for (const code of ['ECONOMY', 'HOUSING'])
      remoteKeys[code] = (await createKey(remoteDb, code, 'pull')).key;
    await publishTo(remote, remoteKeys.ECONOMY, 'closedEnterprise', 'county-1', records);
  });

  afterAll(async () => {
    await audit.close();
    await remoteHub?.stop();
    remoteHub?.httpServer.close();
    await remoteSql?.end({ timeout: 5 });
    await admin?.unsafe(`drop database if exists ${REMOTE_DB} with (force)`);
    await admin?.end({ timeout: 5 });
  });

  let afterFirst: string;
  let afterChanges: string;

  it('copies the remote rows (geometry included) as the local publisher, then finds nothing new', async () => {
    const first = await runPull(job(), deps());
    expect(first).toMatchObject({ pages: 1, changes: 3, upserts: 3, inserted: 3, more: false });
    const rows = await localRows();
    expect(rows).toHaveLength(3);
    for (const record of records) {
      const row = rows.find((r) => r.creditCode === record.creditCode) as LocalRow;
      expect(row.publisher).toBe('ECONOMY');
      expect(row.syncBatch).toMatch(new RegExp(`^pull:t-${id}:0-[\\w-]+$`));
      for (const field of Object.keys(enterprises.fields)) expect(row[field], field).toEqual(record[field]);
    }
    afterFirst = first.cursor;
    const again = await runPull(job(), deps());
    expect(again).toMatchObject({ pages: 0, changes: 0, cursor: afterFirst });
    const [state] = await db
      .select()
      .from(pullState)
      .where(eq(pullState.name, `t-${id}`));
    expect(state).toMatchObject({ cursor: afterFirst, dataset: 'closedEnterprise', remoteUrl: remote });
  });

  it('carries updates and tombstones', async () => {
    await publishTo(remote, remoteKeys.ECONOMY, 'closedEnterprise', 'county-2', [
      { ...records[0], name: `改名企业${id}` },
      { creditCode: records[1].creditCode, deleted: true },
    ]);
    const outcome = await runPull(job(), deps());
    expect(outcome).toMatchObject({ changes: 2, upserts: 1, deletes: 1, updated: 1, deleted: 1 });
    afterChanges = outcome.cursor;
    const rows = await localRows();
    const byCode = new Map(rows.map((r) => [r.creditCode, r]));
    expect(byCode.get(records[0].creditCode)).toMatchObject({
      name: `改名企业${id}`,
      version: 2,
      deleted: false,
    });
    expect(byCode.get(records[1].creditCode)).toMatchObject({ deleted: true, version: 2 });
    expect(byCode.get(records[2].creditCode)).toMatchObject({ deleted: false, version: 1 });
  });

  it('re-applies nothing when a page is pulled again after a crash before its cursor was saved', async () => {
    await db
      .update(pullState)
      .set({ cursor: afterFirst })
      .where(eq(pullState.name, `t-${id}`));
    const before = await localRows();
    const rerun = await runPull(job(), deps());
    expect(rerun).toMatchObject({ changes: 2, inserted: 0, updated: 0, deleted: 0, cursor: afterChanges });
    expect(await localRows()).toEqual(before);
    const batches = await db
      .select()
      .from(syncBatch)
      .where(eq(syncBatch.batchKey, `pull:t-${id}:${afterFirst}-${afterChanges}`));
    expect(batches).toHaveLength(1);
  });

  it('audits every pulled page as a publish by the local publisher, a replayed one too', async () => {
    const records = await hub.database.sql<
      { principal: string; requestId: string; outcome: string; actions: Record<string, unknown>[] }[]
    >`
      select principal, request_id as "requestId", outcome, detail -> 'actions' as actions from audit_log
      where event = 'PULL_PUBLISH' and operation_name = ${`pull t-${id} from ${remote}`} order by seq`;
    const pages = [`0-${afterFirst}`, `${afterFirst}-${afterChanges}`, `${afterFirst}-${afterChanges}`];
    expect(records.map((r) => r.requestId)).toEqual(pages.map((p) => `pull:t-${id}:${p}`));
    expect(records.every((r) => r.principal === 'ECONOMY' && r.outcome === 'OK')).toBe(true);
    expect(records.map((r) => r.actions)).toEqual([
      [
        expect.objectContaining({
          action: 'PUBLISH',
          dataset: 'closedEnterprise',
          inserted: 3,
          replayed: false,
        }),
      ],
      [expect.objectContaining({ action: 'PUBLISH', updated: 1, deleted: 1, replayed: false })],
      [expect.objectContaining({ action: 'PUBLISH', replayed: true })],
    ]);
  });

  it('resumes from its cursor, page by page, across runs', async () => {
    const more = [3, 4, 5, 6, 7].map((n) =>
      outgoing('closedEnterprise', `${id}-${n}`, { creditCode: creditCodeFor(`pull-${id}-${n}`) }),
    );
    await publishTo(remote, remoteKeys.ECONOMY, 'closedEnterprise', 'county-3', more);
    const cut = { ...deps(), pageSize: 2, maxRunMs: 0 };
    const one = await runPull(job(), cut);
    expect(one).toMatchObject({ pages: 1, changes: 2, more: true });
    const two = await runPull(job(), cut);
    expect(two).toMatchObject({ pages: 1, changes: 2, more: true });
    const rest = await runPull(job(), { ...deps(), pageSize: 2 });
    expect(rest).toMatchObject({ pages: 1, changes: 1, more: false });
    expect(await localRows(more.map((r) => r.creditCode as string))).toHaveLength(5);
  });

  it('refuses a remote key that does not read every field in clear, a wrong publisher and a foreign cursor', async () => {
    const [state] = await db
      .select()
      .from(pullState)
      .where(eq(pullState.name, `t-${id}`));
    await expect(runPull({ ...job(), key: remoteKeys.HOUSING }, deps())).rejects.toThrow(
      /does not read closedEnterprise in clear \(legalRepresentative: DENIED, legalRepresentativePhone: DENIED\)/,
    );
    await expect(runPull({ ...job(), publishAs: 'HOUSING' }, deps())).rejects.toThrow(
      /HOUSING may not publish closedEnterprise/,
    );
    await expect(runPull({ ...job(), publishAs: 'NOBODY' }, deps())).rejects.toThrow(PullError);
    await expect(
      runPull({ ...job(), dataset: 'constructionPermit', publishAs: 'HOUSING' }, deps()),
    ).rejects.toThrow(/stored cursor is for closedEnterprise/);
    await expect(runPull({ ...job(), key: 'jt_wrong' }, deps())).rejects.toThrow(/refused the key/);
    const [after] = await db
      .select()
      .from(pullState)
      .where(eq(pullState.name, `t-${id}`));
    expect(after).toEqual(state);
  });
});
