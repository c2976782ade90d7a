import { customType } from 'drizzle-orm/pg-core';
import {
  type GeoPoint,
  type GeoPolygon,
  pgPointToGeoJson,
  pgPolygonToGeoJson,
  pointToPg,
  polygonToPg,
} from '../domain/geometry.js';

/** PostgreSQL native `point` (not PostGIS): the same SQL on PGlite and the server. GeoJSON in and out. */
export const pointColumn = customType<{ data: GeoPoint; driverData: string }>({
  dataType: () => 'point',
  toDriver: pointToPg,
  fromDriver: pgPointToGeoJson,
});

/** PostgreSQL native `polygon`: one outer ring, GeoJSON in and out. */
export const polygonColumn = customType<{ data: GeoPolygon; driverData: string }>({
  dataType: () => 'polygon',
  toDriver: polygonToPg,
  fromDriver: pgPolygonToGeoJson,
});
