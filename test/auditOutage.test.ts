import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { clusterToolsInstalled, startThrowawayCluster, type ThrowawayCluster } from './support/pgCluster.js';
import { type HubProcess, postGraphql, spawnHub } from './support/process.js';

/**
 * Issue 5: while PostgreSQL is down the hub answers at once that it is unavailable, /readyz says so, and no
 * audit record is lost: the records of requests made during the outage are written when it is back.
 * A throwaway cluster of its own (test/support/pgCluster.ts): the shared server is never stopped.
 */

const execFileAsync = promisify(execFile);
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
      const env = { DATABASE_URL: cluster.url, JINGTU_JOBS: 'off', JINGTU_DB_POOL: '4' };
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
      const during: { status: number; code?: string }[] = [];
      const started = Date.now();
      for (let i = 0; i < 3; i++) {
        const response = await ask(`During${i}`);
        during.push({ status: response.status, code: response.body.errors?.[0]?.extensions?.code });
      }
      const ready = await fetch(`${hub.url}/readyz`);
      await cluster.start();

      // refused at once with a code a client can act on, not left hanging
      expect(Date.now() - started).toBeLessThan(30_000);
      for (const answer of during) expect(answer.code).toBe('SERVICE_UNAVAILABLE');
      expect(ready.status).toBe(503);
      await expect
        .poll(async () => (await ask('After')).body.data?.me?.code, { timeout: 30_000, interval: 500 })
        .toBe('WATER');
      expect((await fetch(`${hub.url}/readyz`)).status).toBe(200);

      // the records of the requests made during the outage arrive once the database is back
      const names = ['Before', 'During0', 'During1', 'During2', 'After'];
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
      const verified = await execFileAsync('node', ['bin/jingtu.js', 'audit', 'verify'], {
        env: { ...process.env, DATABASE_URL: cluster.url },
      });
      expect(verified.stdout).toMatch(/audit chain intact/);
    });
  },
);
