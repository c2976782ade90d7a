import { type AnyColumn, type SQL, sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  index,
  integer,
  type PgColumnBuilderBase,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import type { DatasetInput, FieldDef } from '../catalog/types.js';
import { kindOf } from '../fields/registry.js';

/**
 * What free-text search matches and its trigram index holds: the field lowercased. An expression, not the
 * column: pg_trgm's GIN opclass also answers `=` (since pg_trgm 1.6), and on the bare column the planner
 * took it for joins on codes, where every code shares most of its trigrams: the supervision rule joining
 * monitoring points by code went from 1 to 11 s. An index on the expression serves only the search.
 */
export function searchText(column: AnyColumn | SQL): SQL {
  return sql`lower(${column})`;
}

/** Column name of a declared field: camelCase → snake_case. */
export function columnName(field: string): string {
  return field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function fieldColumn(name: string, field: FieldDef): PgColumnBuilderBase {
  return kindOf(field).column(columnName(name), field);
}

/**
 * The provenance every record carries: who published it, from which source record and batch, when it
 * was first seen and last changed, its version, and whether it is a tombstone.
 */
function provenanceColumns() {
  return {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    publisher: text('publisher').notNull(),
    sourceRecordId: text('source_record_id').notNull(),
    syncBatch: text('sync_batch'),
    firstSeenAt: timestamp('first_seen_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
    lastChangedAt: timestamp('last_changed_at', { withTimezone: true, mode: 'string' })
      .notNull()
      .defaultNow(),
    version: integer('version').notNull().default(1),
    deleted: boolean('deleted').notNull().default(false),
    /** Position in the dataset's change feed (see `changeSequence`). */
    changeSeq: bigint('change_seq', { mode: 'number' }).notNull().default(sql`nextval('hub_change_seq')`),
  };
}

/** The drizzle table of a dataset, derived from its declaration. */
export function datasetTable(dataset: DatasetInput) {
  const columns: Record<string, PgColumnBuilderBase> = { ...provenanceColumns() };
  for (const [name, field] of Object.entries(dataset.fields)) {
    const builder = fieldColumn(name, field) as PgColumnBuilderBase & { notNull(): PgColumnBuilderBase };
    columns[name] = field.required ? builder.notNull() : builder;
  }
  return pgTable(dataset.table, columns, (t) => {
    const c = t as Record<string, Parameters<typeof index>[0] extends string ? never : any>;
    const extras = [
      uniqueIndex(`${dataset.table}_natural_key`).on(...(dataset.key.map((k) => c[k]) as [any, ...any[]])),
      index(`${dataset.table}_last_changed`).on(c.lastChangedAt, c.id),
      uniqueIndex(`${dataset.table}_change_seq`).on(c.changeSeq),
    ];
    for (const [name, field] of Object.entries(dataset.fields)) {
      const kind = kindOf(field);
      if (kind.index === 'spatial') {
        extras.push(index(`${dataset.table}_${columnName(name)}_gist`).using('gist', c[name]));
      } else if (field.filter && kind.index === 'filterable' && !dataset.key.includes(name)) {
        extras.push(index(`${dataset.table}_${columnName(name)}`).on(c[name], c.id));
      }
      // Free-text search is `lower(field) LIKE '%…%'` on each searchable field: a trigram index answers it.
      if (field.search)
        extras.push(
          index(`${dataset.table}_${columnName(name)}_trgm`).using(
            'gin',
            sql`${searchText(c[name])} gin_trgm_ops`,
          ),
        );
    }
    for (const fields of dataset.indexes ?? []) {
      const [first, ...rest] = fields.map((name) => c[name]);
      extras.push(index(`${dataset.table}_${fields.map(columnName).join('_')}`).on(first, ...rest));
    }
    return extras;
  });
}

export type DatasetTable = ReturnType<typeof datasetTable>;
