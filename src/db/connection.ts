import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import type postgres from 'postgres';
import type { Config } from '../config.js';
import { type OpenOptions, openPool, type Pool } from './pool.js';

// The pool's settings, named here as before for the modules that open a database.
export { APP_ROLE, type OpenOptions, sessionParameters } from './pool.js';

/** The drizzle database; `$client` is its postgres.js pool (for COPY, which drizzle does not speak). */
export type Db = PostgresJsDatabase & { $client: postgres.Sql };

/** The pool (src/db/pool.ts) with drizzle on it. */
export interface Database extends Pool {
  db: Db;
}

/**
 * Puts drizzle on an open pool. Drizzle makes the pool read dates and times as the server's text (it sets
 * the pool's parsers), for `db` and `sql` alike.
 */
export function withOrm(pool: Pool): Database {
  return { ...pool, db: drizzle({ client: pool.sql }) };
}

export async function openDatabase(config: Config, options: OpenOptions = {}): Promise<Database> {
  return withOrm(await openPool(config, options));
}

/** Whether an error is PostgreSQL cancelling a statement that ran past `statement_timeout` (57014). */
export function isStatementTimeout(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '57014';
}
