import { describe, expect, it } from 'vitest';
import type { GeoPolygon } from '../../src/domain/geometry.js';
import { overlapAreaM2, pointInPolygon, polygonDistanceM } from '../../src/supervision/geometry.js';
import { metresPerDegree } from '../support/supervision.js';

/**
 * The spatial rules' measures against figures worked out here on the GRS80 ellipsoid: rectangles laid out in
 * metres along a parallel and a meridian (radii of curvature at the latitude), whose gaps and shared areas
 * are known by construction.
 */

/** Degrees of longitude and latitude per metre at a latitude. */
function degreesPerMetre(lat: number): { lon: number; lat: number } {
  const metres = metresPerDegree(lat);
  return { lon: 1 / metres.lon, lat: 1 / metres.lat };
}

/** A rectangle whose south-west corner lies `x` m east and `y` m north of an origin, `w` × `h` m. */
function rect(origin: [number, number], x: number, y: number, w: number, h: number): [number, number][] {
  const d = degreesPerMetre(origin[1]);
  const at = (dx: number, dy: number): [number, number] => [origin[0] + dx * d.lon, origin[1] + dy * d.lat];
  return [at(x, y), at(x + w, y), at(x + w, y + h), at(x, y + h), at(x, y)];
}

const polygon = (...rings: [number, number][][]): GeoPolygon => ({ type: 'Polygon', coordinates: rings });

/** 天安门, the west edge of Beijing (half-way between two Gauss-Krüger zones' meridians), and Kashgar. */
const PLACES: [string, [number, number]][] = [
  ['Beijing', [116.3975, 39.9087]],
  ['a zone edge', [115.5, 39.9]],
  ['Kashgar', [75.99, 39.47]],
];

describe('spatial measures', () => {
  it.each(PLACES)('measure gaps between polygons in metres, at %s', (_, origin) => {
    const site = polygon(rect(origin, 0, 0, 200, 200));
    const cases: [string, GeoPolygon, number][] = [
      ['east', polygon(rect(origin, 300, 50, 100, 100)), 100],
      ['north', polygon(rect(origin, 20, 450, 100, 100)), 250],
      // Corner to corner: 30 m east and 40 m north of the site's north-east corner.
      ['diagonal', polygon(rect(origin, 230, 240, 50, 50)), 50],
      ['far', polygon(rect(origin, -2200, 0, 1000, 100)), 1200],
    ];
    // The Gauss-Krüger plane stretches lengths by up to 0.03% at a zone's edge.
    for (const [name, plot, metres] of cases) {
      expect(Math.abs(polygonDistanceM(site, plot) / metres - 1), name).toBeLessThan(3e-4);
      expect(polygonDistanceM(plot, site), name).toBe(polygonDistanceM(site, plot));
    }
  });

  it.each(PLACES)('measure shared areas in m², at %s', (_, origin) => {
    const site = polygon(rect(origin, 0, 0, 200, 200));
    const overlapping = polygon(rect(origin, 150, 100, 100, 200));
    // 50 m × 100 m shared; turf measures areas on a sphere, within 0.3% of the ellipsoid here.
    expect(overlapAreaM2(site, overlapping) / 5000).toBeCloseTo(1, 2);
    expect(polygonDistanceM(site, overlapping)).toBe(0);
    const inside = polygon(rect(origin, 50, 50, 20, 30));
    expect(overlapAreaM2(site, inside) / 600).toBeCloseTo(1, 2);
    expect(polygonDistanceM(site, inside)).toBe(0);
  });

  it('tell touching from sharing area, and respect holes', () => {
    const origin: [number, number] = [116.3975, 39.9087];
    const site = polygon(rect(origin, 0, 0, 200, 200));
    // Sharing the edge x = 200 m: the same coordinates, so exactly touching.
    const [, east] = rect(origin, 0, 0, 200, 200);
    const d = degreesPerMetre(origin[1]);
    const touching = polygon([
      east,
      [east[0] + 100 * d.lon, east[1]],
      [east[0] + 100 * d.lon, east[1] + 200 * d.lat],
      [east[0], east[1] + 200 * d.lat],
      east,
    ]);
    expect(polygonDistanceM(site, touching)).toBe(0);
    expect(overlapAreaM2(site, touching)).toBe(0);

    // A ring with a 100 m square hole, and a plot inside the hole 20 m from its edges.
    const ring = polygon(rect(origin, 0, 0, 300, 300), rect(origin, 100, 100, 100, 100).reverse());
    const inHole = polygon(rect(origin, 120, 120, 60, 60));
    expect(polygonDistanceM(ring, inHole)).toBeCloseTo(20, 1);
    expect(overlapAreaM2(ring, inHole)).toBe(0);
    expect(pointInPolygon({ type: 'Point', coordinates: inHole.coordinates[0][0] }, ring)).toBe(false);
    expect(pointInPolygon({ type: 'Point', coordinates: rect(origin, 50, 50, 1, 1)[0] }, ring)).toBe(true);
  });
});
