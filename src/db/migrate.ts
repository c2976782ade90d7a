import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
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

/** The migrations of `migrations/`, in order: their names, and when drizzle-kit generated each. */
function journal(): { tag: string; when: number }[] {
  const read = JSON.parse(readFileSync(join(migrationsFolder, 'meta/_journal.json'), 'utf8')) as {
    entries: { tag: string; when: number }[];
  };
  return read.entries;
}

function journalTags(): string[] {
  return journal().map((entry) => entry.tag);
}

/** What the database records of its migrations. */
interface Recorded {
  /** Migrations applied (0 when it was never migrated). */
  count: number;
  /** When the last of them was generated (`created_at`, as drizzle's migrator reads it); null: none. */
  last: string | null;
}

async function recorded(sql: postgres.Sql): Promise<Recorded> {
  // Two statements: a statement naming the table fails on a database never migrated, whatever its WHERE says.
  const [{ present }] = await sql<{ present: boolean }[]>`
    select to_regclass('drizzle.__drizzle_migrations') is not null as present`;
  if (!present) return { count: 0, last: null };
  const [row] = await sql<Recorded[]>`
    select count(*)::int as count,
      (select created_at from drizzle.__drizzle_migrations order by created_at desc limit 1) as last
    from drizzle.__drizzle_migrations`;
  return row;
}

/**
 * Whether drizzle's migrator would apply anything, by its own rule: it applies every migration generated
 * after the last one recorded (all of them when none is). When none is pending, the migrator and drizzle
 * are not loaded (`jingtu keys list` starts without them).
 */
function pending({ last }: Recorded): boolean {
  return journal().some((migration) => Number(last ?? 0) < migration.when);
}

/** Applies the pending migrations with drizzle's migrator, loaded only then. */
async function applyPending(sql: postgres.Sql): Promise<void> {
  const [{ drizzle }, { migrate }] = await Promise.all([
    import('drizzle-orm/postgres-js'),
    import('drizzle-orm/postgres-js/migrator'),
  ]);
  await migrate(drizzle({ client: sql }), { migrationsFolder });
}

/**
 * Applies pending migrations and says which; safe when several processes start together on one database.
 * It uses a connection of its own, so that the advisory lock and the migrations share one session. A
 * database that cannot be reached is a StartupError naming the server and the reason.
 */
export async function runMigrations(url: string): Promise<MigrationReport> {
  // No array types to read (`fetch_types`, a query of the catalogue on connecting): nothing here reads arrays.
  const sql = postgres(url, {
    max: 1,
    onnotice: () => {},
    connect_timeout: CONNECT_TIMEOUT_SECONDS,
    fetch_types: false,
  });
  try {
    try {
      await sql`select pg_advisory_lock(${MIGRATION_LOCK})`;
    } catch (error) {
      throw connectFailure(error, url, CONNECT_TIMEOUT_SECONDS) ?? error;
    }
    try {
      const before = await recorded(sql);
      if (!pending(before)) return { applied: [], total: before.count };
      await applyPending(sql);
      const { count: total } = await recorded(sql);
      return { applied: journalTags().slice(before.count, total), total };
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK})`;
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** True when every migration in `migrations/` has been applied. */
export async function migrationsApplied(sql: postgres.Sql): Promise<boolean> {
  return (await recorded(sql)).count >= journalTags().length;
}
