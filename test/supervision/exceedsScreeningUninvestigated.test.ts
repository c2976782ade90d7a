import { describe, expect, it } from 'vitest';
import { demoRecords } from '../../src/demo/rows.js';
import type { GeoPoint, GeoPolygon } from '../../src/domain/geometry.js';
import { evaluateRules, findSituations } from '../../src/supervision/evaluate.js';
import { exceedsScreeningUninvestigated as rule } from '../../src/supervision/rules/exceedsScreeningUninvestigated.js';
import { outgoingRecord, square, uniqueId } from '../support/records.js';
import { seed } from '../support/seed.js';
import {
  demoSituationIds,
  expectMeasures,
  GB36600_SCREENING,
  insideRing,
  recordId,
  situationId,
  withDemoDatabase,
} from '../support/supervision.js';

const { db, sql } = withDemoDatabase();

const anyHolds = (shapes: GeoPolygon[], point: [number, number]) => shapes.some((s) => insideRing(point, s));

describe('EXCEEDS_SCREENING_UNINVESTIGATED', { timeout: 120_000 }, () => {
  it('finds exactly the demo points above the screening value a year ago, not investigated and not on the ledger', async () => {
    const [{ today }] = await sql<{ today: string }[]>`select current_date::text as today`;
    const records = demoRecords();
    const staged = new Set((records.get('remediationStage') ?? []).map((r) => r.plotCode as string));
    const rezoned = (records.get('landUseChange') ?? []).map((p) => p.boundary as GeoPolygon);
    const investigated = [
      ...(records.get('priorityPlot') ?? []).filter((p) => p.boundary && staged.has(p.plotCode as string)),
      ...(records.get('contaminatedSite') ?? []).filter((s) => staged.has(s.siteCode as string)),
    ].map((p) => p.boundary as GeoPolygon);
    const ledger = (records.get('undevelopedLand') ?? [])
      .filter((u) => !u.until)
      .map((u) => u.boundary as GeoPolygon);

    // Each point's first sample above the value of its land's class.
    const first = new Map<string, { id: string; on: string; ratio: number; at: [number, number] }>();
    let recent = 0;
    for (const sample of records.get('soilMonitoringNetwork') ?? []) {
      if (sample.landType !== 'CONSTRUCTION_LAND') continue;
      const at = (sample.location as GeoPoint).coordinates as [number, number];
      const cls = anyHolds(rezoned, at) ? 0 : 1;
      let ratio = 0;
      for (const result of sample.results as { analyte: string; value: number | null }[]) {
        const values = GB36600_SCREENING[result.analyte];
        if (values && result.value !== null) ratio = Math.max(ratio, result.value / values[cls]);
      }
      if (ratio <= 1) continue;
      const known = first.get(sample.pointCode as string);
      const on = sample.sampledOn as string;
      if (!known || on < known.on)
        first.set(sample.pointCode as string, {
          id: recordId('soilMonitoringNetwork', sample),
          on,
          ratio,
          at,
        });
    }
    const expected = new Map<string, number>();
    let handled = 0;
    for (const { id, on, ratio, at } of first.values()) {
      const yearOn = `${Number(on.slice(0, 4)) + 1}${on.slice(4)}`;
      if (yearOn > today) {
        recent++;
        continue;
      }
      if (anyHolds(investigated, at) || anyHolds(ledger, at)) {
        handled++;
        continue;
      }
      expected.set(id, ratio);
    }

    const found = await findSituations(sql, rule);
    expect(demoSituationIds(found)).toEqual([...expected.keys()].sort());
    expect(expected.size).toBeGreaterThan(0);
    // Points still inside their year, and points investigated or on the ledger, are not situations.
    expect(recent).toBeGreaterThan(0);
    expect(handled).toBeGreaterThan(0);
    expectMeasures(found, expected, 'EXCEEDANCE_RATIO', { digits: 2 });
  });

  it('judges a sample by its land’s class and lets it go once the plot is on the 暂不开发 ledger', async () => {
    const id = uniqueId();
    const lon = 115.4 + Math.random() * 0.04;
    const at = { type: 'Point' as const, coordinates: [lon + 0.001, 39.471] };
    const sample = outgoingRecord('soilMonitoringNetwork', `m${id}`, {
      pointCode: `T-${id}`,
      sampledOn: '2025-06-01',
      landType: 'CONSTRUCTION_LAND',
      district: '110115',
      location: at,
      results: [
        {
          analyte: 'As',
          value: 90,
          unit: 'mg/kg',
          method: 'HJ 680-2013',
          detectionLimit: 0.01,
          belowDetection: false,
        },
        {
          analyte: 'Pb',
          value: 30,
          unit: 'mg/kg',
          method: 'HJ 491-2019',
          detectionLimit: 2,
          belowDetection: false,
        },
      ],
    });
    await seed(db).records('soilMonitoringNetwork', [sample]);
    const mine = async () =>
      (await findSituations(sql, rule)).filter(
        (s) => situationId(s) === recordId('soilMonitoringNetwork', sample),
      );

    // Second-class land: 90 / 60.
    const [second] = await mine();
    expect(second.measure).toEqual({ kind: 'EXCEEDANCE_RATIO', value: 1.5 });
    await evaluateRules(sql, [rule]);

    // Rezoned to housing: the first-class value applies, 90 / 20.
    await seed(db).records('landUseChange', [
      outgoingRecord('landUseChange', `p${id}`, {
        parcelCode: `T-${id}`,
        district: '110115',
        boundary: square(lon, 39.47, 0.002),
      }),
    ]);
    const [first] = await mine();
    expect(first.measure).toEqual({ kind: 'EXCEEDANCE_RATIO', value: 4.5 });

    await seed(db).records('undevelopedLand', [
      outgoingRecord('undevelopedLand', `u${id}`, {
        plotCode: `YXJG-110115-${id}`,
        district: '110115',
        boundary: square(lon, 39.47, 0.002),
        since: '2026-06-01',
        until: null,
      }),
    ]);
    expect(await mine()).toEqual([]);
    await evaluateRules(sql, [rule]);
    const alerts = await sql<{ state: string }[]>`
      select state from alert
      where rule = ${rule.id} and evidence @> ${JSON.stringify([{ dataset: 'soilMonitoringNetwork', key: { pointCode: sample.pointCode } }])}::jsonb`;
    expect(alerts.map((a) => a.state)).toEqual(['RESOLVED']);
  });
});
