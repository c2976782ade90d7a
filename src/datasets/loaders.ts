import DataLoader from 'dataloader';
import { and, eq, getTableColumns, inArray, or, sql } from 'drizzle-orm';
import type { EffectiveAccess } from '../access/effectiveAccess.js';
import type { Dataset } from '../catalog/define.js';
import type { Db } from '../db/connection.js';
import { overlapSql } from '../fields/geometry.js';
import { inSpan } from '../tracing/spans.js';
import { columnsOf, type DatasetRow } from './store.js';

/**
 * Batched reads behind the cross-links, created per request: however many parents a page has, each link
 * costs one SQL statement.
 */
export class DatasetLoaders {
  private readonly loaders = new Map<string, DataLoader<unknown, DatasetRow[]>>();

  constructor(
    private readonly db: Db,
    private readonly access: EffectiveAccess,
  ) {}

  private cached(
    key: string,
    batch: (keys: readonly unknown[]) => Promise<DatasetRow[][]>,
    cacheKeyFn?: (key: unknown) => unknown,
  ) {
    let loader = this.loaders.get(key);
    if (!loader) {
      // a batch is a span (src/tracing): which link, how many keys, and its statement under it
      const traced = (keys: readonly unknown[]) =>
        inSpan('dataloader.batch', { 'jingtu.loader': key, 'jingtu.batch.size': keys.length }, () =>
          batch(keys),
        );
      loader = new DataLoader(traced, { maxBatchSize: 1000, cacheKeyFn });
      this.loaders.set(key, loader);
    }
    return loader;
  }

  /**
   * The live record (one or none) of `dataset` with each natural key, holding `fields` (all when
   * undefined), the id and the publisher: the evidence records of a page of alerts in one statement.
   */
  byKey(dataset: Dataset, fields?: readonly string[]): DataLoader<unknown, DatasetRow[]> {
    const keyText = (key: unknown) =>
      JSON.stringify(dataset.key.map((field) => String((key as Record<string, unknown>)[field])));
    return this.cached(
      `key:${dataset.name}:${fields?.join(',') ?? '*'}`,
      async (keys) => {
        const columns = getTableColumns(dataset.drizzle) as Record<string, any>;
        const matches = keys.map((key) =>
          and(...dataset.key.map((field) => eq(columns[field], (key as Record<string, unknown>)[field]))),
        );
        const rows = (await this.db
          .select(columnsOf(dataset, fields, 'id', 'publisher', ...dataset.key))
          .from(dataset.drizzle)
          .where(
            and(eq(columns.deleted, false), this.access.rowScope(dataset), or(...matches)),
          )) as DatasetRow[];
        const byText = new Map(rows.map((row) => [keyText(row), row]));
        return keys.map((key) => {
          const row = byText.get(keyText(key));
          return row ? [row] : [];
        });
      },
      keyText,
    );
  }

  /**
   * Live records of `dataset` whose `field` equals the key, holding `fields` (all when undefined), the id,
   * the publisher and `field`. One loader per set of fields: two selections of the same link that read
   * different fields cost a statement each.
   */
  byField(dataset: Dataset, field: string, fields?: readonly string[]): DataLoader<unknown, DatasetRow[]> {
    return this.cached(`field:${dataset.name}.${field}:${fields?.join(',') ?? '*'}`, async (values) => {
      const columns = getTableColumns(dataset.drizzle) as Record<string, any>;
      const rows = (await this.db
        .select(columnsOf(dataset, fields, 'id', 'publisher', field))
        .from(dataset.drizzle)
        .where(
          and(
            eq(columns.deleted, false),
            this.access.rowScope(dataset),
            inArray(columns[field], values as unknown[]),
          ),
        )) as DatasetRow[];
      const grouped = new Map<unknown, DatasetRow[]>();
      for (const row of rows) {
        const list = grouped.get(row[field]) ?? [];
        list.push(row);
        grouped.set(row[field], list);
      }
      return values.map((value) => grouped.get(value) ?? []);
    });
  }

  /**
   * Live records of `target` whose `toField` geometry overlaps the `from` geometry of a source record,
   * holding `fields` (all when undefined), the id and the publisher.
   */
  overlapping(
    source: Dataset,
    from: string,
    target: Dataset,
    toField: string,
    fields?: readonly string[],
  ): DataLoader<unknown, DatasetRow[]> {
    const key = `overlap:${source.name}.${from}:${target.name}.${toField}:${fields?.join(',') ?? '*'}`;
    return this.cached(key, async (ids) => {
      const sourceColumns = getTableColumns(source.drizzle) as Record<string, any>;
      const targetColumns = getTableColumns(target.drizzle) as Record<string, any>;
      const rows = await this.db
        .select({ sourceId: sourceColumns.id, target: columnsOf(target, fields, 'id', 'publisher') })
        .from(source.drizzle)
        .innerJoin(
          target.drizzle,
          overlapSql(
            { field: target.fields[toField], column: targetColumns[toField] },
            { field: source.fields[from], column: sourceColumns[from] },
          ),
        )
        .where(
          and(
            inArray(sourceColumns.id, ids as number[]),
            eq(targetColumns.deleted, false),
            this.access.rowScope(target),
          ),
        );
      const grouped = new Map<unknown, DatasetRow[]>();
      for (const { sourceId, target: row } of rows as { sourceId: number; target: DatasetRow }[]) {
        const list = grouped.get(sourceId) ?? [];
        list.push(row);
        grouped.set(sourceId, list);
      }
      return ids.map((id) => grouped.get(id) ?? []);
    });
  }
}
