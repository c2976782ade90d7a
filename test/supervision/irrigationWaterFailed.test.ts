import { describe, expect, it } from 'vitest';
import { demoRecords } from '../../src/demo/rows.js';
import { demoStories } from '../../src/demo/stories.js';
import type { GeoPoint, GeoPolygon } from '../../src/domain/geometry.js';
import { findSituations } from '../../src/supervision/evaluate.js';
import { irrigationWaterFailed as rule } from '../../src/supervision/rules/irrigationWaterFailed.js';
import { outgoingRecord, square, uniqueId } from '../support/records.js';
import { seed } from '../support/seed.js';
import { demoSituationIds, insideRing, recordId, withDemoDatabase } from '../support/supervision.js';

const { db, sql } = withDemoDatabase();

const pairId = (wellCode: string, parcelCode: string) =>
  [recordId('irrigationWell', { wellCode }), recordId('farmlandClass', { parcelCode })].sort().join(' + ');

describe('IRRIGATION_WATER_FAILED', { timeout: 120_000 }, () => {
  it('finds exactly the demo wells that failed their last test and stand on a classed parcel', async () => {
    const parcels = (demoRecords().get('farmlandClass') ?? []).filter((p) => p.boundary);
    const expected: string[] = [];
    for (const well of demoRecords().get('irrigationWell') ?? []) {
      if (well.lastTestResult !== 'NON_COMPLIANT') continue;
      for (const parcel of parcels) {
        if (insideRing((well.location as GeoPoint).coordinates, parcel.boundary as GeoPolygon))
          expected.push(pairId(well.wellCode as string, parcel.parcelCode as string));
      }
    }
    const found = await findSituations(sql, rule);
    expect(demoSituationIds(found)).toEqual(expected.sort());
    expect(expected.length).toBeGreaterThan(0);

    // The demo's story: failed wells on a parcel are found, compliant ones on a parcel are not.
    const ids = new Set(demoSituationIds(found));
    const { failedIrrigationWellsOnParcels: failed, compliantIrrigationWellsOnParcels: compliant } =
      demoStories();
    expect(failed.length).toBeGreaterThan(0);
    for (const { wellCode, parcelCode } of failed) expect(ids.has(pairId(wellCode, parcelCode))).toBe(true);
    expect(compliant.length).toBeGreaterThan(0);
    for (const { wellCode, parcelCode } of compliant)
      expect(ids.has(pairId(wellCode, parcelCode))).toBe(false);

    for (const situation of found) {
      const well = situation.evidence.find((e) => e.dataset === 'irrigationWell');
      expect(situation.district).toBe(well?.district);
      expect(situation.measure).toBeNull();
    }
  }, 60_000);

  it('finds a published well once its test fails, not beside the parcel, and lets it go when it passes', async () => {
    const id = uniqueId();
    // A corner of the map no demo record uses, different for every run.
    const lon = 115.42 + Math.random() * 0.03;
    const lat = 39.46 + Math.random() * 0.02;
    const parcel = outgoingRecord('farmlandClass', id, {
      parcelCode: `GD-W-${id}`,
      boundary: square(lon, lat, 0.002),
    });
    const well = (code: string, at: [number, number], result: string) =>
      outgoingRecord('irrigationWell', `${code}${id}`, {
        wellCode: `JJ-T-${code}${id}`,
        district: parcel.district,
        location: { type: 'Point', coordinates: at },
        lastTestedOn: '2026-05-01',
        lastTestResult: result,
      });
    const onIt = well('A', [lon + 0.001, lat + 0.001], 'COMPLIANT');
    // Inside the parcel's bounding box, outside the parcel: a triangle's empty corner.
    const triangle = {
      type: 'Polygon' as const,
      coordinates: [
        [
          [lon + 0.004, lat],
          [lon + 0.006, lat],
          [lon + 0.004, lat + 0.002],
          [lon + 0.004, lat],
        ],
      ],
    };
    const corner = well('B', [lon + 0.0058, lat + 0.0018], 'NON_COMPLIANT');
    await seed(db)
      .records('farmlandClass', [
        parcel,
        outgoingRecord('farmlandClass', `C${id}`, { parcelCode: `GD-C-${id}`, boundary: triangle }),
      ])
      .records('irrigationWell', [onIt, corner]);

    const mine = async () =>
      (await findSituations(sql, rule))
        .filter((s) => s.evidence.some((e) => String(e.key.wellCode ?? '').endsWith(id)))
        .map((s) => s.evidence.map((e) => Object.values(e.key)[0]).sort());
    expect(await mine()).toEqual([]);

    await seed(db).records('irrigationWell', [{ ...onIt, lastTestResult: 'NON_COMPLIANT' }]);
    expect(await mine()).toEqual([[parcel.parcelCode, onIt.wellCode].sort()]);

    await seed(db).records('irrigationWell', [
      { ...onIt, lastTestedOn: '2026-09-01', lastTestResult: 'COMPLIANT' },
    ]);
    expect(await mine()).toEqual([]);
  }, 120_000);
});
