import turfArea from '@turf/area';
import { featureCollection, polygon } from '@turf/helpers';
import turfIntersect from '@turf/intersect';
import type postgres from 'postgres';
import { beforeAll, expect } from 'vitest';
import { datasetByName } from '../../src/catalog/registry.js';
import { demoRecords } from '../../src/demo/rows.js';
import type { GeoPolygon } from '../../src/domain/geometry.js';
import type { EvidenceRecord, MeasureKind, Situation } from '../../src/supervision/rule.js';
import { type TestDatabase, withTestDatabase } from './db.js';
import { demoData, seed } from './seed.js';

/**
 * Helpers for the supervision tests: the tests share one database with other files, so a rule's findings
 * are compared with its oracle on the demo records only (situations whose every record is a demo record).
 */

/** `dataset:key1:key2`, the natural key of a record in the order its dataset declares it. */
export function recordId(dataset: string, key: Readonly<Record<string, unknown>>): string {
  const declared = datasetByName(dataset);
  if (!declared) throw new Error(`no dataset ${dataset}`);
  return [dataset, ...declared.key.map((k) => String(key[k]))].join(':');
}

const demoIds = new Map<string, Set<string>>();

/** Is this record one of the demo data's (by dataset and key)? */
export function isDemoRecord(record: Pick<EvidenceRecord, 'dataset' | 'key'>): boolean {
  let ids = demoIds.get(record.dataset);
  if (!ids) {
    ids = new Set((demoRecords().get(record.dataset) ?? []).map((r) => recordId(record.dataset, r)));
    demoIds.set(record.dataset, ids);
  }
  return ids.has(recordId(record.dataset, record.key));
}

/** A situation by its records' ids, sorted and joined: comparable with an oracle's. */
export function situationId(situation: Pick<Situation, 'evidence'>): string {
  return situation.evidence
    .map((e) => recordId(e.dataset, e.key))
    .sort()
    .join(' + ');
}

/**
 * Each situation the oracle expects (by `situationId`) has the oracle's measure, to `digits` decimals (exactly
 * when not given), and the district of its evidence record of `districtFrom` (its first record when not given).
 */
export function expectMeasures(
  found: readonly Situation[],
  expected: ReadonlyMap<string, number>,
  kind: MeasureKind,
  options: { digits?: number; districtFrom?: (record: EvidenceRecord) => boolean } = {},
): void {
  for (const situation of found.filter((s) => expected.has(situationId(s)))) {
    const value = expected.get(situationId(situation)) as number;
    expect(situation.measure?.kind).toBe(kind);
    if (options.digits === undefined) expect(situation.measure?.value).toBe(value);
    else expect(situation.measure?.value).toBeCloseTo(value, options.digits);
    const record = options.districtFrom
      ? situation.evidence.find(options.districtFrom)
      : situation.evidence[0];
    expect(situation.district).toBe(record?.district);
  }
}

/** The ids of the situations made only of demo records. */
export function demoSituationIds(situations: readonly Situation[]): string[] {
  return situations
    .filter((s) => s.evidence.every(isDemoRecord))
    .map(situationId)
    .sort();
}

/** The run's database with the demo data loaded (once per run), as the rule tests read it. */
export function withDemoDatabase(): TestDatabase {
  const database = withTestDatabase();
  beforeAll(async () => {
    await seed(database.db).scenario(demoData);
  }, 300_000);
  return database;
}

/** The database's today: the rules judge deadlines by it, so the oracles do too. */
export async function databaseToday(sql: postgres.Sql): Promise<string> {
  const [row] = await sql<{ today: string }[]>`select current_date::text as today`;
  return row.today;
}

/** [minLon, minLat, maxLon, maxLat] of a polygon's outer ring. */
export type Box = [number, number, number, number];

export function boxOf(p: GeoPolygon): Box {
  const xs = p.coordinates[0].map((c) => c[0]);
  const ys = p.coordinates[0].map((c) => c[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

export const boxesMeet = (p: Box, q: Box) => !(p[2] < q[0] || q[2] < p[0] || p[3] < q[1] || q[3] < p[1]);

/** The area two polygons share, in m², measured in the test on the records (not by the rule). */
export function sharedArea(a: GeoPolygon, b: GeoPolygon): number {
  if (!boxesMeet(boxOf(a), boxOf(b))) return 0;
  const shared = turfIntersect(featureCollection([polygon(a.coordinates), polygon(b.coordinates)]));
  return shared ? turfArea(shared) : 0;
}

/** Metres per degree of longitude and of latitude at a latitude, on the GRS80 ellipsoid (its radii of curvature). */
export function metresPerDegree(lat: number): { lon: number; lat: number } {
  const e2 = 0.0066943800229;
  const phi = (lat * Math.PI) / 180;
  const w = 1 - e2 * Math.sin(phi) ** 2;
  const radians = Math.PI / 180;
  return {
    lon: ((6378137 * Math.cos(phi)) / Math.sqrt(w)) * radians,
    lat: ((6378137 * (1 - e2)) / w ** 1.5) * radians,
  };
}

/** The oracles' own point in polygon (ray casting on the outer ring; the demo's points are never on an edge). */
export function insideRing(point: readonly number[], shape: GeoPolygon): boolean {
  const [x, y] = point;
  const ring = shape.coordinates[0];
  let odd = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [[xi, yi], [xj, yj]] = [ring[i], ring[j]];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) odd = !odd;
  }
  return odd;
}

/** GB 36600-2018 screening values, first / second class land (SUPERVISION.md), under the hub's analyte codes. */
export const GB36600_SCREENING: Readonly<Record<string, readonly [number, number]>> = {
  As: [20, 60],
  Cd: [20, 65],
  Cr6: [3.0, 5.7],
  Cu: [2000, 18000],
  Pb: [400, 800],
  Hg: [8, 38],
  Ni: [150, 900],
  benzene: [1, 4],
  trichloroethylene: [0.7, 2.8],
  tetrachloroethylene: [11, 53],
  naphthalene: [25, 70],
  benzo_a_pyrene: [0.55, 1.5],
};

/** A soil sample's eight metals (mg/kg), below every GB 15618-2018 screening value at any pH. */
export const CLEAN_METALS = {
  cadmium: 0.2,
  mercury: 0.1,
  arsenic: 10,
  lead: 25,
  chromium: 60,
  copper: 25,
  nickel: 30,
  zinc: 80,
} as const;
