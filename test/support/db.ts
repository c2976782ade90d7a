import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { afterAll, inject } from 'vitest';
import { type Db, sessionParameters } from '../../src/db/connection.js';

export interface TestDatabase {
  url: string;
  sql: postgres.Sql;
  db: Db;
  /** SQL statements seen since the last `reset()`. */
  statements: string[];
}

/**
 * A connection to the run's database, closed after the file's tests, with the hub's session settings (on a
 * server, its role: the tests see what the hub may do). Every statement is recorded.
 */
export function withTestDatabase(): TestDatabase {
  const url = inject('databaseUrl');
  const statements: string[] = [];
  // One connection on PGlite: its socket interleaves the messages of concurrent connections.
  const max = inject('databaseKind') === 'embedded' ? 1 : 4;
  const sql = postgres(url, {
    max,
    onnotice: () => {},
    connection: sessionParameters(0),
    debug: (_c, query) => statements.push(query),
  });
  afterAll(() => sql.end({ timeout: 5 }));
  return { url, sql, db: drizzle({ client: sql }), statements };
}
