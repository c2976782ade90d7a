import { GraphQLError, Kind, valueFromASTUntyped } from 'graphql';
import { DateTimeResolver, LocalDateResolver } from 'graphql-scalars';
import { type Geometry, GeometryError, parsePoint, parsePolygon } from '../domain/geometry.js';
import { builder } from './builder.js';

/** The form of a date as the hub's columns give it (drizzle's date columns read as 'YYYY-MM-DD' text). */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

builder.addScalarType('Date', LocalDateResolver, {
  description: '日期，ISO 8601 格式（YYYY-MM-DD） / A calendar date in ISO 8601 form (YYYY-MM-DD)',
  // Inputs get graphql-scalars' full check (a real calendar day). Outputs come from PostgreSQL date columns,
  // real days by construction: their form is checked, and anything else (a year past 9999, a BC date) still
  // goes through the full check, which refuses it. The full check builds a Date per value: 3% of the CPU of
  // a 100-row list with one date (issue 6's profile).
  serialize: (value) =>
    typeof value === 'string' && ISO_DATE.test(value)
      ? value
      : (LocalDateResolver.serialize(value) as string),
});

builder.addScalarType('DateTime', DateTimeResolver, {
  description: '时间戳，ISO 8601 格式（含时区） / A timestamp in ISO 8601 form with a time zone',
});

function parseGeometry(value: unknown): Geometry {
  try {
    const type = (value as { type?: unknown } | null)?.type;
    if (type === 'Point') return parsePoint(value);
    if (type === 'Polygon') return parsePolygon(value);
    throw new GeometryError('expected a GeoJSON geometry of type Point or Polygon');
  } catch (error) {
    if (error instanceof GeometryError) {
      throw new GraphQLError(`malformed GeoJSON: ${error.message}`, {
        extensions: { code: 'BAD_USER_INPUT' },
      });
    }
    throw error;
  }
}

builder.scalarType('GeoJSON', {
  description:
    'GeoJSON 几何对象（Point 或 Polygon），CGCS2000/WGS84 经纬度 / A GeoJSON Point or Polygon in CGCS2000/WGS84 longitude-latitude',
  serialize: (value) => value as Geometry,
  parseValue: parseGeometry,
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.OBJECT) {
      throw new GraphQLError('malformed GeoJSON: expected an object', {
        extensions: { code: 'BAD_USER_INPUT' },
      });
    }
    return parseGeometry(valueFromASTUntyped(ast));
  },
});
