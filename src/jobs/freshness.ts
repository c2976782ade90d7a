import { add } from 'date-fns';
import { sql } from 'drizzle-orm';
import type postgres from 'postgres';
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

/**
 * When a dataset was last published, from its batches and its records (both read by index). On postgres.js
 * rather than drizzle, so that a supervision rule (DATASET_STALE) can ask it inside its transaction.
 */
export async function lastPublished(sql: postgres.Sql, dataset: Dataset): Promise<Date | null> {
  const [row] = await sql<{ ms: number | string | null }[]>`
    select (extract(epoch from greatest(
      (select max(applied_at) from sync_batch where dataset = ${dataset.name}),
      (select max(last_changed_at) from ${sql(dataset.table)}))) * 1000)::float8 as ms`;
  return row?.ms == null ? null : new Date(Number(row.ms));
}

/**
 * The freshness job: computes every dataset's freshness and stores it in `dataset_freshness`. Idempotent
 * (it overwrites each row with what it finds now). Returns what it stored.
 */
export async function checkFreshness(db: Db, now = new Date()): Promise<Freshness[]> {
  const results: Freshness[] = [];
  for (const dataset of datasets) {
    const lastPublishedAt = await lastPublished(db.$client, dataset);
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
