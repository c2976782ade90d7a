import { and, eq, getTableColumns, gte, ilike, inArray, lte, or, type SQL, sql } from 'drizzle-orm';
import type { EffectiveAccess } from '../access/effectiveAccess.js';
import type { Dataset } from '../catalog/define.js';
import type { FieldDef } from '../catalog/types.js';
import { creditCodeProblem } from '../domain/creditCode.js';
import { bboxToPgBox, type Geometry, GeometryError, pointToPg, polygonToPg } from '../domain/geometry.js';
import { badInput, forbidden } from '../errors.js';
import type { ReferenceData } from './reference.js';

/** Filter arguments as GraphQL delivers them; which keys exist follows from the declaration. */
export type FilterArgs = Record<string, unknown> & {
  search?: string | null;
  updatedSince?: Date | null;
  bbox?: number[] | null;
  intersects?: Geometry | null;
};

interface Range {
  min?: number | null;
  max?: number | null;
  from?: string | null;
  to?: string | null;
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The kind of filter a declared field offers, or undefined when it is not filterable. */
export function filterKind(field: FieldDef): 'list' | 'range' | 'dateRange' | 'boolean' | undefined {
  if (!field.filter) return undefined;
  switch (field.type) {
    case 'integer':
    case 'number':
      return 'range';
    case 'date':
      return 'dateRange';
    case 'boolean':
      return 'boolean';
    case 'point':
    case 'polygon':
    case 'textList':
      return undefined;
    default:
      return 'list';
  }
}

/** Checks a value given for a code-like field (district, credit code); bad ones are BAD_USER_INPUT. */
export function checkCodeValue(
  name: string,
  field: FieldDef,
  value: unknown,
  reference: ReferenceData,
): void {
  if (typeof value !== 'string') return;
  if (field.type === 'district' && !reference.districts.has(value)) {
    throw badInput(`unknown district code ${JSON.stringify(value)}: use a GB/T 2260 code such as 110105`, {
      field: name,
    });
  }
  if (field.type === 'creditCode') {
    const problem = creditCodeProblem(value);
    if (problem) throw badInput(`invalid credit code ${JSON.stringify(value)}: ${problem}`, { field: name });
  }
}

function checkListValues(name: string, field: FieldDef, values: string[], reference: ReferenceData): void {
  if (values.length > 1000) throw badInput(`filter ${name} takes at most 1000 values`, { field: name });
  for (const value of values) checkCodeValue(name, field, value, reference);
}

function geometryCondition(column: SQL | unknown, type: string, geometry: Geometry): SQL {
  const region =
    geometry.type === 'Polygon' ? sql`${polygonToPg(geometry)}::polygon` : sql`${pointToPg(geometry)}::point`;
  if (type === 'polygon') {
    return geometry.type === 'Polygon' ? sql`${column} && ${region}` : sql`${column} @> ${region}`;
  }
  return geometry.type === 'Polygon' ? sql`${column} <@ ${region}` : sql`${column} ~= ${region}`;
}

/** Only a field the caller reads in clear may narrow or order a list: otherwise it would leak by probing. */
export function requireClear(access: EffectiveAccess, dataset: Dataset, name: string, use: string): void {
  if (!access.readsClear(dataset, name)) {
    throw forbidden(
      `不可按无权读取的字段${use} / You may not ${use} by ${dataset.names.type}.${name}: you cannot read it in clear`,
      {
        field: name,
      },
    );
  }
}

/**
 * SQL conditions for a dataset's filter arguments. Values are checked here (bad ones are BAD_USER_INPUT),
 * and so is the caller's right to filter by each field (FORBIDDEN unless it reads the field in clear).
 */
export function filterConditions(
  dataset: Dataset,
  filter: FilterArgs | null | undefined,
  reference: ReferenceData,
  access: EffectiveAccess,
  includeDeleted = false,
): SQL | undefined {
  const columns = getTableColumns(dataset.drizzle) as Record<string, any>;
  const conditions: (SQL | undefined)[] = includeDeleted ? [] : [eq(columns.deleted, false)];
  for (const [name, field] of Object.entries(dataset.fields)) {
    const value = filter?.[name];
    if (value === undefined || value === null) continue;
    requireClear(access, dataset, name, 'filter');
    const column = columns[name];
    switch (filterKind(field)) {
      case 'list': {
        const values = value as string[];
        checkListValues(name, field, values, reference);
        conditions.push(inArray(column, values));
        break;
      }
      case 'range':
      case 'dateRange': {
        const range = value as Range;
        const low = range.min ?? range.from;
        const high = range.max ?? range.to;
        if (low != null && high != null && low > high) {
          throw badInput(`filter ${name}: the lower bound ${low} is above the upper bound ${high}`, {
            field: name,
          });
        }
        if (low != null) conditions.push(gte(column, low));
        if (high != null) conditions.push(lte(column, high));
        break;
      }
      case 'boolean':
        conditions.push(eq(column, value));
        break;
    }
  }
  if (filter?.search) {
    const pattern = `%${escapeLike(filter.search)}%`;
    // Search only what the caller reads in clear; a text hit in a hidden field would reveal it.
    const searchable = Object.entries(dataset.fields).filter(
      ([name, field]) => field.search && access.readsClear(dataset, name),
    );
    if (searchable.length === 0)
      throw forbidden('没有可检索的字段 / None of the searchable fields is readable to you');
    conditions.push(or(...searchable.map(([name]) => ilike(columns[name], pattern))));
  }
  if (filter?.updatedSince) conditions.push(gte(columns.lastChangedAt, filter.updatedSince.toISOString()));
  const geometryField = dataset.geometryField;
  if (geometryField) {
    const type = dataset.fields[geometryField].type;
    const column = columns[geometryField];
    if (filter?.bbox || filter?.intersects) requireClear(access, dataset, geometryField, 'filter');
    try {
      if (filter?.bbox) {
        const box = bboxToPgBox(filter.bbox);
        conditions.push(
          type === 'polygon' ? sql`${column} && polygon(${box}::box)` : sql`${column} <@ ${box}::box`,
        );
      }
    } catch (error) {
      if (error instanceof GeometryError) throw badInput(`bbox: ${error.message}`, { field: 'bbox' });
      throw error;
    }
    if (filter?.intersects) conditions.push(geometryCondition(column, type, filter.intersects));
  }
  return and(...conditions);
}
