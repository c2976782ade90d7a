import DataLoader from 'dataloader';
import { and, eq, getTableColumns, inArray, sql } from 'drizzle-orm';
import type { EffectiveAccess } from '../access/effectiveAccess.js';
import type { Dataset } from '../catalog/define.js';
import type { Db } from '../db/connection.js';
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

  private cached(key: string, batch: (keys: readonly unknown[]) => Promise<DatasetRow[][]>) {
    let loader = this.loaders.get(key);
    if (!loader) {
      loader = new DataLoader(batch, { maxBatchSize: 1000 });
      this.loaders.set(key, loader);
    }
    return loader;
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
        .innerJoin(target.drizzle, sql`${sourceColumns[from]} && ${targetColumns[toField]}`)
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
