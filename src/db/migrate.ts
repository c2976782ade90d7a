import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';

export const migrationsFolder = join(dirname(fileURLToPath(import.meta.url)), '../../migrations');

/** Any fixed number: the advisory lock that keeps two hub processes from migrating at once. */
const MIGRATION_LOCK = 7_110_001;

/**
 * Applies pending migrations; safe when several processes start together on one database. It uses a
 * connection of its own, so that the advisory lock and the migrations share one session.
 */
export async function runMigrations(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK})`;
    try {
      await migrate(drizzle({ client: sql }), { migrationsFolder });
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK})`;
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}

function expectedMigrations(): number {
  const journal = JSON.parse(readFileSync(join(migrationsFolder, 'meta/_journal.json'), 'utf8')) as {
    entries: unknown[];
  };
  return journal.entries.length;
}

/** True when every migration in `migrations/` has been applied. */
export async function migrationsApplied(sql: postgres.Sql): Promise<boolean> {
  // Two statements: a statement naming the table fails on a database never migrated, whatever its WHERE says.
  const [{ present }] = await sql<{ present: boolean }[]>`
    select to_regclass('drizzle.__drizzle_migrations') is not null as present`;
  if (!present) return false;
  const [{ applied }] = await sql<{ applied: number }[]>`
    select count(*)::int as applied from drizzle.__drizzle_migrations`;
  return applied >= expectedMigrations();
}
