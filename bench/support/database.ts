import postgres from 'postgres';

/** Databases a benchmark must never write: the test suite wipes `test` and works from `postgres`. */
const RESERVED = new Set(['test', 'postgres', 'template0', 'template1']);

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
