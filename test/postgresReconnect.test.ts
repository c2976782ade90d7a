import postgres from 'postgres';
import { afterAll, describe, expect, inject, it } from 'vitest';

/**
 * postgres.js 3.4.9 kept the error of a backend that was terminated during a query and replayed it onto the
 * first query after the reconnect (porsager/postgres#1223): after a database restart, requests failed with
 * "terminating connection due to administrator command" although the database was back (bench/load.ts).
 * Patched at install (patches/postgres+3.4.9.patch): a closed connection forgets its backend's error.
 */
const onServer = inject('databaseKind') === 'server';

describe.runIf(onServer)('a postgres.js connection whose backend is terminated', () => {
  const url = inject('databaseUrl');
  const pool = postgres(url, { max: 1, onnotice: () => {} });
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  afterAll(async () => {
    await pool.end({ timeout: 5 });
    await admin.end({ timeout: 5 });
  });

  it('fails the query it was running, and runs the next one on a new backend', async () => {
    const [{ pid }] = await pool<{ pid: number }[]>`select pg_backend_pid() as pid`;
    const sleeping = pool`select pg_sleep(30)`.then(
      () => 'finished',
      (error: Error & { code?: string }) => error.code ?? error.message,
    );
    // once the sleep is running on that backend
    for (let i = 0; i < 100; i++) {
      const [{ running }] = await admin<{ running: boolean }[]>`
        select exists (select 1 from pg_stat_activity where pid = ${pid} and query like 'select pg_sleep%') as running`;
      if (running) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await admin`select pg_terminate_backend(${pid})`;
    expect(['57P01', 'CONNECTION_CLOSED']).toContain(await sleeping);
    const [next] = await pool<{ pid: number }[]>`select pg_backend_pid() as pid`;
    expect(next.pid).not.toBe(pid);
  });
});
