import { type AddressInfo, createServer } from 'node:net';
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

/**
 * postgres.js asks for the array types on a new connection and drops that query's promise; a connection
 * reset during it was an unhandled rejection (seen in CI, cli-sync on the embedded database). Patched too.
 */
describe('a postgres.js connection reset while it reads the array types', () => {
  it('fails or retries its queries, with no unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    let resets = 0;
    // Says "authenticated, ready" to the startup message, then resets the connection at the first query.
    const server = createServer((socket) => {
      let started = false;
      socket.on('data', () => {
        if (!started) {
          started = true;
          socket.write(Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 0, 0x5a, 0, 0, 0, 5, 0x49]));
          return;
        }
        resets++;
        socket.resetAndDestroy();
      });
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const sql = postgres({ host: '127.0.0.1', port, max: 1, username: 'x', connect_timeout: 2 });
    const answer = sql`select 1`.catch((error: unknown) => error);
    await expect.poll(() => resets, { timeout: 5_000 }).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await sql.end({ timeout: 0 });
    expect(await answer).toBeInstanceOf(Error);
    server.close();
    process.off('unhandledRejection', onUnhandled);
    expect(unhandled).toEqual([]);
  });
});
