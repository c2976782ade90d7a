/**
 * GeoJSON ↔ PostgreSQL native geometric types. Coordinates are CGCS2000 / WGS84 longitude-latitude.
 * PostgreSQL's `polygon` has a single ring, so GeoJSON polygons with holes are refused.
 */
export interface GeoPoint {
  type: 'Point';
  coordinates: [number, number];
}

export interface GeoPolygon {
  type: 'Polygon';
  coordinates: [number, number][][];
}

export type Geometry = GeoPoint | GeoPolygon;

export class GeometryError extends Error {}

function checkPosition(position: unknown, where: string): [number, number] {
  if (!Array.isArray(position) || position.length < 2 || position.length > 3) {
    throw new GeometryError(`${where} must be a [longitude, latitude] pair`);
  }
  const [lon, lat] = position;
  if (typeof lon !== 'number' || typeof lat !== 'number' || !Number.isFinite(lon) || !Number.isFinite(lat)) {
    throw new GeometryError(`${where} must hold two finite numbers`);
  }
  if (lon < -180 || lon > 180 || lat < -90 || lat > 90) {
    throw new GeometryError(`${where} [${lon}, ${lat}] is outside longitude -180..180 / latitude -90..90`);
  }
  return [lon, lat];
}

function segmentsCross(a: number[], b: number[], c: number[], d: number[]): boolean {
  const orient = (p: number[], q: number[], r: number[]) =>
    Math.sign((q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0]));
  return orient(a, b, c) * orient(a, b, d) < 0 && orient(c, d, a) * orient(c, d, b) < 0;
}

/** Validates a GeoJSON Point and returns it normalised to two coordinates. */
export function parsePoint(value: unknown): GeoPoint {
  const geo = value as { type?: unknown; coordinates?: unknown } | null;
  if (!geo || typeof geo !== 'object' || geo.type !== 'Point') {
    throw new GeometryError('expected a GeoJSON Point: {"type":"Point","coordinates":[lon,lat]}');
  }
  return { type: 'Point', coordinates: checkPosition(geo.coordinates, 'Point coordinates') };
}

/**
 * Validates a GeoJSON Polygon: one closed ring of at least four positions that does not cross itself.
 */
export function parsePolygon(value: unknown): GeoPolygon {
  const geo = value as { type?: unknown; coordinates?: unknown } | null;
  if (!geo || typeof geo !== 'object' || geo.type !== 'Polygon') {
    throw new GeometryError('expected a GeoJSON Polygon: {"type":"Polygon","coordinates":[[[lon,lat],…]]}');
  }
  const rings = geo.coordinates;
  if (!Array.isArray(rings) || rings.length === 0) throw new GeometryError('Polygon needs one linear ring');
  if (rings.length > 1) throw new GeometryError('Polygon holes are not supported: send the outer ring only');
  const ring = rings[0];
  if (!Array.isArray(ring) || ring.length < 4) {
    throw new GeometryError('Polygon ring needs at least 4 positions (a closed triangle)');
  }
  const positions = ring.map((p, i) => checkPosition(p, `Polygon position ${i}`));
  const first = positions[0];
  const last = positions[positions.length - 1];
  if (first[0] !== last[0] || first[1] !== last[1]) {
    throw new GeometryError('Polygon ring is not closed: the last position must equal the first');
  }
  const edges = positions.length - 1;
  for (let i = 0; i < edges; i++) {
    for (let j = i + 2; j < edges; j++) {
      if (i === 0 && j === edges - 1) continue;
      if (segmentsCross(positions[i], positions[i + 1], positions[j], positions[j + 1])) {
        throw new GeometryError(`Polygon ring crosses itself (edges ${i} and ${j})`);
      }
    }
  }
  return { type: 'Polygon', coordinates: [positions] };
}

export function pointToPg(point: GeoPoint): string {
  return `(${point.coordinates[0]},${point.coordinates[1]})`;
}

export function polygonToPg(polygon: GeoPolygon): string {
  const ring = polygon.coordinates[0];
  // PostgreSQL closes polygons implicitly; drop the repeated last position.
  return `(${ring
    .slice(0, -1)
    .map(([x, y]) => `(${x},${y})`)
    .join(',')})`;
}

function parsePgPairs(text: string): [number, number][] {
  const numbers = text.match(/-?\d+(?:\.\d+)?(?:e[-+]?\d+)?/gi) ?? [];
  const pairs: [number, number][] = [];
  for (let i = 0; i + 1 < numbers.length; i += 2) pairs.push([Number(numbers[i]), Number(numbers[i + 1])]);
  return pairs;
}

export function pgPointToGeoJson(text: string): GeoPoint {
  const [pair] = parsePgPairs(text);
  return { type: 'Point', coordinates: pair };
}

export function pgPolygonToGeoJson(text: string): GeoPolygon {
  const ring = parsePgPairs(text);
  return { type: 'Polygon', coordinates: [[...ring, ring[0]]] };
}

/** A `box` literal for a [minLon, minLat, maxLon, maxLat] bounding box. */
export function bboxToPgBox(bbox: readonly number[]): string {
  if (bbox.length !== 4) throw new GeometryError('bbox must be [minLon, minLat, maxLon, maxLat]');
  const [minLon, minLat, maxLon, maxLat] = bbox.map((n, i) => checkPosition([n, 0], `bbox[${i}]`)[0]);
  checkPosition([minLon, minLat], 'bbox lower corner');
  checkPosition([maxLon, maxLat], 'bbox upper corner');
  if (minLon > maxLon || minLat > maxLat) throw new GeometryError('bbox minimum exceeds its maximum');
  return `((${minLon},${minLat}),(${maxLon},${maxLat}))`;
}
