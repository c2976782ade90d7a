import { sql } from 'drizzle-orm';
import { datasetByName, datasets } from '../catalog/registry.js';
import type { Db } from '../db/connection.js';
import { DEMO_BATCH } from './random.js';
import { demoRecords } from './rows.js';

/** Rows per INSERT statement. */
const CHUNK = 500;

/** Any fixed number: the advisory lock that keeps two seeders from loading the demo at once. */
const SEED_LOCK = 7_110_002;

export interface SeedOptions {
  /**
   * When to do nothing: `anyRows` (default) when the pesticide-use table holds any row at all, so a database
   * with real data never receives demo data; `demoRows` only when it already holds demo rows (for a shared
   * test database where other tests insert rows of their own).
   */
  skipWhen?: 'anyRows' | 'demoRows';
}

/**
 * Loads the deterministic demo data set into every dataset of the catalogue, in one transaction. Returns the
 * rows inserted per dataset name, or {} when there was data already (calling it twice never duplicates).
 */
export async function seedDemo(db: Db, options: SeedOptions = {}): Promise<Record<string, number>> {
  const guard = datasetByName('pesticideUse');
  if (!guard) throw new Error('the catalogue has no pesticideUse dataset');
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${SEED_LOCK})`);
    const onlyDemo = options.skipWhen === 'demoRows' ? sql`where sync_batch = ${DEMO_BATCH}` : sql``;
    const existing = await tx.execute(sql`select 1 from ${guard.drizzle} ${onlyDemo} limit 1`);
    if (existing.length > 0) return {};
    const records = demoRecords();
    const counts: Record<string, number> = {};
    for (const dataset of datasets) {
      const rows = records.get(dataset.name) ?? [];
      for (let i = 0; i < rows.length; i += CHUNK) {
        const chunk = rows.slice(i, i + CHUNK) as (typeof dataset.drizzle.$inferInsert)[];
        await tx.insert(dataset.drizzle).values(chunk);
      }
      counts[dataset.name] = rows.length;
      // Planner statistics now, not at autovacuum's leisure: the embedded database never analyses on its
      // own, and without them a spatial filter scans instead of using its GiST index (1.0 s vs 0.19 s).
      await tx.execute(sql`analyze ${dataset.drizzle}`);
    }
    return counts;
  });
}
