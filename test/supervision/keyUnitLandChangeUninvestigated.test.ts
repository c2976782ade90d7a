import { describe, expect, it } from 'vitest';
import { daysBetween } from '../../src/demo/random.js';
import { demoRecords } from '../../src/demo/rows.js';
import { evaluateRules, findSituations } from '../../src/supervision/evaluate.js';
import { keyUnitLandChangeUninvestigated as rule } from '../../src/supervision/rules/keyUnitLandChangeUninvestigated.js';
import { creditCodeFor, outgoingRecord, square, uniqueId } from '../support/records.js';
import { seed } from '../support/seed.js';
import {
  databaseToday,
  demoSituationIds,
  expectMeasures,
  recordId,
  situationId,
  withDemoDatabase,
} from '../support/supervision.js';

const { db, sql } = withDemoDatabase();

const INVESTIGATION = new Set(['PRELIMINARY_INVESTIGATION', 'DETAILED_INVESTIGATION', 'RISK_ASSESSMENT']);

describe('KEY_UNIT_LAND_CHANGE_UNINVESTIGATED', { timeout: 120_000 }, () => {
  it('finds exactly the demo land-right changes with no investigation finished by their effective date', async () => {
    const today = await databaseToday(sql);
    const records = demoRecords();
    const plotsOf = new Map<string, string[]>();
    for (const plot of records.get('priorityPlot') ?? []) {
      const code = String(plot.sourceCreditCode);
      plotsOf.set(code, [...(plotsOf.get(code) ?? []), String(plot.plotCode)]);
    }
    const finishedOf = new Map<string, string[]>();
    for (const stage of records.get('remediationStage') ?? []) {
      if (!INVESTIGATION.has(String(stage.stage)) || !stage.finishedOn) continue;
      const code = String(stage.plotCode);
      finishedOf.set(code, [...(finishedOf.get(code) ?? []), String(stage.finishedOn)]);
    }
    const expected = new Map<string, number>();
    let investigated = 0;
    for (const change of records.get('landRightChange') ?? []) {
      const effectiveOn = String(change.effectiveOn);
      const finished = (plotsOf.get(String(change.creditCode)) ?? []).flatMap((p) => finishedOf.get(p) ?? []);
      if (finished.some((d) => d <= effectiveOn)) investigated++;
      else expected.set(recordId('landRightChange', change), daysBetween(effectiveOn, today));
    }
    const found = await findSituations(sql, rule);
    expect(demoSituationIds(found)).toEqual([...expected.keys()].sort());
    expect(expected.size).toBeGreaterThan(0);
    expect(investigated).toBeGreaterThan(0);

    expectMeasures(found, expected, 'DAYS_OVERDUE');
  });

  it('finds a change until an investigation finished before it is on file', async () => {
    const id = uniqueId();
    const lon = 115.45 + Math.random() * 0.05;
    const creditCode = creditCodeFor(`lr${id}`);
    const district = '110115';
    const change = outgoingRecord('landRightChange', `lr${id}`, {
      parcelCode: `T-${id}`,
      eventNo: `E${id}`,
      creditCode,
      district,
      changeType: 'TRANSFER',
      effectiveOn: '2025-06-01',
      boundary: square(lon, 39.49, 0.001),
    });
    const plot = outgoingRecord('priorityPlot', `lr${id}`, {
      sourceCreditCode: creditCode,
      district,
      boundary: square(lon, 39.49, 0.001),
    });
    const stage = (finishedOn: string) =>
      outgoingRecord('remediationStage', `lr${id}`, {
        plotCode: plot.plotCode,
        district,
        stage: 'PRELIMINARY_INVESTIGATION',
        startedOn: '2024-01-10',
        finishedOn,
        riskResult: null,
      });
    await seed(db)
      .records('landRightChange', [change])
      .records('priorityPlot', [plot])
      .records('remediationStage', [stage('2025-08-01')]);

    const has = async () =>
      (await findSituations(sql, rule)).some((s) => situationId(s) === recordId('landRightChange', change));
    const alertOf = async () =>
      sql<{ id: string; state: string }[]>`
        select id, state from alert
        where rule = ${rule.id} and evidence @> ${JSON.stringify([{ dataset: 'landRightChange', key: { parcelCode: change.parcelCode } }])}::jsonb`;

    // Investigated only after the transfer: still a situation.
    expect(await has()).toBe(true);
    await evaluateRules(sql, [rule]);
    const [opened] = await alertOf();
    expect(opened.state).toBe('OPEN');

    await seed(db).records('remediationStage', [stage('2025-05-20')]);
    expect(await has()).toBe(false);
    await evaluateRules(sql, [rule]);
    expect((await alertOf())[0]).toMatchObject({ id: opened.id, state: 'RESOLVED' });
  });
});
