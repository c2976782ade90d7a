import { add } from 'date-fns';
import { sql } from 'drizzle-orm';
import type { Dataset } from '../catalog/define.js';
import { datasets } from '../catalog/registry.js';
import type { Db } from '../db/connection.js';
import { datasetFreshness } from '../db/hubTables.js';
import { parseIsoDuration } from './duration.js';

/**
 * Dataset freshness (数据时效): each dataset's last publication against its declared update cycle. A
 * dataset was last published at its last applied batch (`sync_batch.applied_at`: a batch that changed
 * nothing still shows the publisher is on schedule) or its last changed record (rows written another
 * way), whichever is later. It is stale when that is longer ago than its `updateCycle`, or when it was
 * never published.
 */

export interface Freshness {
  dataset: string;
  lastPublishedAt: Date | null;
  stale: boolean;
  checkedAt: Date;
}

/** Stale when `now` is past the last publication plus one update cycle; never published is stale. */
export function isStale(dataset: Dataset, lastPublishedAt: Date | null, now: Date): boolean {
  if (!lastPublishedAt) return true;
  return add(lastPublishedAt, parseIsoDuration(dataset.updateCycle)).getTime() < now.getTime();
}

type Row = { ms: number | string | null };
const rowsOf = <T>(result: unknown): T[] => (Array.isArray(result) ? result : (result as { rows: T[] }).rows);

async function latestMillis(db: Db, query: ReturnType<typeof sql>): Promise<number | null> {
  const [row] = rowsOf<Row>(await db.execute(query));
  return row?.ms == null ? null : Number(row.ms);
}

/** When a dataset was last published, from its batches and its records (both read by index). */
export async function lastPublished(db: Db, dataset: Dataset): Promise<Date | null> {
  const epochMs = (column: string) => sql.raw(`(extract(epoch from max(${column})) * 1000)::float8 as ms`);
  const batch = await latestMillis(
    db,
    sql`select ${epochMs('applied_at')} from sync_batch where dataset = ${dataset.name}`,
  );
  const record = await latestMillis(
    db,
    sql`select ${epochMs('last_changed_at')} from ${sql.identifier(dataset.table)}`,
  );
  const latest = Math.max(batch ?? -1, record ?? -1);
  return latest < 0 ? null : new Date(latest);
}

/**
 * The freshness job: computes every dataset's freshness and stores it in `dataset_freshness`. Idempotent
 * (it overwrites each row with what it finds now). Returns what it stored.
 */
export async function checkFreshness(db: Db, now = new Date()): Promise<Freshness[]> {
  const results: Freshness[] = [];
  for (const dataset of datasets) {
    const lastPublishedAt = await lastPublished(db, dataset);
    results.push({
      dataset: dataset.name,
      lastPublishedAt,
      stale: isStale(dataset, lastPublishedAt, now),
      checkedAt: now,
    });
  }
  const values = results.map((r) => ({
    dataset: r.dataset,
    lastPublishedAt: r.lastPublishedAt?.toISOString() ?? null,
    stale: r.stale,
    checkedAt: r.checkedAt.toISOString(),
  }));
  await db
    .insert(datasetFreshness)
    .values(values)
    .onConflictDoUpdate({
      target: datasetFreshness.dataset,
      set: {
        lastPublishedAt: sql`excluded.last_published_at`,
        stale: sql`excluded.stale`,
        checkedAt: sql`excluded.checked_at`,
      },
    });
  return results;
}

/** Every stored freshness row, by dataset (one query; the catalogue resolver reads it once per request). */
export async function readFreshness(db: Db): Promise<Map<string, Freshness>> {
  const rows = await db.select().from(datasetFreshness);
  return new Map(
    rows.map((row) => [
      row.dataset,
      {
        dataset: row.dataset,
        lastPublishedAt: row.lastPublishedAt ? new Date(row.lastPublishedAt) : null,
        stale: row.stale,
        checkedAt: new Date(row.checkedAt),
      },
    ]),
  );
}
