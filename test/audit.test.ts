import { createHash } from 'node:crypto';
import { pino } from 'pino';
import type postgres from 'postgres';
import { describe, expect, inject, it } from 'vitest';
import { verifyAuditChain } from '../src/audit/chain.js';
import { auditConfiguration } from '../src/audit/configuration.js';
import { AuditWriter } from '../src/audit/writer.js';
import type { Dataset } from '../src/catalog/define.js';
import { datasetByName } from '../src/catalog/registry.js';
import { loadConfig } from '../src/config.js';
import { APP_ROLE } from '../src/db/connection.js';
import { withTestHub } from './support/hub.js';
import { sampleRecord, uniqueId } from './support/records.js';
import { withSeed } from './support/seed.js';

/**
 * The audit trail: one record per operation and transfer, answering the auditors' questions, append-only,
 * and hash-chained so that an edited or deleted record is found.
 */

const hub = withTestHub();
const id = uniqueId();
const permits = () => datasetByName('constructionPermit') as Dataset;
const { keys } = withSeed(hub, (s) =>
  s.keys('AUDITOR', 'ECOLOGY', 'WATER', 'PLANNING', 'HOUSING').records(
    'constructionPermit',
    Array.from({ length: 7 }, (_, i) =>
      sampleRecord(permits(), `${id}A${i}`, { projectName: `审计项目 ${id} ${i}` }),
    ),
  ),
);

interface Record_ {
  seq: number;
  principal: string | null;
  outcome: string;
  operationName: string | null;
  documentHash: string | null;
  detail: {
    reads?: { dataset: string; field: string; mode: string; grant?: string }[];
    rows?: Record<string, number>;
    grants?: string[];
    actions?: { action: string }[];
    errors?: Record<string, number>;
  };
}

const LOG = `query($f: AuditFilter, $after: Int) { auditLog(filter: $f, first: 1000, after: $after) {
  hasMore endCursor records { seq principal outcome operationName documentHash requestId detail } } }`;

/** Every record matching a filter (all pages). */
async function audit(filter: Record<string, unknown>, key = keys.AUDITOR): Promise<Record_[]> {
  const records: Record_[] = [];
  let after: number | null = null;
  for (;;) {
    const response = await hub.graphql(key, LOG, { f: filter, after });
    expect(response.body.errors, JSON.stringify(response.body.errors)).toBeUndefined();
    records.push(...response.body.data.auditLog.records);
    if (!response.body.data.auditLog.hasMore) return records;
    after = response.body.data.auditLog.endCursor;
  }
}

const PERMITS = `query PermitsForAudit($s: String) { constructionPermits(first: 50, filter: { search: $s }) {
  nodes { permitNo projectName contactPerson contactPhone } } }`;

describe('the audit record of an operation', () => {
  it('names the principal, key, operation, document hash, fields and how they were read, rows and errors', async () => {
    const response = await hub.graphql(keys.WATER, PERMITS, { s: id });
    expect(response.body.data.constructionPermits.nodes).toHaveLength(7);
    const requestId = response.headers.get('x-request-id');
    const [record] = (await audit({ principal: 'WATER' })).filter(
      (r) => (r as unknown as { requestId: string }).requestId === requestId,
    );
    expect(record).toMatchObject({
      principal: 'WATER',
      outcome: 'PARTIAL', // contactPhone is CONDITIONAL: FORBIDDEN without a grant
      operationName: 'PermitsForAudit',
      documentHash: createHash('sha256').update(PERMITS).digest('hex'),
    });
    expect(record.detail.reads).toEqual(
      expect.arrayContaining([
        { dataset: 'constructionPermit', field: 'permitNo', mode: 'CLEAR' },
        { dataset: 'constructionPermit', field: 'contactPerson', mode: 'MASKED' },
        { dataset: 'constructionPermit', field: 'contactPhone', mode: 'DENIED' },
      ]),
    );
    expect(record.detail.rows).toEqual({ constructionPermit: 7 });
    expect(record.detail.errors).toEqual({ FORBIDDEN: 7 });
  });

  it('is written for a refused key, and for an operation that fails validation', async () => {
    const refused = await hub.graphql('jt_not_a_key', '{ me { code } }');
    expect(refused.status).toBe(401);
    const bad = await hub.graphql(keys.WATER, '{ constructionPermits { nodes { nope } } }');
    expect(bad.body.errors?.length).toBeGreaterThan(0);
    const mine = new Set([refused.headers.get('x-request-id'), bad.headers.get('x-request-id')]);
    const records = (await audit({})).filter((r) =>
      mine.has((r as unknown as { requestId: string }).requestId),
    );
    expect(records.map((r) => [r.principal, r.outcome])).toEqual([
      [null, 'UNAUTHENTICATED'],
      ['WATER', 'FAILED'],
    ]);
  });

  it('answers who read a field of a dataset (in clear or masked), and which grants were used', async () => {
    const request = await hub.graphql(
      keys.PLANNING,
      `mutation($i: AccessRequestInput!) { requestAccess(input: $i) { id } }`,
      {
        i: {
          dataset: 'constructionPermit',
          fields: ['contactPhone'],
          purpose: `审计测试 ${id}`,
          termDays: 30,
        },
      },
    );
    const grantId = request.body.data.requestAccess.id;
    await hub.graphql(keys.HOUSING, `mutation($id: ID!) { approveAccess(id: $id) { status } }`, {
      id: grantId,
    });
    await hub.graphql(keys.PLANNING, PERMITS, { s: id });
    await hub.graphql(keys.WATER, PERMITS, { s: id }); // asks for contactPhone, denied: not a reader of it

    const readers = await audit({ dataset: 'constructionPermit', field: 'contactPhone' });
    const who = new Set(readers.map((r) => r.principal));
    expect(who.has('PLANNING')).toBe(true);
    expect(who.has('WATER')).toBe(false);
    // in a period: the minute around now holds PLANNING's read, the day before holds none of this test's
    const minute = 60_000;
    const period = (from: number, to: number) => ({
      dataset: 'constructionPermit',
      field: 'contactPhone',
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
    });
    const now = Date.now();
    const around = await audit(period(now - minute, now + minute));
    expect(around.map((r) => r.principal)).toContain('PLANNING');
    const before = await audit(period(now - 1440 * minute, now - 720 * minute));
    expect(before.filter((r) => r.seq >= Math.min(...around.map((a) => a.seq)))).toEqual([]);
    const withGrant = await audit({ grant: grantId });
    expect(withGrant.map((r) => r.principal)).toEqual(['PLANNING']);
    expect(withGrant[0].detail.reads).toContainEqual({
      dataset: 'constructionPermit',
      field: 'contactPhone',
      mode: 'MASKED',
      grant: grantId,
    });
    // the decision itself is audited, as the owner's action
    const decisions = (await audit({ principal: 'HOUSING' })).flatMap((r) => r.detail.actions ?? []);
    expect(decisions).toContainEqual(expect.objectContaining({ action: 'APPROVE_ACCESS', grant: grantId }));
  });

  it('is for auditors and ECOLOGY only; verifying the chain for auditors only', async () => {
    const denied = await hub.graphql(keys.WATER, LOG, {});
    expect(denied.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(denied.body.data).toBeNull();
    expect((await hub.graphql(keys.ECOLOGY, LOG, {})).body.errors).toBeUndefined();
    const verify = '{ auditVerify { intact checked firstBroken { seq reason } } }';
    expect((await hub.graphql(keys.ECOLOGY, verify)).body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const result = await hub.graphql(keys.AUDITOR, verify);
    expect(result.body.data.auditVerify).toMatchObject({ intact: true, firstBroken: null });
    expect(result.body.data.auditVerify.checked).toBeGreaterThan(5);
  });
});

describe('the audit writer', () => {
  it('writes a record at once when no request runs, and waits for running requests to join the batch', async () => {
    const writer = new AuditWriter(hub.database.sql, pino({ level: 'silent' }));
    const record = (n: number) => ({
      event: 'WRITER_TEST',
      principal: null,
      keyId: null,
      requestId: `${id}-writer-${n}`,
      operationName: null,
      documentHash: null,
      outcome: 'OK',
      detail: {},
    });
    const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
    try {
      // nothing announced: the first record does not wait for the second, a turn of the event loop later
      const alone = [writer.write(record(1))];
      await nextTurn();
      alone.push(writer.write(record(2)));
      await Promise.all(alone);
      // two requests announced: the first one's record waits for the other's, and they share one statement
      writer.expect();
      writer.expect();
      const together = [writer.write(record(3), { expected: true })];
      await nextTurn();
      together.push(writer.write(record(4), { expected: true }));
      await Promise.all(together);
    } finally {
      await writer.close();
    }
    const rows = await hub.database.sql<{ requestId: string; tx: string }[]>`
      select request_id as "requestId", xmin::text as tx from audit_log
      where event = 'WRITER_TEST' and request_id like ${`${id}-writer-%`} order by seq`;
    expect(rows.map((r) => r.requestId)).toEqual([1, 2, 3, 4].map((n) => `${id}-writer-${n}`));
    expect(rows[0].tx).not.toBe(rows[1].tx);
    expect(rows[2].tx).toBe(rows[3].tx);
  });
});

describe('the audit of the configuration', () => {
  it('records the settings a hub starts with, nothing secret, and which changed since its last start', async () => {
    const writer = new AuditWriter(hub.database.sql, pino({ level: 'silent' }));
    const port = String(40000 + Math.floor(Math.random() * 20000));
    const env = {
      DATABASE_URL: 'postgres://jingtu:s3cret-pw@db.example:5432/hub',
      PORT: port,
      JINGTU_PULL_JOBS: JSON.stringify([
        {
          name: `cfg-${id}`,
          url: 'http://remote:4000',
          key: 'jt_remote-secret-key',
          dataset: 'closedEnterprise',
          every: '0 3 * * *',
          publishAs: 'ECONOMY',
        },
      ]),
    };
    try {
      expect(await auditConfiguration(hub.database.sql, writer, loadConfig(env))).toBeNull();
      expect(await auditConfiguration(hub.database.sql, writer, loadConfig(env))).toEqual([]);
      const changed = await auditConfiguration(
        hub.database.sql,
        writer,
        loadConfig({ ...env, JINGTU_RATE_LIMIT: '0', JINGTU_AUDIT_RETENTION_DAYS: '365' }),
      );
      expect(changed?.sort()).toEqual(['auditRetentionDays', 'limits']);
    } finally {
      await writer.close();
    }
    const records = await hub.database.sql<{ principal: string | null; detail: Record<string, unknown> }[]>`
      select principal, detail from audit_log
      where event = 'CONFIG' and detail -> 'configuration' ->> 'listen' like ${`%:${port}`} order by seq`;
    expect(records).toHaveLength(3);
    const text = JSON.stringify(records);
    expect(text).not.toMatch(/s3cret|remote-secret/);
    expect(records[2].detail).toMatchObject({
      changed: ['limits', 'auditRetentionDays'],
      configuration: {
        database: 'postgres://db.example:5432/hub',
        limits: { ratePerMinute: 0 },
        auditRetentionDays: 365,
        pullJobs: [{ name: `cfg-${id}`, url: 'http://remote:4000', publishAs: 'ECONOMY' }],
      },
    });
  });
});

describe('the audit chain', () => {
  const sql = () => hub.database.sql;

  /**
   * Runs `work` in a transaction as the login user, which owns the tables (the hub's own role may not even
   * try: see below); what it throws is thrown.
   */
  async function asOwner<T>(work: (tx: postgres.TransactionSql) => Promise<T>): Promise<T> {
    return (await sql().begin(async (tx) => {
      const [{ owner }] = await tx<{ owner: string }[]>`select session_user as owner`;
      await tx.unsafe(`set local role "${owner}"`);
      return work(tx);
    })) as T;
  }

  /** Runs a tampering as the owner, in a transaction that is rolled back, so the shared log is left as it was. */
  async function tampered(tamper: (tx: postgres.TransactionSql) => Promise<unknown>) {
    let verdict: Awaited<ReturnType<typeof verifyAuditChain>> | undefined;
    await asOwner(async (tx) => {
      await tx`lock table audit_log in access exclusive mode`;
      await tamper(tx);
      verdict = await verifyAuditChain(tx);
      throw new Error('roll back');
    }).catch((error: Error) => {
      if (error.message !== 'roll back') throw error;
    });
    return verdict;
  }

  /** A record of this file's, not the last one. */
  async function oneOfOurs(tx: postgres.TransactionSql): Promise<number> {
    const [row] = await tx<{ seq: number }[]>`
      select seq::int as seq from audit_log where principal = 'WATER' and seq < (select max(seq) from audit_log)
      order by seq desc limit 1`;
    return row.seq;
  }

  it('refuses updates, deletions of recent records and truncation, the owner too', async () => {
    const [{ seq }] = await sql()<{ seq: number }[]>`select max(seq)::int as seq from audit_log`;
    await expect(asOwner((tx) => tx`update audit_log set outcome = 'OK' where seq = ${seq}`)).rejects.toThrow(
      /append-only/,
    );
    await expect(asOwner((tx) => tx`delete from audit_log where seq = ${seq}`)).rejects.toThrow(
      /younger than 6 months/,
    );
    await expect(asOwner((tx) => tx`truncate audit_log`)).rejects.toThrow(/append-only/);
  });

  // PGlite's one session is shared by the hub and its CLI, as its one user: the embedded hub has no role
  // of its own (src/db/connection.ts).
  it.runIf(inject('databaseKind') === 'server')(
    'is written with a role that may only read and append to it, and owns nothing to disable triggers with',
    async () => {
      const [{ role }] = await sql()<{ role: string }[]>`select current_user as role`;
      expect(role).toBe(APP_ROLE);
      const [{ seq }] = await sql()<{ seq: number }[]>`select max(seq)::int as seq from audit_log`;
      for (const statement of [
        `update audit_log set outcome = 'OK' where seq = ${seq}`,
        `delete from audit_log where seq = ${seq}`,
        'truncate audit_log',
        `update audit_chain_head set last_hash = 'x'`,
        'delete from audit_chain_head',
      ]) {
        await expect(sql().unsafe(statement), statement).rejects.toThrow(/permission denied/);
      }
      for (const statement of [
        'alter table audit_log disable trigger audit_log_no_update',
        'drop trigger audit_log_retention on audit_log',
        'set session_replication_role = replica',
      ]) {
        await expect(sql().unsafe(statement), statement).rejects.toThrow(/must be owner|permission denied/);
      }
      // and it appends, through the chain's triggers, which run as the owner
      await sql()`insert into audit_log (event, outcome, detail) values ('ROLE_TEST', 'OK', '{}')`;
      expect(await verifyAuditChain(sql())).toMatchObject({ intact: true });
    },
  );

  it('stays one chain in sequence order when many connections write at once, in batches and transactions', async () => {
    const [{ before }] = await sql()<
      { before: number }[]
    >`select coalesce(max(seq), 0)::int as before from audit_log`;
    const insert = (tx: postgres.Sql | postgres.TransactionSql, n: number) => tx`
      insert into audit_log (event, outcome, detail)
      select 'CHAIN_TEST', 'OK', jsonb_build_object('i', i) from generate_series(1, ${n}) i`;
    await Promise.all([
      ...Array.from({ length: 60 }, (_, i) => insert(sql(), 1 + (i % 4))),
      // two statements in one transaction, and a rolled-back savepoint between them
      sql().begin(async (tx) => {
        await insert(tx, 3);
        await tx
          .savepoint((sp) => insert(sp, 2).then(() => Promise.reject(new Error('undo'))))
          .catch(() => {});
        await insert(tx, 2);
      }),
    ]);
    const [written] = await sql()<{ count: number; links: number }[]>`
      select count(*)::int as count,
             count(*) filter (where prev_hash = lag_hash)::int as links
      from (select seq, prev_hash, lag(hash) over (order by seq) as lag_hash, event from audit_log) a
      where seq > ${before} and event = 'CHAIN_TEST'`;
    // 60 statements of 1–4 records (150), and the transaction's 5: the savepoint's 2 are gone
    expect(written.count).toBe(155);
    expect(written.links).toBe(155);
    const [head] = await sql()<{ matches: boolean }[]>`
      select h.last_seq = (select max(seq) from audit_log)
             and h.last_hash = (select hash from audit_log order by seq desc limit 1) as matches
      from audit_chain_head h`;
    expect(head.matches).toBe(true);
    expect(await verifyAuditChain(sql())).toMatchObject({ intact: true });
  });

  it('is intact, and names the first edited record', async () => {
    expect(await verifyAuditChain(sql())).toMatchObject({ intact: true });
    let edited = 0;
    const verdict = await tampered(async (tx) => {
      edited = await oneOfOurs(tx);
      await tx`alter table audit_log disable trigger audit_log_no_update`;
      await tx`update audit_log set outcome = 'OK', detail = '{}' where seq = ${edited}`;
    });
    expect(verdict?.firstBroken).toEqual({ seq: edited, reason: expect.stringMatching(/^edited/) });
  });

  it('names the record after a deleted one, and a log cut short at its end', async () => {
    let deleted = 0;
    let next = 0;
    const middle = await tampered(async (tx) => {
      deleted = await oneOfOurs(tx);
      [{ next }] = await tx<
        { next: number }[]
      >`select min(seq)::int as next from audit_log where seq > ${deleted}`;
      await tx`alter table audit_log disable trigger audit_log_retention`;
      await tx`delete from audit_log where seq = ${deleted}`;
    });
    expect(middle?.firstBroken).toEqual({ seq: next, reason: expect.stringMatching(/deleted/) });
    const tail = await tampered(async (tx) => {
      await tx`alter table audit_log disable trigger audit_log_retention`;
      await tx`delete from audit_log where seq = (select max(seq) from audit_log)`;
    });
    expect(tail?.firstBroken?.reason).toMatch(/removed from its end/);
    expect(await verifyAuditChain(sql())).toMatchObject({ intact: true });
  });
});
