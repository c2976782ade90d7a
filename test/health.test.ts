import type { AddressInfo } from 'node:net';
import express from 'express';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { healthRouter } from '../src/http/health.js';

describe('readiness', () => {
  const unreachable = postgres('postgres://postgres@127.0.0.1:1/none', { max: 1, connect_timeout: 1 });
  afterAll(() => unreachable.end({ timeout: 1 }));

  it('reports an unreachable database with 503 while liveness stays 200', async () => {
    const app = express().use(healthRouter(unreachable));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ status: 'database unreachable', database: 'down' });
    } finally {
      server.close();
    }
  });
});
