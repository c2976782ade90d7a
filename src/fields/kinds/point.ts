import { sql } from 'drizzle-orm';
import { type GeoPoint, parsePoint, pgPointToGeoJson, pointToPg } from '../../domain/geometry.js';
import { geometryKind } from '../geometry.js';

/** A location: PostgreSQL `point`, a GeoJSON Point at the API. */
export interface PointDecl {
  type: 'point';
}

export const point = geometryKind<PointDecl, GeoPoint>({
  type: 'point',
  parse: parsePoint,
  toPg: pointToPg,
  fromPg: pgPointToGeoJson,
  spatial: {
    inBox: (column, box) => sql`${column} <@ ${box}::box`,
    intersects: (column, region, regionIsPolygon) =>
      regionIsPolygon ? sql`${column} <@ ${region}` : sql`${column} ~= ${region}`,
  },
});
