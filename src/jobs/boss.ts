import PgBoss from 'pg-boss';
import type postgres from 'postgres';

/**
 * pg-boss over the hub's own postgres.js pool, instead of the `pg` pool pg-boss would open by itself.
 *
 * Why: the embedded database is one PGlite session behind pglite-socket, which interleaves the protocol
 * messages of concurrent connections; the hub therefore talks to it through exactly one connection, and a
 * second pool (even of one connection) would corrupt both. Through this executor pg-boss's statements queue
 * on the hub's connection like any other query. On a server the same code shares the hub's pool: one code
 * path, tested on both databases. pg-boss 10 polls, takes its advisory locks inside single statements and
 * does not use LISTEN/NOTIFY, so nothing in it needs a session of its own.
 */

const JSON_TYPES = [114, 3802];
const TIMESTAMP_TYPES = new Set([1114, 1184]);

/**
 * A parameter as pg-boss means it (it was written for node-postgres, which sends text). postgres.js serializes
 * each parameter by the type the server infers for it, so booleans and numbers stay as they are (a bool
 * parameter becomes `t`/`f`, a text one `true`), dates and arrays become their text forms, objects JSON.
 */
function parameter(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean' || typeof value === 'number' || typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return arrayLiteral(value);
  return JSON.stringify(value);
}

function arrayLiteral(values: unknown[]): string {
  const items = values.map((item) => {
    if (item === null || item === undefined) return 'NULL';
    if (Array.isArray(item)) return arrayLiteral(item);
    const text = String(parameter(item));
    return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  });
  return `{${items.join(',')}}`;
}

/** Rows as node-postgres returns them: timestamps as Date objects (the hub's client keeps them as text). */
function rowsOf(result: postgres.RowList<postgres.Row[]>): postgres.Row[] {
  const timestamps = (result.columns ?? []).filter((c) => TIMESTAMP_TYPES.has(c.type)).map((c) => c.name);
  const rows = [...result];
  if (timestamps.length === 0) return rows;
  return rows.map((row) => {
    const copy = { ...row };
    for (const name of timestamps) if (typeof copy[name] === 'string') copy[name] = new Date(copy[name]);
    return copy;
  });
}

/**
 * A pg-boss `Db` that runs pg-boss's SQL on a postgres.js pool (the hub's), and knows its statements in
 * flight: `boss.stop()` stops the workers without waiting for their loops, so a fetch still in flight
 * returns after it, and its job is then failed (scheduler.ts); `settled()` waits for such statements before
 * the caller closes the pool. A statement that fails (the database gone) is pg-boss's to handle: it reports
 * it as an `error` event. pg-boss 10 sent a job's completion or failure without awaiting it, so that one's
 * failure was an unhandled rejection, which ends a Node process: patches/pg-boss+10.4.2.patch awaits them.
 */
export function postgresJsExecutor(sql: postgres.Sql): PgBoss.Db & { settled(): Promise<void> } {
  const inFlight = new Set<Promise<unknown>>();
  const run = postgresJsRun(sql);
  return {
    executeSql(text: string, values?: unknown[]) {
      const statement = run(text, values);
      inFlight.add(statement);
      const forget = () => inFlight.delete(statement);
      statement.then(forget, forget);
      return statement;
    },
    async settled() {
      while (inFlight.size) await Promise.allSettled([...inFlight]);
    },
  };
}

function postgresJsRun(sql: postgres.Sql) {
  // pg-boss sends JSON as text. The hub's client passes JSON text through as it is (drizzle sets it so);
  // make that hold for any client, and still serialize objects.
  for (const type of JSON_TYPES) {
    sql.options.serializers[type] = (x: unknown) => (typeof x === 'string' ? x : JSON.stringify(x));
  }
  return async (text: string, values: unknown[] = []) => {
    if (values.length > 0) {
      const result = await sql.unsafe(text, values.map(parameter) as postgres.ParameterOrJSON<never>[]);
      const rows = rowsOf(result);
      return { rows, rowCount: result.count ?? rows.length };
    }
    // Parameterless statements go as a simple query, which may hold several statements: pg-boss's
    // migrations are `BEGIN; …; COMMIT;` in one string. They run on a reserved connection, so that a
    // failure part-way is rolled back before that connection serves anyone else.
    const connection = await sql.reserve();
    try {
      const result = (await connection.unsafe(text)) as postgres.RowList<postgres.Row[]>;
      const last = Array.isArray(result[0])
        ? (result as unknown as postgres.RowList<postgres.Row[]>[]).at(-1)
        : result;
      const rows = last ? rowsOf(last) : [];
      return { rows, rowCount: last?.count ?? rows.length };
    } catch (error) {
      await connection.unsafe('rollback').catch(() => {});
      throw error;
    } finally {
      connection.release();
    }
  };
}

export { PgBoss };
