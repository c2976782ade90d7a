import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { drizzle } from 'drizzle-orm/postgres-js';
import { pino } from 'pino';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createKey } from '../src/access/keys.js';
import { verifyAuditChain } from '../src/audit/chain.js';
import { UnauthenticatedRefusals } from '../src/audit/refusals.js';
import { AuditWriter } from '../src/audit/writer.js';
import { datasetByName } from '../src/catalog/registry.js';
import { ConfigError, DEFAULT_LIMITS, type HubLimits, loadConfig } from '../src/config.js';
import { loadReference } from '../src/datasets/reference.js';
import { type Db, sessionParameters } from '../src/db/connection.js';
import { createHub, type Hub } from '../src/http/app.js';
import { TIMEOUT_MESSAGE, UNAVAILABLE_MESSAGE } from '../src/http/errors.js';
import { createLogger } from '../src/http/logger.js';
import { withTestDatabase } from './support/db.js';
import { startCuttableProxy } from './support/pgCluster.js';

/**
 * The request edge, /graphql and the bulk routes alike (src/http/edge.ts). Requests without a valid key
 * (issue 11 item 6): limited per client address, and audited as one record for the first refusal of an
 * address in a minute plus one count of the rest, so that nobody without a key can grow the audit log
 * without bound. An authenticated principal's refusals stay one record each.
 */

const database = withTestDatabase();

interface RunningHub {
  url: string;
  port: number;
  /** Stops the hub as a shutdown does: what is counted is written. */
  stop(): Promise<void>;
}

const running: Hub[] = [];

/** A connection of the hub's own, with the hub's session settings, closed after the file's tests. */
function hubConnection(url: string, statementTimeoutMs = 0): postgres.Sql {
  const sql = postgres(url, {
    max: 1,
    onnotice: () => {},
    connect_timeout: 2,
    connection: sessionParameters(statementTimeoutMs),
  });
  afterAll(() => sql.end({ timeout: 1 }));
  return sql;
}

async function startHub(
  options: { limits?: Partial<HubLimits>; trustedProxies?: string[]; sql?: postgres.Sql; db?: Db } = {},
): Promise<RunningHub> {
  const hub = await createHub({
    db: options.db ?? (options.sql ? drizzle({ client: options.sql }) : database.db),
    sql: options.sql ?? database.sql,
    reference: await loadReference(database.db),
    logger: createLogger(process.env.HUB_LOG_LEVEL ?? 'silent'),
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    trustedProxies: options.trustedProxies,
  });
  running.push(hub);
  await new Promise<void>((resolve) => hub.httpServer.listen(0, '127.0.0.1', resolve));
  const { port } = hub.httpServer.address() as AddressInfo;
  let stopped = false;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    async stop() {
      if (stopped) return;
      stopped = true;
      await hub.stop();
      hub.httpServer.close();
    },
  };
}

afterAll(async () => {
  for (const hub of running) {
    await hub.stop().catch(() => {});
    hub.httpServer.close();
  }
});

/** A loopback address of its own for each test (Linux answers the whole of 127.0.0.0/8). */
const octet = () => 1 + Math.floor(Math.random() * 254);
const ownAddress = () => `127.${octet()}.${octet()}.${octet()}`;

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  // biome-ignore lint/suspicious/noExplicitAny: parsed JSON of the hub's answers, checked by the assertions
  json: any;
}

/** One request from the local address `from` (the peer address the hub sees). */
function send(
  hub: RunningHub,
  options: {
    from: string;
    method?: 'GET' | 'POST';
    path?: string;
    authorization?: string;
    forwardedFor?: string;
    body?: string;
    headers?: Record<string, string>;
  },
): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.authorization !== undefined) headers.authorization = options.authorization;
  if (options.forwardedFor !== undefined) headers['x-forwarded-for'] = options.forwardedFor;
  const body =
    options.body ?? (options.method === 'GET' ? undefined : JSON.stringify({ query: '{ me { code } }' }));
  if (body !== undefined) {
    headers['content-type'] ??= 'application/json';
    headers['content-length'] = String(Buffer.byteLength(body));
  }
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: hub.port,
        localAddress: options.from,
        method: options.method ?? 'POST',
        path: options.path ?? '/graphql',
        headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = text;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, json });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const bogus = (i: number) => `Bearer jt_bogus${i}`;

interface StoredRecord {
  seq: number;
  event: string;
  principal: string | null;
  outcome: string;
  requestId: string | null;
  detail: {
    address?: string | null;
    count?: number;
    outcomes?: Record<string, number>;
    events?: Record<string, number>;
    reason?: string;
    errors?: Record<string, number>;
  };
}

/** The audit records that name a client address. */
async function recordsOf(address: string): Promise<StoredRecord[]> {
  return database.sql<StoredRecord[]>`
    select seq::int as seq, event, principal, outcome, request_id as "requestId", detail
    from audit_log where detail ->> 'address' = ${address} order by seq`;
}

/** Refusals an address's records account for: each single record is one, a count record its count. */
const accountedFor = (records: StoredRecord[]) =>
  records.reduce((sum, r) => sum + (r.event === 'UNAUTHENTICATED_REQUESTS' ? (r.detail.count ?? 0) : 1), 0);

describe('a flood of requests without a valid key', () => {
  it('gets 429 with Retry-After past the limit and costs a bounded number of audit records', async () => {
    const hub = await startHub({ limits: { anonymousPerMinute: 5 } });
    const from = ownAddress();
    const statuses: number[] = [];
    // within the limit: each refused with 401
    for (let i = 0; i < 5; i++) statuses.push((await send(hub, { from, authorization: bogus(i) })).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    // past it: /graphql POST and GET, without a key and with a bogus one, and the bulk routes: all 429
    const flood = await Promise.all(
      Array.from({ length: 200 }, (_, i) => {
        switch (i % 5) {
          case 0:
            return send(hub, { from, authorization: bogus(i) });
          case 1:
            return send(hub, { from });
          case 2:
            return send(hub, {
              from,
              method: 'GET',
              path: '/graphql?query=%7Bme%7Bcode%7D%7D',
              authorization: bogus(i),
              headers: { 'apollo-require-preflight': 'true' },
            });
          case 3:
            return send(hub, {
              from,
              method: 'GET',
              path: '/datasets/constructionPermit/export',
              authorization: bogus(i),
            });
          default:
            return send(hub, {
              from,
              path: `/datasets/constructionPermit/batches/flood-${i}`,
              authorization: bogus(i),
              body: '{}\n',
              headers: { 'content-type': 'application/x-ndjson' },
            });
        }
      }),
    );
    expect(flood.map((reply) => reply.status)).toEqual(flood.map(() => 429));
    for (const reply of flood) {
      expect(Number(reply.headers['retry-after'])).toBeGreaterThan(0);
      expect(reply.json.errors[0].extensions.code).toBe('RATE_LIMITED');
    }
    expect(flood[0].json.errors[0].message).toMatch(/without a valid key/);

    // Before the minute ends: the address's first refusal only, as a record of its own.
    const before = await recordsOf(from);
    // (3 if a minute turned during the flood: its count, and the next minute's first)
    expect(before.length).toBeLessThanOrEqual(3);
    expect(before[0]).toMatchObject({ event: 'GRAPHQL', principal: null, outcome: 'UNAUTHENTICATED' });
    // At shutdown, the rest as counts: one record per address and minute, accounting for all 205.
    await hub.stop();
    const after = await recordsOf(from);
    expect(after.length).toBeLessThanOrEqual(4);
    expect(accountedFor(after)).toBe(205);
    const counted = after.filter((r) => r.event === 'UNAUTHENTICATED_REQUESTS');
    expect(counted.length).toBeGreaterThan(0);
    const outcomes: Record<string, number> = {};
    for (const record of counted) {
      expect(record).toMatchObject({ principal: null, outcome: 'REFUSED' });
      for (const [outcome, n] of Object.entries(record.detail.outcomes ?? {}))
        outcomes[outcome] = (outcomes[outcome] ?? 0) + n;
    }
    // a minute that turned during the flood begins with a refusal recorded on its own
    for (const record of after) {
      if (record.event !== 'UNAUTHENTICATED_REQUESTS')
        outcomes[record.outcome] = (outcomes[record.outcome] ?? 0) + 1;
    }
    expect(outcomes.RATE_LIMITED).toBe(200);
    expect(await verifyAuditChain(database.sql)).toMatchObject({ intact: true });

    // auditors find them with auditLog
    const reader = await startHub();
    const auditor = (await createKey(database.db, 'AUDITOR', 'reader')).key;
    const found = await send(reader, {
      from: ownAddress(),
      authorization: `Bearer ${auditor}`,
      body: JSON.stringify({
        query: `{ auditLog(filter: { event: "UNAUTHENTICATED_REQUESTS", from: "${new Date(Date.now() - 600_000).toISOString()}" }, first: 1000) {
          records { event principal outcome detail } } }`,
      }),
    });
    expect(found.json.errors).toBeUndefined();
    const listed = found.json.data.auditLog.records.filter(
      (r: StoredRecord) => r.detail.address === from,
    ) as StoredRecord[];
    expect(listed.map((r) => r.detail.count)).toEqual(counted.map((r) => r.detail.count));
    await reader.stop();
  });

  it('lets a key the hub has seen through, and refuses a key it has not without looking it up', async () => {
    const hub = await startHub({ limits: { anonymousPerMinute: 2 } });
    const from = ownAddress();
    const seen = (await createKey(database.db, 'WATER', 'seen')).key;
    expect((await send(hub, { from, authorization: `Bearer ${seen}` })).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await send(hub, { from, authorization: bogus(i) })).status).toBe(401);
    expect((await send(hub, { from, authorization: bogus(3) })).status).toBe(429);
    // a principal working from the same address (behind the same NAT) is not locked out
    const again = await send(hub, { from, authorization: `Bearer ${seen}` });
    expect(again.status).toBe(200);
    expect(again.json.data).toEqual({ me: { code: 'WATER' } });
    // a live key this hub has not seen yet is not looked up while the address floods: 429
    const fresh = (await createKey(database.db, 'HOUSING', 'fresh')).key;
    expect((await send(hub, { from, authorization: `Bearer ${fresh}` })).status).toBe(429);
    // from another address it works at once
    expect((await send(hub, { from: ownAddress(), authorization: `Bearer ${fresh}` })).status).toBe(200);
    await hub.stop();
  });

  it('is written as counts at the end of each minute, not only at shutdown', async () => {
    const writer = new AuditWriter(database.sql, pino({ level: 'silent' }));
    const refusals = new UnauthenticatedRefusals(writer, { minuteMs: 1500 });
    const address = ownAddress();
    try {
      const refusal = (i: number) => ({
        address,
        event: 'GRAPHQL',
        outcome: 'UNAUTHENTICATED',
        requestId: `r-${address}-${i}`,
        operationName: null,
        reason: 'unknown, revoked or expired key',
      });
      // all in one turn of the event loop: in one "minute" (of 1.5 s here), but for a turn of it in between
      await Promise.all(Array.from({ length: 10 }, (_, i) => refusals.record(refusal(i))));
      // without close(): the end of the minute writes the count; all 10 are accounted for, in the first's
      // own record and a count (4 records if the minute turned between two of them)
      await expect.poll(async () => accountedFor(await recordsOf(address)), { timeout: 5_000 }).toBe(10);
      const records = await recordsOf(address);
      expect(records.length).toBeLessThanOrEqual(4);
      expect(records[0]).toMatchObject({ event: 'GRAPHQL', outcome: 'UNAUTHENTICATED' });
      expect(records.at(-1)).toMatchObject({ event: 'UNAUTHENTICATED_REQUESTS', outcome: 'REFUSED' });
    } finally {
      await refusals.close();
      await writer.close();
    }
  });

  it('writes at most one record per address and minute for a bounded number of addresses, and one count for the rest', async () => {
    const writer = new AuditWriter(database.sql, pino({ level: 'silent' }));
    const refusals = new UnauthenticatedRefusals(writer, { maxAddresses: 3 });
    const prefix = `198.18.${octet()}`;
    const before = await database.sql<
      { seq: number }[]
    >`select coalesce(max(seq), 0)::int as seq from audit_log`;
    try {
      for (let host = 1; host <= 50; host++) {
        for (let i = 0; i < 4; i++) {
          await refusals.record({
            address: `${prefix}.${host}`,
            event: 'GRAPHQL',
            outcome: 'UNAUTHENTICATED',
            requestId: `many-${prefix}-${host}-${i}`,
            operationName: null,
            reason: 'no key',
          });
        }
      }
    } finally {
      await refusals.close();
      await writer.close();
    }
    const records = await database.sql<StoredRecord[]>`
      select seq::int as seq, event, principal, outcome, request_id as "requestId", detail from audit_log
      where seq > ${before[0].seq}
        and (detail ->> 'address' like ${`${prefix}.%`} or request_id like ${`many-${prefix}-%`}
             or (event = 'UNAUTHENTICATED_REQUESTS' and detail -> 'address' = 'null'::jsonb))`;
    const mine = records.filter((r) => r.detail.address !== null || r.detail.count === 200 - 3 * 4);
    // 3 addresses: their first refusal and a count each; the other 47 addresses: one count together
    expect(mine.length).toBeLessThanOrEqual(2 * 3 + 1 + 4); // + a turn of the minute
    expect(accountedFor(mine)).toBe(200);
    const overflow = mine.find((r) => r.detail.address === null);
    expect(overflow?.detail).toMatchObject({ count: 188, addresses: 47 });
  });
});

describe('the bulk routes, admitted, answered and audited as /graphql', () => {
  const routes = [
    { event: 'GRAPHQL', method: 'POST', path: '/graphql' },
    { event: 'BULK_CHANGES', method: 'GET', path: '/datasets/constructionPermit/changes?limit=1' },
    { event: 'BULK_EXPORT', method: 'GET', path: '/datasets/constructionPermit/export' },
  ] as const;

  /** The audit records of these requests, in their order. */
  const recordsFor = (ids: string[]) =>
    database.sql<StoredRecord[]>`
      select seq::int as seq, event, principal, outcome, request_id as "requestId", detail from audit_log
      where request_id in ${database.sql(ids)} order by seq`;

  it('refuses a request as UNAVAILABLE while the database is out of reach, and audits it so on every route', async () => {
    const proxy = await startCuttableProxy(Number(new URL(database.url).port));
    const proxied = new URL(database.url);
    proxied.port = String(proxy.port);
    const hub = await startHub({ db: drizzle({ client: hubConnection(proxied.toString()) }) });
    const seen = (await createKey(database.db, 'WATER', 'outage')).key;
    try {
      expect((await send(hub, { from: ownAddress(), authorization: `Bearer ${seen}` })).status).toBe(200);
      proxy.refuse(true);
      const ids: string[] = [];
      const replies: Reply[] = [];
      for (const { method, path } of routes) {
        // a key this hub has seen valid, and one it has not: neither can be checked
        for (const authorization of [`Bearer ${seen}`, bogus(1)]) {
          const requestId = `outage-${ownAddress()}-${ids.length}`;
          ids.push(requestId);
          // each from an address of its own: the first refusal of an address is a record of its own
          const from = ownAddress();
          replies.push(
            await send(hub, { from, method, path, authorization, headers: { 'x-request-id': requestId } }),
          );
        }
      }
      for (const reply of replies) {
        expect(reply.status).toBe(503);
        expect(reply.headers['retry-after']).toBe('10');
        expect(reply.json).toEqual({
          errors: [{ message: UNAVAILABLE_MESSAGE, extensions: { code: 'SERVICE_UNAVAILABLE' } }],
        });
      }
      await hub.stop();
      const records = await recordsFor(ids);
      expect(records.map((r) => [r.event, r.principal, r.outcome])).toEqual(
        routes.flatMap(({ event }) => [
          [event, null, 'UNAVAILABLE'],
          [event, null, 'UNAVAILABLE'],
        ]),
      );
    } finally {
      await proxy.close();
    }
  });

  it('refuses a principal past its limit and a flooding address as RATE_LIMITED on every route, audited so', async () => {
    const hub = await startHub({ limits: { ratePerMinute: 1, anonymousPerMinute: 1 } });
    const key = (await createKey(database.db, 'WATER', 'limited everywhere')).key;
    const flooding = ownAddress();
    // the flooding address's one refusal of the minute; the principal's one request
    expect((await send(hub, { from: flooding, authorization: bogus(0) })).status).toBe(401);
    expect((await send(hub, { from: ownAddress(), authorization: `Bearer ${key}` })).status).toBe(200);
    const ids: string[] = [];
    for (const { method, path } of routes) {
      const requestId = `limited-${flooding}-${ids.length}`;
      ids.push(requestId);
      const principal = await send(hub, {
        from: ownAddress(),
        method,
        path,
        authorization: `Bearer ${key}`,
        headers: { 'x-request-id': requestId },
      });
      const address = await send(hub, { from: flooding, method, path, authorization: bogus(1) });
      for (const reply of [principal, address]) {
        expect(reply.status).toBe(429);
        expect(Number(reply.headers['retry-after'])).toBeGreaterThan(0);
        expect(reply.json.errors[0].extensions.code).toBe('RATE_LIMITED');
      }
    }
    await hub.stop();
    expect((await recordsFor(ids)).map((r) => [r.event, r.principal, r.outcome])).toEqual(
      routes.map(({ event }) => [event, 'WATER', 'RATE_LIMITED']),
    );
    const counted = (await recordsOf(flooding)).filter((r) => r.event === 'UNAUTHENTICATED_REQUESTS');
    const events: Record<string, number> = {};
    for (const record of counted) {
      expect(record.detail.outcomes).toEqual({ RATE_LIMITED: record.detail.count });
      for (const [event, n] of Object.entries(record.detail.events ?? {}))
        events[event] = (events[event] ?? 0) + n;
    }
    expect(events).toEqual(Object.fromEntries(routes.map(({ event }) => [event, 1])));
  });

  it("counts a transfer's error by its code in the audit record, as /graphql's records do", async () => {
    const hub = await startHub();
    const key = (await createKey(database.db, 'HOUSING', 'errors by code')).key;
    const asked = [
      ['GET', '/datasets/noSuchDataset/export', undefined, 404, { NOT_FOUND: 1 }],
      ['POST', '/datasets/constructionPermit/batches/by-code', 'text/plain', 415, { BAD_USER_INPUT: 1 }],
    ] as const;
    const ids: string[] = [];
    for (const [method, path, type, status] of asked) {
      const requestId = `by-code-${ownAddress()}`;
      ids.push(requestId);
      const headers: Record<string, string> = {
        'x-request-id': requestId,
        ...(type ? { 'content-type': type } : {}),
      };
      const reply = await send(hub, {
        from: ownAddress(),
        method,
        path,
        authorization: `Bearer ${key}`,
        body: method === 'POST' ? 'x' : undefined,
        headers,
      });
      expect(reply.status).toBe(status);
    }
    await hub.stop();
    const records = await recordsFor(ids);
    expect(records.map((r) => [r.outcome, r.detail.errors])).toEqual(
      asked.map(([, , , , errors]) => ['FAILED', errors]),
    );
  });

  it.skipIf(inject('databaseKind') === 'embedded')(
    'answers a statement past the statement timeout with TIMEOUT on every route, not as an internal error',
    async () => {
      const wells = datasetByName('irrigationWell');
      if (!wells) throw new Error('no irrigationWell dataset');
      const hub = await startHub({ sql: hubConnection(database.url, 500) });
      const key = (await createKey(database.db, 'WATER', 'statement timeout')).key;
      // Holds the table, so that the hub's statements on it wait until their statement timeout.
      let release = () => {};
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      let locked = () => {};
      const lockTaken = new Promise<void>((resolve) => {
        locked = resolve;
      });
      const holding = database.sql.begin(async (tx) => {
        await tx.unsafe(`lock table ${wells.table} in access exclusive mode`);
        locked();
        await released;
      });
      await lockTaken;
      const requestId = `statement-timeout-${ownAddress()}`;
      try {
        const graphql = await send(hub, {
          from: ownAddress(),
          authorization: `Bearer ${key}`,
          body: JSON.stringify({ query: '{ irrigationWells(first: 1) { totalCount } }' }),
        });
        expect(graphql.json.errors[0]).toMatchObject({
          message: TIMEOUT_MESSAGE,
          extensions: { code: 'TIMEOUT' },
        });
        const bulk = await send(hub, {
          from: ownAddress(),
          method: 'GET',
          path: '/datasets/irrigationWell/export',
          authorization: `Bearer ${key}`,
          headers: { 'x-request-id': requestId },
        });
        expect(bulk.status).toBe(503);
        expect(bulk.json).toEqual({
          errors: [{ message: TIMEOUT_MESSAGE, extensions: { code: 'TIMEOUT' } }],
        });
      } finally {
        release();
        await holding;
      }
      await hub.stop();
      expect((await recordsFor([requestId])).map((r) => [r.outcome, r.detail.errors])).toEqual([
        ['FAILED', { TIMEOUT: 1 }],
      ]);
    },
  );
});

describe('the client address', () => {
  it('ignores X-Forwarded-For unless the peer is a configured proxy', async () => {
    const hub = await startHub({ limits: { anonymousPerMinute: 3 }, trustedProxies: ['192.0.2.10'] });
    const from = ownAddress();
    const answers: number[] = [];
    for (let i = 0; i < 5; i++) {
      const forwardedFor = `10.${octet()}.${octet()}.${octet()}`;
      answers.push((await send(hub, { from, authorization: bogus(i), forwardedFor })).status);
    }
    expect(answers).toEqual([401, 401, 401, 429, 429]);
    await hub.stop();
    const records = await recordsOf(from);
    expect(accountedFor(records)).toBe(5);
  });

  it('limits each forwarded address on its own when the peer is a configured proxy', async () => {
    const hub = await startHub({ limits: { anonymousPerMinute: 3 }, trustedProxies: ['loopback'] });
    const from = ownAddress();
    const client = `10.${octet()}.${octet()}.${octet()}`;
    const other = `10.${octet()}.${octet()}.${octet()}`;
    const statuses = async (forwardedFor: string, n: number) => {
      const found: number[] = [];
      for (let i = 0; i < n; i++)
        found.push((await send(hub, { from, authorization: bogus(i), forwardedFor })).status);
      return found;
    };
    expect(await statuses(client, 5)).toEqual([401, 401, 401, 429, 429]);
    expect(await statuses(other, 2)).toEqual([401, 401]);
    // what the client wrote itself, left of what the proxy appended, is not believed
    expect(await statuses(`${other}, ${client}`, 1)).toEqual([429]);
    // an IPv6 client is limited by its /64, the block a single subscriber holds
    const v6 = `2001:db8:${octet().toString(16)}:${octet().toString(16)}`;
    expect(await statuses(`${v6}::1`, 2)).toEqual([401, 401]);
    expect(await statuses(`${v6}::2`, 2)).toEqual([401, 429]);
    await hub.stop();
    expect(accountedFor(await recordsOf(client))).toBe(6);
    expect(accountedFor(await recordsOf(other))).toBe(2);
    expect(accountedFor(await recordsOf(`${v6}::/64`))).toBe(4);
    expect(await recordsOf(from)).toEqual([]);
  });
});

describe('an authenticated principal', () => {
  it('has each refusal recorded on its own, on /graphql and the bulk routes', async () => {
    const hub = await startHub({ limits: { ratePerMinute: 2, anonymousPerMinute: 1 } });
    const from = ownAddress();
    const key = (await createKey(database.db, 'WATER', 'limited')).key;
    const ids: string[] = [];
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const requestId = `limited-${from}-${i}`;
      ids.push(requestId);
      const path = i < 4 ? '/graphql' : '/datasets/constructionPermit/changes?limit=1';
      const reply = await send(hub, {
        from,
        path,
        method: i < 4 ? 'POST' : 'GET',
        authorization: `Bearer ${key}`,
        headers: { 'x-request-id': requestId },
      });
      statuses.push(reply.status);
    }
    expect(statuses).toEqual([200, 200, 429, 429, 429]);
    await hub.stop();
    const records = await database.sql<
      { requestId: string; event: string; principal: string; outcome: string }[]
    >`
      select request_id as "requestId", event, principal, outcome from audit_log
      where request_id in ${database.sql(ids)} order by seq`;
    expect(records.map((r) => [r.event, r.principal, r.outcome])).toEqual([
      ['GRAPHQL', 'WATER', 'OK'],
      ['GRAPHQL', 'WATER', 'OK'],
      ['GRAPHQL', 'WATER', 'RATE_LIMITED'],
      ['GRAPHQL', 'WATER', 'RATE_LIMITED'],
      ['BULK_CHANGES', 'WATER', 'RATE_LIMITED'],
    ]);
  });

  it('has each FORBIDDEN answer recorded on its own', async () => {
    const hub = await startHub({ limits: { anonymousPerMinute: 1 } });
    const from = ownAddress();
    const key = (await createKey(database.db, 'HOUSING', 'forbidden')).key;
    const ids = Array.from({ length: 4 }, (_, i) => `forbidden-${from}-${i}`);
    for (const requestId of ids) {
      const reply = await send(hub, {
        from,
        authorization: `Bearer ${key}`,
        body: JSON.stringify({ query: '{ auditVerify { intact } }' }),
        headers: { 'x-request-id': requestId },
      });
      expect(reply.json.errors[0].extensions.code).toBe('FORBIDDEN');
    }
    await hub.stop();
    const records = await database.sql<{ principal: string }[]>`
      select principal from audit_log where request_id in ${database.sql(ids)}`;
    expect(records.map((r) => r.principal)).toEqual(['HOUSING', 'HOUSING', 'HOUSING', 'HOUSING']);
  });
});

describe('open routes', () => {
  let hub: RunningHub;
  beforeAll(async () => {
    hub = await startHub({ limits: { anonymousPerMinute: 1 } });
  });

  it('write no audit record and are not limited: health checks and the GraphiQL page', async () => {
    const from = ownAddress();
    // the address has used its refusals
    expect((await send(hub, { from, authorization: bogus(1) })).status).toBe(401);
    expect((await send(hub, { from, authorization: bogus(2) })).status).toBe(429);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      for (const [path, accept] of [
        ['/healthz', 'application/json'],
        ['/readyz', 'application/json'],
        ['/graphql', 'text/html'],
      ]) {
        const requestId = `open-${from}-${i}-${path}`;
        ids.push(requestId);
        const reply = await send(hub, {
          from,
          method: 'GET',
          path,
          headers: { accept, 'x-request-id': requestId },
        });
        expect(reply.status).toBe(200);
      }
    }
    await hub.stop();
    const [{ count }] = await database.sql<{ count: number }[]>`
      select count(*)::int as count from audit_log where request_id in ${database.sql(ids)}`;
    expect(count).toBe(0);
  });
});

describe('readiness checks, open to anyone', () => {
  it('share one database check among the requests that arrive while it runs', async () => {
    const hub = await startHub();
    database.statements.length = 0;
    const from = ownAddress();
    const replies = await Promise.all(
      Array.from({ length: 100 }, () => send(hub, { from, method: 'GET', path: '/readyz' })),
    );
    expect(replies.map((r) => r.status)).toEqual(replies.map(() => 200));
    const checks = database.statements.filter((s) => s.includes('__drizzle_migrations')).length;
    // two statements a check: without sharing, 200
    expect(checks).toBeLessThan(100);
    await hub.stop();
  });
});

describe('the Authorization header', () => {
  let hub: RunningHub;
  beforeAll(async () => {
    hub = await startHub();
  });

  it.each([
    ['/graphql', 'POST'],
    ['/datasets/constructionPermit/export', 'GET'],
  ] as const)(
    'says on %s that it must be "Bearer <key>" when the key comes without it',
    async (path, method) => {
      const from = ownAddress();
      for (const authorization of ['jt_abcdefghijklmnop', 'Basic d2F0ZXI6cHc=', 'Bearer <paste your key>']) {
        const reply = await send(hub, { from, method, path, authorization });
        expect(reply.status).toBe(401);
        expect(reply.json.errors[0].extensions.code).toBe('UNAUTHENTICATED');
        expect(reply.json.errors[0].message).toMatch(/"Bearer <key>"/);
        expect(reply.json.errors[0].message).not.toMatch(/Missing API key/);
        expect(reply.json.errors[0].message).not.toContain('abcdefghijklmnop');
      }
      const missing = await send(hub, { from, method, path });
      expect(missing.json.errors[0].message).toMatch(/Missing API key/);
    },
  );
});

describe('configuration', () => {
  it('reads the trusted proxies and the limit per address', () => {
    const config = loadConfig({
      JINGTU_TRUSTED_PROXIES: ' 10.0.0.5, 10.1.0.0/16 ,fd00::/8, loopback',
      JINGTU_ANONYMOUS_RATE_LIMIT: '20',
    });
    expect(config.trustedProxies).toEqual(['10.0.0.5', '10.1.0.0/16', 'fd00::/8', 'loopback']);
    expect(config.limits?.anonymousPerMinute).toBe(20);
    expect(loadConfig({})).toMatchObject({ trustedProxies: [], limits: { anonymousPerMinute: 60 } });
  });

  it.each(['10.0.0.0/33', 'proxy.example', '10.0.0.5/8/1', 'true', '*'])(
    'refuses JINGTU_TRUSTED_PROXIES=%s',
    (value) => {
      expect(() => loadConfig({ JINGTU_TRUSTED_PROXIES: value })).toThrow(ConfigError);
      expect(() => loadConfig({ JINGTU_TRUSTED_PROXIES: value })).toThrow(
        /JINGTU_TRUSTED_PROXIES=.* must be IP addresses or subnets/,
      );
    },
  );
});
