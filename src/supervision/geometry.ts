import turfArea from '@turf/area';
import booleanPointInPolygon from '@turf/boolean-point-in-polygon';
import { multiPolygon as turfMultiPolygon, polygon as turfPolygon } from '@turf/helpers';
import Coordinate from 'jsts/org/locationtech/jts/geom/Coordinate.js';
import GeometryFactory from 'jsts/org/locationtech/jts/geom/GeometryFactory.js';
import DistanceOp from 'jsts/org/locationtech/jts/operation/distance/DistanceOp.js';
import polygonClipping from 'polygon-clipping';
import proj4 from 'proj4';
import type { GeoPoint, GeoPolygon } from '../domain/geometry.js';

/**
 * Exact measures for the spatial rules, on the records' GeoJSON (CGCS2000 / WGS84 longitude-latitude): the
 * database's GiST indexes find the candidates (`&&`, `<->` on the native types), libraries measure them.
 * polygon-clipping cuts the shared part of two polygons, turf measures its area on the sphere; distances are
 * JTS's (jsts) on the CGCS2000 3° Gauss-Krüger plane of the pair's zone (proj4), where a metre is a metre to
 * within 0.03% inside a zone. Both about ten times faster than turf's own clipping and geodesic
 * point-to-segment distances, which matters at city scale: every candidate pair is measured.
 */

/** The area in m² that two polygons share (0 when they only touch or do not meet). */
export function overlapAreaM2(a: GeoPolygon, b: GeoPolygon): number {
  const shared = polygonClipping.intersection(
    a.coordinates as polygonClipping.Polygon,
    b.coordinates as polygonClipping.Polygon,
  );
  return shared.length ? turfArea(turfMultiPolygon(shared)) : 0;
}

const factory = new GeometryFactory();
/** Gauss-Krüger converters by central meridian. */
const zones = new Map<number, proj4.Converter>();

/** The CGCS2000 3° Gauss-Krüger zone (EPSG:4534–4554) whose central meridian is nearest a longitude. */
function gaussKruger(longitude: number): proj4.Converter {
  const meridian = 3 * Math.round(longitude / 3);
  let zone = zones.get(meridian);
  if (!zone) {
    zone = proj4(
      `+proj=tmerc +lat_0=0 +lon_0=${meridian} +k=1 +x_0=500000 +y_0=0 +ellps=GRS80 +units=m +no_defs`,
    );
    zones.set(meridian, zone);
  }
  return zone;
}

function onPlane(polygon: GeoPolygon, zone: proj4.Converter) {
  const ring = (coordinates: number[][]) =>
    factory.createLinearRing(
      coordinates.map((position) => {
        const [x, y] = zone.forward([position[0], position[1]]);
        return new Coordinate(x, y);
      }),
    );
  const [outer, ...holes] = polygon.coordinates;
  return factory.createPolygon(ring(outer), holes.map(ring));
}

/**
 * The shortest distance in metres between two polygons (0 when they touch, cross or one holds the other).
 */
export function polygonDistanceM(a: GeoPolygon, b: GeoPolygon): number {
  const zone = gaussKruger((a.coordinates[0][0][0] + b.coordinates[0][0][0]) / 2);
  return DistanceOp.distance(onPlane(a, zone), onPlane(b, zone)) as number;
}

/**
 * Whether a point lies inside a polygon (on an edge counts as outside). PostgreSQL's `polygon @> point`
 * compares with a fixed 1e-6 tolerance that, in degrees and on parcels a few hundred metres wide, admits
 * points tens of metres outside: SQL finds candidates only.
 */
export function pointInPolygon(point: GeoPoint, polygon: GeoPolygon): boolean {
  return booleanPointInPolygon(point.coordinates, turfPolygon(polygon.coordinates), { ignoreBoundary: true });
}
