import { PgDialect } from 'drizzle-orm/pg-core';
import type postgres from 'postgres';
import type { EffectiveAccess } from '../access/effectiveAccess.js';
import type { Dataset } from '../catalog/define.js';
import type { DatasetRow } from '../datasets/store.js';
import { columnName } from '../db/datasetTable.js';
import { kindOf } from '../fields/registry.js';

/**
 * Whole-dataset reads (exports, the change feed over GraphQL and HTTP): one short keyset query per page
 * through the raw postgres.js client, in the caller's row scope, each field read and decoded as its kind
 * reads it, so that a row has the shape a GraphQL read gives it. Nothing is held between pages, so a slow
 * client holds no connection (the embedded database has one).
 */

/** Rows per page query. */
export const PAGE_ROWS = 1000;

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
const dialect = new PgDialect();

const selectLists = new Map<Dataset, string>();

/** Every declared field as its kind reads it in raw SQL, and the provenance. */
function selectList(dataset: Dataset): string {
  let list = selectLists.get(dataset);
  if (!list) {
    const fields = Object.entries(dataset.fields).map(([name, field]) => {
      const column = quote(columnName(name));
      return `${kindOf(field).sqlSelect?.(column) ?? column} as ${quote(name)}`;
    });
    list = [
      ...fields,
      'publisher',
      'source_record_id as "sourceRecordId"',
      'sync_batch as "syncBatch"',
      'version',
      `to_char(first_seen_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "firstSeenAt"`,
      `to_char(last_changed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "lastChangedAt"`,
      'change_seq::text as "changeSeq"',
      'deleted',
      // Not aliased "id": ORDER BY id would then sort by this text.
      'id::text as "_rowId"',
    ].join(', ');
    selectLists.set(dataset, list);
  }
  return list;
}

/** A bigint position, checked before it goes into SQL as a literal. */
function position(value: bigint | string): string {
  const text = String(value);
  if (!/^\d{1,19}$/.test(text)) throw new Error(`not a row position: ${text}`);
  return text;
}

/** The fields whose raw values need decoding, per dataset. */
const decoders = new Map<Dataset, [string, (value: unknown) => unknown][]>();

function decode(dataset: Dataset, rows: Record<string, unknown>[]): DatasetRow[] {
  let fields = decoders.get(dataset);
  if (!fields) {
    fields = Object.entries(dataset.fields).flatMap(([name, field]) => {
      const fromSql = kindOf(field).fromSql;
      return fromSql ? [[name, fromSql] as [string, (value: unknown) => unknown]] : [];
    });
    decoders.set(dataset, fields);
  }
  for (const row of rows) {
    for (const [name, fromSql] of fields) if (row[name] != null) row[name] = fromSql(row[name]);
    row.id = Number(row._rowId);
  }
  return rows as DatasetRow[];
}

async function page(
  sql: postgres.Sql,
  dataset: Dataset,
  access: EffectiveAccess,
  condition: string,
  tail: string,
): Promise<DatasetRow[]> {
  const scope = access.rowScope(dataset);
  const scoped = scope ? dialect.sqlToQuery(scope) : undefined;
  const where = scoped ? `(${condition}) and (${scoped.sql})` : condition;
  const rows = await sql.unsafe(
    `select ${selectList(dataset)} from ${quote(dataset.table)} where ${where} ${tail}`,
    (scoped?.params ?? []) as never[],
  );
  return decode(dataset, rows as unknown as Record<string, unknown>[]);
}

/** Live records after a record id, in id order (an export's page). */
export function recordsAfter(
  sql: postgres.Sql,
  dataset: Dataset,
  access: EffectiveAccess,
  afterId: bigint | string,
  limit: number,
): Promise<DatasetRow[]> {
  return page(
    sql,
    dataset,
    access,
    `not deleted and id > ${position(afterId)}`,
    `order by id limit ${limit}`,
  );
}

/** Inserts, updates and tombstones after a change position, in change order (a change feed's page). */
export function changesAfter(
  sql: postgres.Sql,
  dataset: Dataset,
  access: EffectiveAccess,
  after: bigint | string,
  limit: number,
): Promise<DatasetRow[]> {
  return page(sql, dataset, access, `change_seq > ${position(after)}`, `order by change_seq limit ${limit}`);
}
