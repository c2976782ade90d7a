import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/connection.js';
import { isDatabaseUnavailable } from '../src/db/unavailable.js';
import { clusterToolsInstalled, startThrowawayCluster, type ThrowawayCluster } from './support/pgCluster.js';
import { type HubProcess, postGraphql, spawnHub } from './support/process.js';

/**
 * Issue 5: while PostgreSQL is down the hub answers at once that it is unavailable (even to many requests at
 * once: none waits for a connection until its deadline), /readyz says so, it answers correctly again by itself
 * once the database is back, and no audit record is lost: the records of requests made during the outage are written when it is back.
 * A throwaway cluster of its own (test/support/pgCluster.ts): the shared server is never stopped.
 */

const execFileAsync = promisify(execFile);
/** The hub's request deadline: a request held until it would answer 503 TIMEOUT, not SERVICE_UNAVAILABLE. */
const DEADLINE_S = 10;
/** Ten times the pool: queued behind 4 connections that each wait out a backoff, the last ones would wait. */
const BURST = 40;
let cluster: ThrowawayCluster;
let hub: HubProcess;
let direct: postgres.Sql;
let key: string;

describe.skipIf(inject('databaseKind') === 'embedded' || !clusterToolsInstalled())(
  'the hub through a database outage',
  { timeout: 180_000 },
  () => {
    beforeAll(async () => {
      cluster = await startThrowawayCluster();
      const env = {
        DATABASE_URL: cluster.url,
        JINGTU_JOBS: 'off',
        JINGTU_DB_POOL: '4',
        JINGTU_RATE_LIMIT: '0',
        JINGTU_REQUEST_TIMEOUT: String(DEADLINE_S),
      };
      hub = await spawnHub(env);
      const created = await execFileAsync(
        'node',
        ['bin/jingtu.js', 'keys', 'create', '--principal', 'WATER'],
        {
          env: { ...process.env, ...env },
        },
      );
      key = created.stdout.trim().split('\n').at(-1) ?? '';
      direct = postgres(cluster.url, { max: 1, onnotice: () => {} });
    }, 120_000);

    afterAll(async () => {
      await hub?.stop();
      await direct?.end({ timeout: 1 });
      await cluster?.destroy();
    });

    it('answers unavailable, reports it in /readyz, recovers by itself, and keeps every audit record', async () => {
      const ask = (name: string) => postGraphql(hub.url, key, `query ${name} { me { code } }`);
      expect((await ask('Before')).body.data.me.code).toBe('WATER');

      await cluster.stop();
      const timed = async (name: string) => {
        const started = performance.now();
        const response = await ask(name);
        return {
          ms: performance.now() - started,
          status: response.status,
          code: response.body.errors?.[0]?.extensions?.code,
        };
      };
      const during = [];
      for (let i = 0; i < 3; i++) during.push(await timed(`During${i}`));
      // many at once, more than the pool has connections: none waits for one
      const burst = await Promise.all(Array.from({ length: BURST }, (_, i) => timed(`Burst${i}`)));
      const readyStarted = performance.now();
      const ready = await fetch(`${hub.url}/readyz`);
      const readyMs = performance.now() - readyStarted;
      const readyBody = (await ready.json()) as { database?: string };
      await cluster.start();
      const backAt = performance.now();

      // refused at once with a code a client can act on, well before the deadline (503 TIMEOUT at 10 s)
      for (const answer of [...during, ...burst]) {
        expect(answer).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE' });
        expect(answer.ms).toBeLessThan(2_000);
      }
      expect(ready.status).toBe(503);
      expect(readyBody.database).toBe('down');
      expect(readyMs).toBeLessThan(2_000);
      // and answers correctly by itself once the database is back
      await expect
        .poll(async () => (await ask('After')).body.data?.me?.code, { timeout: 30_000, interval: 100 })
        .toBe('WATER');
      expect(performance.now() - backAt).toBeLessThan(5_000);
      expect((await fetch(`${hub.url}/readyz`)).status).toBe(200);

      // the records of the requests made during the outage arrive once the database is back
      const bursts = Array.from({ length: BURST }, (_, i) => `Burst${i}`);
      const names = ['Before', 'During0', 'During1', 'During2', ...bursts, 'After'];
      await expect
        .poll(
          async () =>
            (
              await direct<{ operationName: string }[]>`
              select distinct operation_name as "operationName" from audit_log where operation_name = any(${names})`
            ).length,
          { timeout: 30_000, interval: 500 },
        )
        .toBe(names.length);
      const outcomes = await direct<{ operationName: string; outcome: string }[]>`
        select operation_name as "operationName", outcome from audit_log
        where operation_name like 'During%' order by seq`;
      expect(outcomes.map((o) => o.outcome)).toEqual(['UNAVAILABLE', 'UNAVAILABLE', 'UNAVAILABLE']);
      const burstOutcomes = await direct<{ outcome: string; n: number }[]>`
        select outcome, count(*)::int as n from audit_log where operation_name like 'Burst%' group by outcome`;
      expect(burstOutcomes).toEqual([{ outcome: 'UNAVAILABLE', n: BURST }]);
      const verified = await execFileAsync('node', ['bin/jingtu.js', 'audit', 'verify'], {
        env: { ...process.env, DATABASE_URL: cluster.url },
      });
      expect(verified.stdout).toMatch(/audit chain intact/);
    });

    it('fails every query of the pool at once while the database is down, and runs them once it is back', async () => {
      const database = await openDatabase({ ...loadConfig({ DATABASE_URL: cluster.url }), poolSize: 4 });
      try {
        expect(await database.sql`select 1 as ok`).toEqual([{ ok: 1 }]);
        await cluster.stop();
        // 100 queries 10 ms apart: postgres.js alone queued them behind 4 connections that failed one each
        // per backoff (1 s), and the last waited some 25 s (src/db/failFast.ts)
        const failures: { ms: number; unavailable: boolean }[] = [];
        const pending: Promise<void>[] = [];
        for (let i = 0; i < 100; i++) {
          const started = performance.now();
          pending.push(
            database.sql`select ${i}::int as n`.then(
              () => {
                throw new Error('a query succeeded while the database was down');
              },
              (error) => {
                failures.push({ ms: performance.now() - started, unavailable: isDatabaseUnavailable(error) });
              },
            ),
          );
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        await Promise.all(pending);
        expect(failures.every((failure) => failure.unavailable)).toBe(true);
        expect(Math.max(...failures.map((failure) => failure.ms))).toBeLessThan(1_000);

        await cluster.start();
        const backAt = performance.now();
        await expect
          .poll(() => database.sql`select 2 as ok`.catch(() => []), { timeout: 10_000, interval: 20 })
          .toEqual([{ ok: 2 }]);
        expect(performance.now() - backAt).toBeLessThan(2_000);
        const answers = await Promise.all(
          Array.from({ length: 20 }, (_, i) => database.sql<{ n: number }[]>`select ${i}::int as n`),
        );
        expect(answers.map(([row]) => row.n)).toEqual(Array.from({ length: 20 }, (_, i) => i));
      } finally {
        await database.close();
      }
    });
  },
);
