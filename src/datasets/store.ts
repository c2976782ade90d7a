import { and, asc, desc, eq, getTableColumns, gt, isNull, lt, or, sql } from 'drizzle-orm';
import type { EffectiveAccess } from '../access/effectiveAccess.js';
import { assertUseField, canUseField } from '../access/fieldActions.js';
import type { Dataset } from '../catalog/define.js';
import type { Db } from '../db/connection.js';
import { countMatching, keysetPage, type Paged } from '../db/keysetPage.js';
import { badInput } from '../errors.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { cursorSeal } from './cursorSeal.js';
import { checkCodeValue, type FilterArgs, filterConditions } from './filters.js';
import type { ReferenceData } from './reference.js';

/** A stored record: declared fields plus provenance, keyed by field name. */
export type DatasetRow = Record<string, unknown> & { id: number };

export const MAX_PAGE_SIZE = 1000;
export const DEFAULT_PAGE_SIZE = 100;

/**
 * A to-one cross-link read in the page's own statement: its target's row, by the target's natural key
 * (so at most one matches), live and within the caller's row scope, as the link's loader would read it.
 */
export interface LinkJoin {
  link: string;
  target: Dataset;
  /** The source field and the target's key field it equals. */
  local: string;
  remote: string;
  /** The target's fields to read (all when undefined). */
  fields: readonly string[] | undefined;
}

/** Where a row of a page keeps the targets of the links joined into its statement (null: none). */
export const JOINED = Symbol('joined links');

export type JoinedRows = Record<string, DatasetRow | null>;

export function joinedOf(row: DatasetRow): JoinedRows | undefined {
  return (row as { [JOINED]?: JoinedRows })[JOINED];
}

export interface ListArgs {
  filter?: FilterArgs | null;
  orderBy?: { field: string; direction?: 'ASC' | 'DESC' | null } | null;
  first?: number | null;
  after?: string | null;
  includeDeleted?: boolean | null;
}

/**
 * The columns to read: the named fields (and whatever the caller adds), or every column when undefined.
 * Selecting only what a query reads is what keeps a wide table's page cheap to decode.
 */
export function columnsOf(
  dataset: Dataset,
  fields: readonly string[] | undefined,
  ...needed: string[]
): Record<string, any> {
  const columns = getTableColumns(dataset.drizzle) as Record<string, any>;
  if (!fields) return columns;
  const selected: Record<string, any> = {};
  for (const name of [...fields, ...needed]) selected[name] = columns[name];
  return selected;
}

/** A page of records; a row's cursor is sealed (the seal is read from the database the first time one is needed). */
export type Page = Paged<DatasetRow> & { cursorOf(row: DatasetRow): Promise<string> };

function pageSize(first: number | null | undefined): number {
  if (first == null) return DEFAULT_PAGE_SIZE;
  if (first < 0) throw badInput(`first must not be negative (got ${first})`, { argument: 'first' });
  if (first > MAX_PAGE_SIZE) {
    throw badInput(`first may be at most ${MAX_PAGE_SIZE} (got ${first}); page with after instead`, {
      argument: 'first',
    });
  }
  return first;
}

/**
 * Rows after the cursor in (sort value, id) order, NULL sort values last. A sort column that is never
 * NULL compares as a row value, which the (column, id) index answers directly.
 */
function afterCondition(
  column: any,
  idColumn: any,
  direction: 'ASC' | 'DESC',
  cursor: { value: unknown; id: number },
  neverNull: boolean,
) {
  if (neverNull) {
    return direction === 'ASC'
      ? sql`(${column}, ${idColumn}) > (${cursor.value}, ${cursor.id})`
      : sql`(${column}, ${idColumn}) < (${cursor.value}, ${cursor.id})`;
  }
  const beyond = direction === 'ASC' ? gt : lt;
  if (cursor.value === null) return and(isNull(column), beyond(idColumn, cursor.id));
  return or(
    beyond(column, cursor.value),
    and(eq(column, cursor.value), beyond(idColumn, cursor.id)),
    isNull(column),
  );
}

/**
 * One page of a dataset's records: keyset pagination over a declared sort field and the record id. Rows
 * hold `fields` (all when undefined), the id, the publisher and the sort field.
 */
export async function listRecords(
  db: Db,
  dataset: Dataset,
  args: ListArgs,
  reference: ReferenceData,
  access: EffectiveAccess,
  fields?: readonly string[],
  joins: readonly LinkJoin[] = [],
): Promise<Page> {
  const table = dataset.drizzle;
  const columns = getTableColumns(table) as Record<string, any>;
  const limit = pageSize(args.first);
  if (args.orderBy && args.orderBy.field !== 'lastChangedAt')
    assertUseField(access, dataset, args.orderBy.field, 'sort');
  // The declared default order, unless the caller could infer a hidden field from it: then by record id.
  const defaultOrder =
    dataset.defaultOrder && canUseField(access, dataset, dataset.defaultOrder.field)
      ? dataset.defaultOrder
      : undefined;
  const orderField = args.orderBy?.field ?? defaultOrder?.field ?? 'id';
  const direction = args.orderBy?.direction ?? (args.orderBy ? 'ASC' : (defaultOrder?.direction ?? 'ASC'));
  const where = and(
    filterConditions(dataset, args.filter, reference, access, args.includeDeleted ?? false),
    access.rowScope(dataset),
  );
  const sortColumn = columns[orderField];
  // Required fields and the provenance columns hold no NULLs: their plain order is the (column, id) index's
  // order, forwards or backwards. "desc nulls last" is not, and made every such page a scan and a sort.
  const neverNull = !dataset.fields[orderField] || dataset.fields[orderField].required === true;
  const cursorOrder = { field: orderField, direction };
  const cursor = args.after
    ? decodeCursor(await cursorSeal(db.$client), dataset.name, cursorOrder, args.after)
    : undefined;
  const pageWhere = cursor
    ? and(where, afterCondition(sortColumn, columns.id, direction, cursor, neverNull))
    : where;
  const order = neverNull
    ? direction === 'ASC'
      ? [asc(sortColumn), asc(columns.id)]
      : [desc(sortColumn), desc(columns.id)]
    : direction === 'ASC'
      ? [sql`${sortColumn} asc nulls last`, asc(columns.id)]
      : [sql`${sortColumn} desc nulls last`, desc(columns.id)];
  const selection = columnsOf(dataset, fields, 'id', 'publisher', orderField);
  for (const join of joins) {
    selection[`link:${join.link}`] = columnsOf(join.target, join.fields, 'id', 'publisher', join.remote);
  }
  let query = db.select(selection).from(table).$dynamic();
  for (const join of joins) {
    const target = getTableColumns(join.target.drizzle) as Record<string, any>;
    query = query.leftJoin(
      join.target.drizzle,
      and(
        eq(target[join.remote], columns[join.local]),
        eq(target.deleted, false),
        access.rowScope(join.target),
      ),
    );
  }
  const fetched =
    limit === 0
      ? []
      : await query
          .where(pageWhere)
          .orderBy(...order)
          .limit(limit + 1);
  if (joins.length) {
    for (const row of fetched as Record<string | symbol, any>[]) {
      const joined: JoinedRows = {};
      for (const { link } of joins) {
        const linked = row[`link:${link}`];
        delete row[`link:${link}`];
        joined[link] = linked?.id == null ? null : linked;
      }
      row[JOINED] = joined;
    }
  }
  return keysetPage(fetched as DatasetRow[], limit, {
    hasPreviousPage: cursor !== undefined,
    cursorOf: async (row) =>
      encodeCursor(await cursorSeal(db.$client), dataset.name, cursorOrder, {
        value: (row[orderField] as unknown) ?? null,
        id: row.id,
      }),
    count: (atMost) => countMatching(db, table, where, atMost),
  });
}

/** A lookup by natural key: the caller may use each key field, and a code field holds a known code. */
export function assertKeyLookup(
  dataset: Dataset,
  key: Record<string, unknown>,
  reference: ReferenceData,
  access: EffectiveAccess,
): void {
  for (const field of dataset.key) {
    assertUseField(access, dataset, field, 'look up');
    checkCodeValue(field, dataset.fields[field], key[field], reference);
  }
}
