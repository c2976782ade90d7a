import { describe, expect, it } from 'vitest';
import type { DemoRecord } from '../../src/demo/rows.js';
import { demoRecords } from '../../src/demo/rows.js';
import type { GeoPoint, GeoPolygon } from '../../src/domain/geometry.js';
import { findSituations } from '../../src/supervision/evaluate.js';
import { farmlandClassReview as rule } from '../../src/supervision/rules/farmlandClassReview.js';
import { outgoingRecord, square, uniqueId } from '../support/records.js';
import { seed } from '../support/seed.js';
import {
  CLEAN_METALS,
  demoSituationIds,
  expectMeasures,
  insideRing,
  recordId,
  situationId,
  withDemoDatabase,
} from '../support/supervision.js';

const { db, sql } = withDemoDatabase();

/** GB 15618-2018 as SUPERVISION.md gives it, by pH band (≤5.5, ≤6.5, ≤7.5, >7.5): the oracle's own copy. */
const OTHER: Record<string, number[]> = {
  Cd: [0.3, 0.3, 0.3, 0.6],
  Hg: [1.3, 1.8, 2.4, 3.4],
  As: [40, 40, 30, 25],
  Pb: [70, 90, 120, 170],
  Cr: [150, 150, 200, 250],
  Cu: [50, 50, 100, 100],
  Ni: [60, 70, 100, 190],
  Zn: [200, 200, 250, 300],
};
const ORCHARD: Record<string, number[]> = { ...OTHER, Cu: [150, 150, 200, 200] };
const INTERVENTION: Record<string, number[]> = {
  Cd: [1.5, 2.0, 3.0, 4.0],
  Hg: [2.0, 2.5, 4.0, 6.0],
  As: [200, 150, 120, 100],
  Pb: [400, 500, 700, 1000],
  Cr: [800, 850, 1000, 1300],
};
const band = (ph: number) => (ph <= 5.5 ? 0 : ph <= 6.5 ? 1 : ph <= 7.5 ? 2 : 3);
const COLUMNS: Record<string, string> = {
  cadmium: 'Cd',
  mercury: 'Hg',
  arsenic: 'As',
  lead: 'Pb',
  chromium: 'Cr',
  copper: 'Cu',
  nickel: 'Ni',
  zinc: 'Zn',
};

interface Sample {
  id: string;
  location: GeoPoint;
  ph: number | null;
  values: [string, number][];
}

/** The latest sample of each point. */
function latest(records: readonly DemoRecord[]): DemoRecord[] {
  const byPoint = new Map<string, DemoRecord>();
  for (const r of records) {
    const seen = byPoint.get(r.pointCode as string);
    if (!seen || (r.sampledOn as string) > (seen.sampledOn as string)) byPoint.set(r.pointCode as string, r);
  }
  return [...byPoint.values()];
}

function samples(): Sample[] {
  const monitoring = latest(demoRecords().get('soilMonitoring') ?? []).map((r) => ({
    id: recordId('soilMonitoring', r),
    location: r.location as GeoPoint,
    ph: r.ph as number | null,
    values: Object.entries(COLUMNS)
      .filter(([column]) => r[column] != null)
      .map(([column, code]): [string, number] => [code, r[column] as number]),
  }));
  const network = latest(demoRecords().get('soilMonitoringNetwork') ?? [])
    .filter((r) => r.landType === 'FARMLAND')
    .map((r) => ({
      id: recordId('soilMonitoringNetwork', r),
      location: r.location as GeoPoint,
      ph: r.ph as number | null,
      values: (r.results as { analyte: string; value: number | null }[])
        .filter((x) => x.value !== null)
        .map((x): [string, number] => [x.analyte, x.value as number]),
    }));
  return [...monitoring, ...network];
}

/** What the rule should find: (sample + parcel) → the largest value over its figure. */
function oracle(): Map<string, { ratio: number; qualityClass: string }> {
  const parcels = (demoRecords().get('farmlandClass') ?? []).filter(
    (p) =>
      p.boundary &&
      (p.qualityClass === 'PRIORITY_PROTECTION' || p.qualityClass === 'SAFE_USE') &&
      ['CULTIVATED', 'GARDEN', 'FACILITY_AGRICULTURE'].includes(p.landCategory as string),
  );
  const expected = new Map<string, { ratio: number; qualityClass: string }>();
  for (const sample of samples()) {
    if (sample.ph === null) continue;
    for (const parcel of parcels) {
      if (!insideRing(sample.location.coordinates, parcel.boundary as GeoPolygon)) continue;
      const table =
        parcel.qualityClass === 'SAFE_USE'
          ? INTERVENTION
          : parcel.landCategory === 'GARDEN'
            ? ORCHARD
            : OTHER;
      let ratio = 0;
      for (const [code, value] of sample.values) {
        const figure = table[code]?.[band(sample.ph)];
        if (figure) ratio = Math.max(ratio, value / figure);
      }
      if (ratio > 1) {
        const id = [sample.id, recordId('farmlandClass', parcel)].sort().join(' + ');
        expected.set(id, { ratio, qualityClass: parcel.qualityClass as string });
      }
    }
  }
  return expected;
}

describe('FARMLAND_CLASS_REVIEW', { timeout: 120_000 }, () => {
  it('finds exactly the demo parcels whose latest sample is above the figure of their class', async () => {
    const expected = oracle();
    const found = await findSituations(sql, rule);
    expect(demoSituationIds(found)).toEqual([...expected.keys()].sort());

    // Both triggers occur in the demo: priority land above screening, safe-use land above intervention.
    const classes = [...expected.values()].map((e) => e.qualityClass);
    expect(classes).toContain('PRIORITY_PROTECTION');
    expect(classes).toContain('SAFE_USE');
    // And samples above screening on safe-use land (or on strictly controlled land) are not situations.
    const parcelsWithSamples = new Set(
      found.flatMap((s) =>
        s.evidence.filter((e) => e.dataset === 'farmlandClass').map((e) => e.key.parcelCode),
      ),
    );
    const safeUse = (demoRecords().get('farmlandClass') ?? []).filter((p) => p.qualityClass === 'SAFE_USE');
    expect(safeUse.some((p) => !parcelsWithSamples.has(p.parcelCode as string))).toBe(true);

    const ratios = new Map([...expected].map(([id, { ratio }]) => [id, ratio]));
    expectMeasures(found, ratios, 'EXCEEDANCE_RATIO', {
      digits: 3,
      districtFrom: (e) => e.dataset === 'farmlandClass',
    });
  }, 60_000);

  it('finds a published parcel above screening, and lets it go when a newer sample is clean', async () => {
    const id = uniqueId();
    // A corner of the map no demo record uses, different for every run.
    const lon = 115.42 + Math.random() * 0.03;
    const lat = 39.42 + Math.random() * 0.02;
    const parcel = outgoingRecord('farmlandClass', id, {
      parcelCode: `GD-T-${id}`,
      qualityClass: 'PRIORITY_PROTECTION',
      landCategory: 'CULTIVATED',
      boundary: square(lon, lat, 0.002),
    });
    const sample = (sampledOn: string, cadmium: number) =>
      outgoingRecord('soilMonitoring', id, {
        pointCode: `T-${id}`,
        sampledOn,
        district: parcel.district,
        landCategory: 'CULTIVATED',
        location: { type: 'Point', coordinates: [lon + 0.001, lat + 0.001] },
        ph: 8.0,
        ...CLEAN_METALS,
        cadmium,
      });
    await seed(db)
      .records('farmlandClass', [parcel])
      .records('soilMonitoring', [sample('2025-06-01', 0.9)]);

    const mine = async () =>
      (await findSituations(sql, rule)).filter((s) =>
        s.evidence.some((e) => e.dataset === 'farmlandClass' && e.key.parcelCode === parcel.parcelCode),
      );
    const [found] = await mine();
    // Cd 0.9 on dry land at pH 8.0: screening 0.6.
    expect(found.measure).toEqual({ kind: 'EXCEEDANCE_RATIO', value: 1.5 });
    expect(situationId(found)).toBe(
      [recordId('farmlandClass', parcel), `soilMonitoring:T-${id}:2025-06-01`].sort().join(' + '),
    );

    // Re-classed as safe use: 0.9 is below the intervention value (4.0).
    await seed(db).records('farmlandClass', [{ ...parcel, qualityClass: 'SAFE_USE' }]);
    expect(await mine()).toEqual([]);
    await seed(db).records('farmlandClass', [parcel]);
    expect(await mine()).toHaveLength(1);

    // A newer sample within the screening value: the latest is what counts.
    await seed(db).records('soilMonitoring', [sample('2026-06-01', 0.5)]);
    expect(await mine()).toEqual([]);
  }, 120_000);
});
