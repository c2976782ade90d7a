import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PgliteServer, servePglite } from '../src/db/pgliteServer.js';

/**
 * The embedded database's socket serves several connections (the hub, CLI commands beside it, a second hub
 * process in tests) without mixing their protocol messages in PGlite's single session.
 */

let pglite: PGlite;
let server: PgliteServer;
const clients: postgres.Sql[] = [];
const client = (max: number) => {
  const sql = postgres(server.url, { max, onnotice: () => {} });
  clients.push(sql);
  return sql;
};

beforeAll(async () => {
  pglite = await PGlite.create();
  server = await servePglite(pglite);
  await pglite.exec(
    'create table counter (id int primary key, n int not null); insert into counter values (1, 0);',
  );
}, 60_000);

afterAll(async () => {
  for (const sql of clients) await sql.end({ timeout: 1 });
  await server?.stop();
  await pglite?.close();
});

describe('the embedded database socket', () => {
  it('keeps concurrent extended-protocol queries of several connections apart', async () => {
    const a = client(4);
    const b = client(4);
    // Unnamed statements (drizzle runs every query so) of different shapes, 1 and 8 parameters: a Bind that
    // lands on another connection's Parse fails loudly. Results name their query, so a swapped answer shows.
    const one = (sql: postgres.Sql, i: number) => sql.unsafe(`select $1::int as i, 'one' as shape`, [i]);
    const eight = (sql: postgres.Sql, i: number) =>
      sql.unsafe(
        `select $1::int + $2::int + $3::int + $4::int + $5::int + $6::int + $7::int + $8::int - 28 as i, 'eight' as shape`,
        [i, 1, 2, 3, 4, 5, 6, 7],
      );
    const runs = Array.from({ length: 300 }, (_, i) => {
      const sql = i % 2 ? a : b;
      return (i % 3 ? one(sql, i) : eight(sql, i)).then((rows) => ({ i, rows }));
    });
    const results = await Promise.all(runs);
    for (const { i, rows } of results) {
      expect(rows).toEqual([{ i, shape: i % 3 ? 'one' : 'eight' }]);
    }
  });

  it('runs one connection’s transaction without another connection’s statements inside it', async () => {
    const a = client(1);
    const b = client(1);
    const transaction = a.begin(async (tx) => {
      const [{ n }] = await tx`select n from counter where id = 1`;
      await new Promise((resolve) => setTimeout(resolve, 100));
      await tx`update counter set n = ${n + 1} where id = 1`;
      throw new Error('roll back');
    });
    const outside = b`update counter set n = n + 10 where id = 1 returning n`;
    await expect(transaction).rejects.toThrow('roll back');
    const [{ n }] = await outside;
    // b's update ran after a's transaction rolled back, not inside it.
    expect(n).toBe(10);
  });

  it('rolls back the transaction of a connection that goes away, and serves the others after it', async () => {
    const a = client(1);
    const b = client(1);
    await a`select 1`;
    const open = a.begin(async (tx) => {
      await tx`update counter set n = -1 where id = 1`;
      await new Promise(() => {}); // never commits: the connection is ended below
    });
    open.catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 50));
    const waiting = b`select n from counter where id = 1`;
    await a.end({ timeout: 0 });
    const [{ n }] = await waiting;
    expect(n).toBe(10);
  });
  it('copies from stdin while other connections query, and reports a COPY the database refuses', async () => {
    const a = client(1);
    const b = client(1);
    await a`create table copied (n int, label text)`;
    const copyRows = async (sql: postgres.Sql, text: string) => {
      const copy = await sql`copy copied from stdin (format csv)`.writable();
      await new Promise<void>((resolve, reject) => {
        copy.once('error', reject);
        copy.end(text, (error?: Error | null) => (error ? reject(error) : resolve()));
      });
    };
    const rows = Array.from({ length: 5000 }, (_, i) => `${i},"第${i}行, ""引号"""`).join('\n');
    const others = Array.from({ length: 50 }, (_, i) => b.unsafe('select $1::int as i', [i]));
    await copyRows(a, `${rows}\n`);
    expect((await Promise.all(others)).map(([row]) => row.i)).toEqual(
      Array.from({ length: 50 }, (_, i) => i),
    );
    expect(await a`select count(*)::int as n, max(label) filter (where n = 7) as label from copied`).toEqual([
      { n: 5000, label: '第7行, "引号"' },
    ]);
    // postgres.js leaves such a COPY pending forever unless patched (patches/postgres+3.4.9.patch)
    await expect(copyRows(a, 'not a number,x\n')).rejects.toThrow(/invalid input syntax for type integer/);
    expect(await b`select count(*)::int as n from copied`).toEqual([{ n: 5000 }]);
  });
});
