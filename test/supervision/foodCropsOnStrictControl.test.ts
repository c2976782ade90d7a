import { describe, expect, it } from 'vitest';
import { demoRecords } from '../../src/demo/rows.js';
import { findSituations } from '../../src/supervision/evaluate.js';
import { foodCropsOnStrictControl as rule } from '../../src/supervision/rules/foodCropsOnStrictControl.js';
import { outgoingRecord, uniqueId } from '../support/records.js';
import { seed } from '../support/seed.js';
import { demoSituationIds, recordId, withDemoDatabase } from '../support/supervision.js';

const { db, sql } = withDemoDatabase();

const FOOD_LAND = new Set(['CULTIVATED', 'FACILITY_AGRICULTURE', 'GARDEN']);

describe('FOOD_CROPS_ON_STRICT_CONTROL', { timeout: 120_000 }, () => {
  it('finds exactly the demo food-crop input reports in the town and land of a strictly controlled parcel', async () => {
    const strict = (demoRecords().get('farmlandClass') ?? []).filter(
      (p) => p.qualityClass === 'STRICT_CONTROL',
    );
    const expected: string[] = [];
    let otherLand = 0;
    for (const dataset of ['pesticideUse', 'fertiliserUse']) {
      for (const use of demoRecords().get(dataset) ?? []) {
        for (const parcel of strict) {
          if (use.district !== parcel.district || use.town !== parcel.town) continue;
          if (use.landCategory !== parcel.landCategory || !FOOD_LAND.has(use.landCategory as string)) {
            otherLand++;
            continue;
          }
          const since = parcel.classifiedOn ? Number(String(parcel.classifiedOn).slice(0, 4)) : 0;
          if ((use.year as number) < since) continue;
          expected.push([recordId(dataset, use), recordId('farmlandClass', parcel)].sort().join(' + '));
        }
      }
    }
    const found = await findSituations(sql, rule);
    expect(demoSituationIds(found)).toEqual(expected.sort());
    expect(expected.length).toBeGreaterThan(0);
    // Reports in the same town on other land (forest, green space, another category) are not situations.
    expect(otherLand).toBeGreaterThan(0);
    for (const situation of found) {
      const parcel = situation.evidence.find((e) => e.dataset === 'farmlandClass');
      expect(situation.district).toBe(parcel?.district);
      expect(situation.measure).toBeNull();
    }
  }, 60_000);

  it('finds a published report once its parcel is classed strict control, for the years from its class', async () => {
    const id = uniqueId();
    // A town of its own: no demo record shares it.
    const town = `测试镇${id}`;
    const parcel = outgoingRecord('farmlandClass', id, {
      parcelCode: `GD-F-${id}`,
      qualityClass: 'SAFE_USE',
      landCategory: 'CULTIVATED',
      district: '110115',
      town,
      classifiedOn: '2024-05-01',
      // No boundary: the sample's default square lies among the demo's parcels.
      boundary: null,
    });
    const report = (year: number, key: string) =>
      outgoingRecord('fertiliserUse', `${key}${id}`, {
        sourceId: `NYNC-HF-T-${key}${id}`,
        year,
        district: '110115',
        town,
        landCategory: 'CULTIVATED',
        crop: '玉米',
      });
    const before = report(2023, 'A');
    const after = report(2025, 'B');
    await seed(db).records('farmlandClass', [parcel]).records('fertiliserUse', [before, after]);

    const mine = async () =>
      (await findSituations(sql, rule))
        .filter((s) =>
          s.evidence.some((e) => e.dataset === 'farmlandClass' && e.key.parcelCode === parcel.parcelCode),
        )
        .map((s) => s.evidence.map((e) => Object.values(e.key)[0]).sort());
    expect(await mine()).toEqual([]);

    await seed(db).records('farmlandClass', [{ ...parcel, qualityClass: 'STRICT_CONTROL' }]);
    expect(await mine()).toEqual([[parcel.parcelCode, after.sourceId].sort()]);

    // The report corrected: the land was forest, where no food crop grows.
    await seed(db).records('fertiliserUse', [{ ...after, landCategory: 'FOREST', crop: '杨树' }]);
    expect(await mine()).toEqual([]);
  }, 120_000);
});
