import { type Column, type SQL, sql } from 'drizzle-orm';
import { customType } from 'drizzle-orm/pg-core';
import { GeometryError } from '../domain/geometry.js';
import { parsedJson } from './json.js';
import type { FieldKind } from './kind.js';

/**
 * What the geometry kinds share: PostgreSQL's native geometric types (not PostGIS: the same SQL on PGlite
 * and the server), GeoJSON at the API, a GiST index, and the text form for comparison and export.
 */
export interface GeometryForm<G> {
  type: 'point' | 'polygon';
  /** Checks GeoJSON and normalises it; throws GeometryError. */
  parse(value: unknown): G;
  toPg(value: G): string;
  fromPg(text: string): G;
  spatial: NonNullable<FieldKind<any>['spatial']>;
}

export function geometryKind<D extends { type: 'point' | 'polygon' }, G>(
  form: GeometryForm<G>,
): FieldKind<D> {
  const column = customType<{ data: G; driverData: string }>({
    dataType: () => form.type,
    toDriver: form.toPg,
    fromDriver: form.fromPg,
  });
  return {
    type: form.type,
    column: (name) => column(name),
    sqlType: () => form.type,
    index: 'spatial',
    // The geometric types have no equality operator: their text forms are compared.
    comparable: (name) => `${name}::text`,
    graphqlType: () => 'GeoJSON',
    spatial: form.spatial,
    validate(value) {
      try {
        const geo = parsedJson(value);
        if ('invalid' in geo) throw new GeometryError('is not valid JSON');
        return { value: form.toPg(form.parse(geo.value)) };
      } catch (error) {
        if (error instanceof GeometryError)
          return { reason: `invalid GeoJSON ${form.type}: ${error.message}` };
        throw error;
      }
    },
    sqlSelect: (name) => `${name}::text`,
    fromSql: (value) => form.fromPg(value as string),
    toCsv: (value) => JSON.stringify(value),
  };
}

/**
 * SQL: two geometry columns overlap (an overlap link). `&&` compares two polygons only; a point lies in a
 * polygon (`<@`), so each pairing is asked of the target field's kind with the source's shape.
 */
export function overlapSql(
  target: { field: { type: string }; column: SQL | Column },
  source: { field: { type: string }; column: SQL | Column },
): SQL {
  if (target.field.type === 'polygon' && source.field.type === 'polygon') {
    return sql`${target.column} && ${source.column}`;
  }
  if (target.field.type === 'polygon') return sql`${target.column} @> ${source.column}`;
  return source.field.type === 'polygon'
    ? sql`${target.column} <@ ${source.column}`
    : sql`${target.column} ~= ${source.column}`;
}
