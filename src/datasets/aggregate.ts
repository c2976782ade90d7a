import { and, asc, getTableColumns, type SQL, sql } from 'drizzle-orm';
import type { EffectiveAccess } from '../access/effectiveAccess.js';
import { assertUseField } from '../access/fieldActions.js';
import type { Dataset } from '../catalog/define.js';
import type { Db } from '../db/connection.js';
import { badInput } from '../errors.js';
import { kindOf } from '../fields/registry.js';
import { type FilterArgs, filterConditions } from './filters.js';
import type { ReferenceData } from './reference.js';

/**
 * Aggregates over a dataset (分组统计), derived from the catalogue: one `GROUP BY` statement per request.
 *
 * - A group key is a field of a discrete type (text and codes, enumerations, districts, credit codes,
 *   booleans, whole numbers, dates) or the year of a date field (`issuedOnYear`).
 * - A measure is a numeric field (whole number or number): its sum, average, minimum and maximum.
 * - The caller may group by, or measure, only fields it reads in clear for every row. Grouping by a masked
 *   or denied field would reveal its values (one group per value); a sum, an average or an extreme over a
 *   group of one row is that row's value. So a masked field, a PRIVATE field and a CONDITIONAL field
 *   without a grant are refused (FORBIDDEN), even to a publisher that reads its own rows in clear.
 * - The filter is the list's, with the list's rules; tombstones are excluded unless asked for; a district
 *   aggregates its district's rows only (the row scope is in the SQL).
 */

export const AGGREGATES = ['sum', 'avg', 'min', 'max'] as const;
export type AggregateName = (typeof AGGREGATES)[number];

export const MAX_GROUPS = 1000;
export const DEFAULT_GROUPS = 1000;

/** One way to group a dataset's rows: by a field's value, or by the year of a date field. */
export interface GroupKey {
  /** Name of the key in the result (`district`, `issuedOnYear`). */
  name: string;
  /** The dataset field it is computed from. */
  field: string;
  byYear: boolean;
}

const groupKeyCache = new Map<Dataset, GroupKey[]>();

/** The keys a dataset's rows may be grouped by, in declaration order. */
export function groupKeys(dataset: Dataset): GroupKey[] {
  let keys = groupKeyCache.get(dataset);
  if (!keys) {
    keys = Object.entries(dataset.fields).flatMap(([name, field]) => {
      const groupBy = kindOf(field).groupBy;
      if (!groupBy) return [];
      const plain = { name, field: name, byYear: false };
      return groupBy === 'valueAndYear'
        ? [plain, { name: `${name}Year`, field: name, byYear: true }]
        : [plain];
    });
    groupKeyCache.set(dataset, keys);
  }
  return keys;
}

/** The numeric fields of a dataset, which may be summed, averaged and compared. */
export function measureFields(dataset: Dataset): string[] {
  return Object.entries(dataset.fields)
    .filter(([, field]) => kindOf(field).measure)
    .map(([name]) => name);
}

export interface AggregateArgs {
  filter?: FilterArgs | null;
  /** Names of group keys (`GroupKey.name`), in the order the groups are sorted. */
  groupBy?: readonly string[] | null;
  first?: number | null;
  includeDeleted?: boolean | null;
}

/** What the selection asks to be computed: which aggregates of which fields. */
export type Measures = Partial<Record<AggregateName, readonly string[]>>;

export interface AggregateGroup {
  keys: Record<string, unknown>;
  count: number;
  sum: Record<string, number | null>;
  avg: Record<string, number | null>;
  min: Record<string, number | null>;
  max: Record<string, number | null>;
}

export interface AggregateResult {
  groups: AggregateGroup[];
  /** More groups matched than `first`. */
  truncated: boolean;
}

function groupLimit(first: number | null | undefined): number {
  if (first == null) return DEFAULT_GROUPS;
  if (first < 1 || first > MAX_GROUPS) {
    throw badInput(`first must be between 1 and ${MAX_GROUPS} groups (got ${first})`, { argument: 'first' });
  }
  return first;
}

/**
 * The groups of a dataset's rows matching a filter, with their row count and the requested aggregates,
 * sorted by the group keys in `groupBy` order (NULL keys last), in one SQL statement.
 */
export async function aggregateRecords(
  db: Db,
  dataset: Dataset,
  args: AggregateArgs,
  measures: Measures,
  reference: ReferenceData,
  access: EffectiveAccess,
): Promise<AggregateResult> {
  const known = new Map(groupKeys(dataset).map((key) => [key.name, key]));
  const groupBy = (args.groupBy ?? []).map((name) => {
    const key = known.get(name);
    if (!key) throw badInput(`${dataset.names.type} cannot be grouped by ${name}`, { argument: 'groupBy' });
    return key;
  });
  if (new Set(groupBy.map((k) => k.name)).size !== groupBy.length) {
    throw badInput('groupBy names a key twice', { argument: 'groupBy' });
  }
  const numeric = new Set(measureFields(dataset));
  for (const key of groupBy) assertUseField(access, dataset, key.field, 'group');
  for (const aggregate of AGGREGATES) {
    for (const field of measures[aggregate] ?? []) {
      if (!numeric.has(field)) throw badInput(`${dataset.names.type}.${field} is not numeric`);
      assertUseField(access, dataset, field, aggregate);
    }
  }
  const limit = groupLimit(args.first);
  const columns = getTableColumns(dataset.drizzle) as Record<string, any>;
  const keyExpressions = groupBy.map((key) =>
    key.byYear ? sql<number>`extract(year from ${columns[key.field]})::int` : sql`${columns[key.field]}`,
  );
  const selection: Record<string, SQL> = { count: sql<number>`count(*)::int` };
  groupBy.forEach((key, i) => {
    // A plain column keeps drizzle's mapping of its type (dates as ISO strings on both drivers).
    selection[`k${i}`] = key.byYear ? keyExpressions[i] : columns[key.field];
  });
  for (const aggregate of AGGREGATES) {
    for (const field of new Set(measures[aggregate] ?? [])) {
      const declared = dataset.fields[field];
      selection[`${aggregate}:${field}`] = kindOf(declared).measure?.(
        aggregate,
        columns[field],
        declared,
      ) as SQL;
    }
  }
  const where = and(
    filterConditions(dataset, args.filter, reference, access, args.includeDeleted ?? false),
    access.rowScope(dataset),
  );
  const query = db.select(selection).from(dataset.drizzle).where(where).$dynamic();
  if (keyExpressions.length) {
    query.groupBy(...keyExpressions).orderBy(...keyExpressions.map((expression) => asc(expression)));
  }
  const rows = (await query.limit(limit + 1)) as Record<string, unknown>[];
  const groups = rows.slice(0, limit).map((row) => {
    const group: AggregateGroup = { keys: {}, count: Number(row.count), sum: {}, avg: {}, min: {}, max: {} };
    groupBy.forEach((key, i) => {
      group.keys[key.name] = row[`k${i}`];
    });
    for (const aggregate of AGGREGATES) {
      for (const field of measures[aggregate] ?? []) {
        const value = row[`${aggregate}:${field}`];
        group[aggregate][field] = value == null ? null : Number(value);
      }
    }
    return group;
  });
  return { groups, truncated: rows.length > limit };
}

/** The names an aggregate of a dataset goes by in the schema, from the dataset's names. */
export function aggregateNames(dataset: Dataset) {
  const type = dataset.names.type;
  return {
    query: `${dataset.names.one}Aggregate`,
    result: `${type}Aggregate`,
    group: `${type}Group`,
    keys: `${type}GroupKeys`,
    keyEnum: `${type}GroupKey`,
    measures: `${type}Measures`,
  };
}

/** The GraphQL enum value of a group key: `issuedOnYear` → `ISSUED_ON_YEAR`. */
export const groupKeyValue = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();
