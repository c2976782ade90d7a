import type { AddressInfo } from 'node:net';
import express from 'express';
import postgres from 'postgres';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { runMigrations } from '../src/db/migrate.js';
import { healthRouter } from '../src/http/health.js';

async function withHealth(sql: postgres.Sql, check: (base: string) => Promise<void>): Promise<void> {
  const server = express().use(healthRouter(sql)).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    await check(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    server.close();
  }
}

describe('readiness', () => {
  const unreachable = postgres('postgres://postgres@127.0.0.1:1/none', { max: 1, connect_timeout: 1 });
  afterAll(() => unreachable.end({ timeout: 1 }));

  it('reports an unreachable database with 503 while liveness stays 200', async () => {
    await withHealth(unreachable, async (base) => {
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ status: 'database unreachable', database: 'down' });
    });
  });

  it.skipIf(inject('databaseKind') !== 'server')(
    'reports pending migrations with 503 until the database is migrated, then 200',
    async () => {
      const url = new URL(inject('databaseUrl'));
      url.pathname = '/jingtu_readyz_test';
      const admin = postgres(inject('databaseUrl'), { max: 1, onnotice: () => {} });
      await admin.unsafe('drop database if exists jingtu_readyz_test with (force)');
      await admin.unsafe('create database jingtu_readyz_test');
      const fresh = postgres(url.toString(), { max: 1, onnotice: () => {} });
      try {
        await withHealth(fresh, async (base) => {
          const pending = await fetch(`${base}/readyz`);
          expect(pending.status).toBe(503);
          expect(await pending.json()).toEqual({ status: 'migrations pending', database: 'up' });
          await runMigrations(url.toString());
          const ready = await fetch(`${base}/readyz`);
          expect(ready.status).toBe(200);
          expect(await ready.json()).toEqual({ status: 'ready', database: 'up' });
        });
      } finally {
        await fresh.end({ timeout: 5 });
        await admin.unsafe('drop database if exists jingtu_readyz_test with (force)');
        await admin.end({ timeout: 5 });
      }
    },
  );
});
