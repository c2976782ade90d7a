import { and, eq, getTableColumns, gte, not, or, type SQL, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { EffectiveAccess } from '../access/effectiveAccess.js';
import { assertFollowLink, assertUseField, canUseField } from '../access/fieldActions.js';
import type { Dataset } from '../catalog/define.js';
import { datasetByName } from '../catalog/registry.js';
import type { FieldDef, LinkDef } from '../catalog/types.js';
import { searchText } from '../db/datasetTable.js';
import { bboxToPgBox, type Geometry, GeometryError, pointToPg, polygonToPg } from '../domain/geometry.js';
import { badInput, forbidden } from '../errors.js';
import { checkInput } from '../fields/filters.js';
import { overlapSql } from '../fields/geometry.js';
import { kindOf } from '../fields/registry.js';
import type { ReferenceData } from './reference.js';

/** Filter arguments as GraphQL delivers them; which keys exist follows from the declaration. */
export type FilterArgs = Record<string, unknown> & {
  search?: string | null;
  updatedSince?: Date | null;
  bbox?: number[] | null;
  intersects?: Geometry | null;
};

/**
 * A filter on a cross-link, with the target dataset's own filter as its condition: for a to-many or overlap
 * link, whether `some`, `none` or `every` linked record matches; for a to-one link, whether it `exists`
 * and what it `is`. Several keys must all hold.
 */
export interface LinkFilterArgs {
  some?: FilterArgs | null;
  none?: FilterArgs | null;
  every?: FilterArgs | null;
  exists?: boolean | null;
  is?: FilterArgs | null;
}

/** The conditions a link filter may hold, each a filter of the link's target. */
const LINK_CONDITIONS = ['some', 'none', 'every', 'is'] as const;

/** How deep link filters may nest (a link's condition filtering on a link of the target, and so on). */
export const MAX_LINK_DEPTH = 3;

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The filter a declared field offers (`list`, `range`, `dateRange`, `boolean`), or undefined when none. */
export function filterKind(field: FieldDef): string | undefined {
  return field.filter ? kindOf(field).filter?.name : undefined;
}

/** Checks a value given for a code-like field (district, credit code); bad ones are BAD_USER_INPUT. */
export function checkCodeValue(
  name: string,
  field: FieldDef,
  value: unknown,
  reference: ReferenceData,
): void {
  checkInput(name, value, kindOf(field), reference);
}

/** A filter's region (a GeoJSON Point or Polygon) as SQL. */
function regionOf(geometry: Geometry): SQL {
  return geometry.type === 'Polygon'
    ? sql`${polygonToPg(geometry)}::polygon`
    : sql`${pointToPg(geometry)}::point`;
}

/**
 * SQL conditions for a dataset's filter arguments. Values are checked here (bad ones are BAD_USER_INPUT),
 * and so is the caller's right to filter by each field (FORBIDDEN unless it reads the field in clear) and
 * to follow each link filtered on (FORBIDDEN unless it may follow it): all before any SQL runs.
 */
export function filterConditions(
  dataset: Dataset,
  filter: FilterArgs | null | undefined,
  reference: ReferenceData,
  access: EffectiveAccess,
  includeDeleted = false,
): SQL | undefined {
  const columns = getTableColumns(dataset.drizzle) as Record<string, any>;
  return and(
    includeDeleted ? undefined : eq(columns.deleted, false),
    recordConditions({ dataset, columns, depth: 0 }, filter, reference, access),
  );
}

/** The records a filter applies to: a dataset, its columns (in the statement, or in a link's subquery). */
interface FilterScope {
  dataset: Dataset;
  columns: Record<string, any>;
  /** Links followed to reach it: 0 for the list's own dataset. */
  depth: number;
}

function recordConditions(
  { dataset, columns, depth }: FilterScope,
  filter: FilterArgs | null | undefined,
  reference: ReferenceData,
  access: EffectiveAccess,
): SQL | undefined {
  const conditions: (SQL | undefined)[] = [];
  for (const [name, field] of Object.entries(dataset.fields)) {
    const value = filter?.[name];
    if (value === undefined || value === null) continue;
    assertUseField(access, dataset, name, 'filter');
    const kind = kindOf(field);
    if (!field.filter || !kind.filter) continue;
    conditions.push(...kind.filter.conditions(columns[name], value, { name, field, kind, codes: reference }));
  }
  if (filter?.search) {
    const pattern = `%${escapeLike(filter.search)}%`;
    // Search only what the caller reads in clear; a text hit in a hidden field would reveal it.
    const searchable = Object.entries(dataset.fields).filter(
      ([name, field]) => field.search && canUseField(access, dataset, name),
    );
    if (searchable.length === 0)
      throw forbidden('没有可检索的字段 / None of the searchable fields is readable to you');
    // As ILIKE, on the expression the trigram indexes hold (searchText).
    conditions.push(
      or(...searchable.map(([name]) => sql`${searchText(columns[name])} like lower(${pattern})`)),
    );
  }
  if (filter?.updatedSince) conditions.push(gte(columns.lastChangedAt, filter.updatedSince.toISOString()));
  const geometryField = dataset.geometryField;
  const spatial = geometryField ? kindOf(dataset.fields[geometryField]).spatial : undefined;
  if (geometryField && spatial) {
    const column = columns[geometryField];
    if (filter?.bbox || filter?.intersects) assertUseField(access, dataset, geometryField, 'filter');
    try {
      if (filter?.bbox) conditions.push(spatial.inBox(column, bboxToPgBox(filter.bbox)));
    } catch (error) {
      if (error instanceof GeometryError) throw badInput(`bbox: ${error.message}`, { field: 'bbox' });
      throw error;
    }
    if (filter?.intersects) {
      const region = filter.intersects;
      conditions.push(spatial.intersects(column, regionOf(region), region.type === 'Polygon'));
    }
  }
  for (const [name, link] of Object.entries(dataset.links ?? {})) {
    const linkFilter = filter?.[name] as LinkFilterArgs | null | undefined;
    if (linkFilter == null) continue;
    const scope = { dataset, columns, depth };
    conditions.push(...linkConditions(scope, name, link, linkFilter, reference, access));
  }
  return and(...conditions);
}

/** The target of a link and the pairs of fields it joins on (source field, target field). */
function linkTarget(link: LinkDef): { target: Dataset; joins: [string, string][] } {
  const target = datasetByName(link.to) as Dataset;
  return { target, joins: link.kind === 'overlap' ? [[link.from, link.toField]] : Object.entries(link.on) };
}

/**
 * One `EXISTS` over the link's target per condition: the target rows the link joins to the record (by
 * key, or by overlap, which the target geometry's GiST index answers), live and within the caller's row
 * scope, as following the link would return them, that match the condition (the target's own filter,
 * under the target's rules). So the answer depends on no row the caller could not read by following the
 * link; and a link the caller may not follow, or a condition on a field it cannot read in clear, is
 * refused before any SQL.
 */
function linkConditions(
  source: FilterScope,
  name: string,
  link: LinkDef,
  linkFilter: LinkFilterArgs,
  reference: ReferenceData,
  access: EffectiveAccess,
): SQL[] {
  const { target, joins } = linkTarget(link);
  const path = `${source.dataset.names.type}.${name}`;
  assertFollowLink(access, source.dataset, name, link, target, 'filter');
  const depth = source.depth + 1;
  if (depth > MAX_LINK_DEPTH) {
    throw badInput(`link filters nest at most ${MAX_LINK_DEPTH} links deep (${path} is link ${depth})`, {
      field: name,
    });
  }
  // Each level has its own alias, so a link back to a dataset already in the statement is a table apart.
  const aliasName = `${target.table}_${depth}`;
  const columns = getTableColumns(alias(target.drizzle, aliasName)) as Record<string, any>;
  const joined = and(
    ...joins.map(([from, to]) =>
      link.kind === 'overlap'
        ? overlapSql(
            { field: target.fields[to], column: columns[to] },
            { field: source.dataset.fields[from], column: source.columns[from] },
          )
        : eq(columns[to], source.columns[from]),
    ),
    eq(columns.deleted, false),
    access.rowScope(target, columns),
  );
  const exists = (condition?: SQL) =>
    sql`exists (select 1 from ${target.drizzle} as ${sql.identifier(aliasName)} where ${and(joined, condition)})`;
  const matching = (filter: FilterArgs) =>
    recordConditions({ dataset: target, columns, depth }, filter, reference, access);
  const conditions: SQL[] = [];
  if (linkFilter.some != null) conditions.push(exists(matching(linkFilter.some)));
  if (linkFilter.none != null) conditions.push(not(exists(matching(linkFilter.none))));
  if (linkFilter.every != null) {
    // every linked record matches: none fails to (a NULL that the condition cannot compare fails it)
    const condition = matching(linkFilter.every);
    if (condition) conditions.push(not(exists(sql`(${condition}) is not true`)));
  }
  if (linkFilter.exists != null) conditions.push(linkFilter.exists ? exists() : not(exists()));
  if (linkFilter.is != null) conditions.push(exists(matching(linkFilter.is)));
  return conditions;
}

/**
 * The fields a filter compares, for the audit record: the fields filtered on, the fields searched (those
 * the caller reads in clear), the geometry of a spatial filter, and for a link filter the fields it joins
 * on, on both sides, and its conditions' fields.
 */
export function filteredFields(
  dataset: Dataset,
  filter: FilterArgs | null | undefined,
  access: EffectiveAccess,
): { dataset: Dataset; field: string }[] {
  const found = new Map<string, { dataset: Dataset; field: string }>();
  const add = (of: Dataset, field: string) => found.set(`${of.name}.${field}`, { dataset: of, field });
  const walk = (of: Dataset, args: FilterArgs | null | undefined, depth: number) => {
    if (!args || depth > MAX_LINK_DEPTH) return;
    for (const [name, field] of Object.entries(of.fields)) {
      if (args[name] != null) add(of, name);
      if (args.search && field.search && canUseField(access, of, name)) add(of, name);
    }
    if ((args.bbox || args.intersects) && of.geometryField) add(of, of.geometryField);
    for (const [name, link] of Object.entries(of.links ?? {})) {
      const linkFilter = args[name] as LinkFilterArgs | null | undefined;
      if (linkFilter == null) continue;
      const { target, joins } = linkTarget(link);
      for (const [from, to] of joins) {
        add(of, from);
        add(target, to);
      }
      for (const condition of LINK_CONDITIONS) walk(target, linkFilter[condition], depth + 1);
    }
  };
  walk(dataset, filter, 0);
  return [...found.values()];
}
