import { sql } from 'drizzle-orm';
import { type GeoPolygon, parsePolygon, pgPolygonToGeoJson, polygonToPg } from '../../domain/geometry.js';
import { geometryKind } from '../geometry.js';

/** An area: PostgreSQL `polygon` (one ring), a GeoJSON Polygon at the API. */
export interface PolygonDecl {
  type: 'polygon';
}

export const polygon = geometryKind<PolygonDecl, GeoPolygon>({
  type: 'polygon',
  parse: parsePolygon,
  toPg: polygonToPg,
  fromPg: pgPolygonToGeoJson,
  spatial: {
    inBox: (column, box) => sql`${column} && polygon(${box}::box)`,
    intersects: (column, region, regionIsPolygon) =>
      regionIsPolygon ? sql`${column} && ${region}` : sql`${column} @> ${region}`,
  },
});
