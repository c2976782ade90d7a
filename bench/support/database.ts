import os from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import type { Config } from '../../src/config.js';
import { type Database, openDatabase } from '../../src/db/connection.js';
import { runMigrations } from '../../src/db/migrate.js';

/** Databases a benchmark must never write: the test suite wipes `test` and works from `postgres`. */
const RESERVED = new Set(['test', 'postgres', 'template0', 'template1']);

/** A benchmark's database: the URL in `variable`, else `fallback` (a database of the benchmark's own). */
export function benchDatabaseUrl(variable: string, fallback: string): string {
  return process.env[variable] || fallback;
}

/** The database name of a postgres:// URL. */
export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
}

/** A URL fit to print: without user name and password. */
export function redacted(url: string): string {
  const parsed = new URL(url);
  parsed.username = '';
  parsed.password = '';
  return parsed.toString();
}

/**
 * Creates a benchmark's own database if it is missing (another process creating it at the same moment is
 * fine), and refuses the shared ones. `variable` names the setting that chooses it, for the refusal.
 */
export async function ensureBenchDatabase(url: string, variable: string): Promise<void> {
  const name = databaseName(url);
  if (!name || RESERVED.has(name)) {
    throw new Error(
      `refusing to benchmark on database ${JSON.stringify(name)}: the test suite uses it; give the benchmark a database of its own (${variable})`,
    );
  }
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const sql = postgres(admin.toString(), { max: 1, onnotice: () => {} });
  try {
    const [found] = await sql`select 1 as found from pg_database where datname = ${name}`;
    if (!found) {
      try {
        await sql`create database ${sql(name)}`;
        console.log(`created database ${name}`);
      } catch (error) {
        // 42P04: created meanwhile by another process.
        if ((error as { code?: string }).code !== '42P04') throw error;
      }
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** A benchmark's database created when missing and migrated by the hub's own migrations. */
export async function prepareBenchDatabase(url: string, variable: string): Promise<void> {
  await ensureBenchDatabase(url, variable);
  await runMigrations(url);
}

/** The hub's configuration for a server database, as far as opening it goes. */
export function benchConfig(url: string, poolSize: number): Config {
  return {
    databaseUrl: url,
    dataDir: join(os.tmpdir(), 'jingtu-bench-unused'),
    port: 0,
    host: '127.0.0.1',
    logLevel: 'silent',
    poolSize,
  };
}

/** The database as the hub opens it (its role, its session settings), with a pool of `poolSize`. */
export function openBenchDatabase(url: string, poolSize = 2): Promise<Database> {
  return openDatabase(benchConfig(url, poolSize));
}

/** Runs `work` on the database as the hub opens it, and closes it. */
export async function withBenchDatabase<T>(
  url: string,
  work: (database: Database) => Promise<T>,
): Promise<T> {
  const database = await openBenchDatabase(url);
  try {
    return await work(database);
  } finally {
    await database.close();
  }
}
