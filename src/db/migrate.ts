import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { connectFailure } from './connectFailure.js';

export const migrationsFolder = join(dirname(fileURLToPath(import.meta.url)), '../../migrations');

/** Any fixed number: the advisory lock that keeps two hub processes from migrating at once. */
const MIGRATION_LOCK = 7_110_001;

/** Seconds to open the first connection: an unreachable server is reported, not waited on for 30 s. */
const CONNECT_TIMEOUT_SECONDS = 10;

export interface MigrationReport {
  /** The migrations this run applied (their names in `migrations/`), in order; empty when none were pending. */
  applied: string[];
  /** Migrations in the database now. */
  total: number;
}

function journalTags(): string[] {
  const journal = JSON.parse(readFileSync(join(migrationsFolder, 'meta/_journal.json'), 'utf8')) as {
    entries: { tag: string }[];
  };
  return journal.entries.map((entry) => entry.tag);
}

/** Migrations recorded in the database (0 when it was never migrated). */
async function appliedCount(sql: postgres.Sql): Promise<number> {
  // Two statements: a statement naming the table fails on a database never migrated, whatever its WHERE says.
  const [{ present }] = await sql<{ present: boolean }[]>`
    select to_regclass('drizzle.__drizzle_migrations') is not null as present`;
  if (!present) return 0;
  const [{ applied }] = await sql<{ applied: number }[]>`
    select count(*)::int as applied from drizzle.__drizzle_migrations`;
  return applied;
}

/**
 * Applies pending migrations and says which; safe when several processes start together on one database.
 * It uses a connection of its own, so that the advisory lock and the migrations share one session. A
 * database that cannot be reached is a StartupError naming the server and the reason.
 */
export async function runMigrations(url: string): Promise<MigrationReport> {
  const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: CONNECT_TIMEOUT_SECONDS });
  try {
    try {
      await sql`select pg_advisory_lock(${MIGRATION_LOCK})`;
    } catch (error) {
      throw connectFailure(error, url, CONNECT_TIMEOUT_SECONDS) ?? error;
    }
    try {
      const before = await appliedCount(sql);
      await migrate(drizzle({ client: sql }), { migrationsFolder });
      const total = await appliedCount(sql);
      return { applied: journalTags().slice(before, total), total };
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK})`;
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** True when every migration in `migrations/` has been applied. */
export async function migrationsApplied(sql: postgres.Sql): Promise<boolean> {
  return (await appliedCount(sql)) >= journalTags().length;
}
