import { describe, expect, it } from 'vitest';
import { addDays, daysBetween } from '../../src/demo/random.js';
import { demoRecords } from '../../src/demo/rows.js';
import { demoStories } from '../../src/demo/stories.js';
import { evaluateRules, findSituations } from '../../src/supervision/evaluate.js';
import { keyUnitClosed as rule } from '../../src/supervision/rules/keyUnitClosed.js';
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

describe('KEY_UNIT_CLOSED', { timeout: 120_000 }, () => {
  it('finds exactly the demo key units that closed without a closure filing or a screening entry', async () => {
    const today = await databaseToday(sql);
    const records = demoRecords();
    const latestYear = new Map<string, number>();
    for (const unit of records.get('keySupervisedUnit') ?? []) {
      const code = String(unit.creditCode);
      latestYear.set(code, Math.max(latestYear.get(code) ?? 0, Number(unit.listedYear)));
    }
    const screened = new Set((records.get('siteScreening') ?? []).map((s) => s.creditCode));
    const filedOn = new Map<string, string[]>();
    for (const filing of records.get('demolitionFiling') ?? []) {
      const code = String(filing.creditCode);
      filedOn.set(code, [...(filedOn.get(code) ?? []), String(filing.filedOn)]);
    }
    const expected = new Map<string, number>();
    let closedUnits = 0;
    for (const firm of records.get('closedEnterprise') ?? []) {
      const code = String(firm.creditCode);
      const year = latestYear.get(code);
      if (year === undefined) continue;
      closedUnits++;
      const closedOn = String(firm.closedOn);
      const filed = (filedOn.get(code) ?? []).some((d) => d >= addDays(closedOn, -180));
      if (filed && screened.has(code)) continue;
      const id = [
        recordId('closedEnterprise', firm),
        recordId('keySupervisedUnit', { creditCode: code, listedYear: year }),
      ]
        .sort()
        .join(' + ');
      expected.set(id, daysBetween(closedOn, today));
    }
    const found = await findSituations(sql, rule);
    expect(demoSituationIds(found)).toEqual([...expected.keys()].sort());
    expect(expected.size).toBeGreaterThan(0);
    // Negative cases too: closed units with both a closure filing and a screening entry.
    expect(closedUnits).toBeGreaterThan(expected.size);
    expect(closedUnits).toBe(demoStories().closedKeyUnitCreditCodes.length);

    expectMeasures(found, expected, 'DAYS_OVERDUE', {
      districtFrom: (e) => e.dataset === 'closedEnterprise',
    });
  });

  it('finds a closed unit until its closure filing is on file: an upgrade filing years before does not count', async () => {
    const id = uniqueId();
    const lon = 115.45 + Math.random() * 0.05;
    const creditCode = creditCodeFor(`ku${id}`);
    const district = '110115';
    const unit = outgoingRecord('keySupervisedUnit', `ku${id}`, {
      creditCode,
      listedYear: 2022,
      district,
      siteBoundary: square(lon, 39.48, 0.001),
    });
    const firm = outgoingRecord('closedEnterprise', `ku${id}`, {
      creditCode,
      district,
      closedOn: '2024-03-01',
      siteLocation: { type: 'Point', coordinates: [lon, 39.48] },
      siteBoundary: square(lon, 39.48, 0.001),
    });
    const screening = outgoingRecord('siteScreening', `ku${id}`, {
      creditCode,
      district,
      screenedOn: '2024-09-01',
    });
    const filing = (serial: string, filedOn: string) =>
      outgoingRecord('demolitionFiling', `ku${id}`, {
        creditCode,
        district,
        filingNo: `CCBA-${district}-${filedOn.slice(0, 4)}-${serial}`,
        filedOn,
        demolitionFrom: filedOn,
        demolitionTo: null,
      });
    await seed(db)
      .records('keySupervisedUnit', [unit])
      .records('closedEnterprise', [firm])
      .records('siteScreening', [screening])
      .records('demolitionFiling', [filing(`U${id}`, '2021-05-01')]);

    const situation = recordId('closedEnterprise', firm);
    const has = async () => (await findSituations(sql, rule)).some((s) => situationId(s).includes(situation));
    const alertOf = async () =>
      sql<{ id: string; state: string }[]>`
        select id, state from alert
        where rule = ${rule.id} and evidence @> ${JSON.stringify([{ dataset: 'closedEnterprise', key: { creditCode } }])}::jsonb`;

    expect(await has()).toBe(true);
    await evaluateRules(sql, [rule]);
    const [opened] = await alertOf();
    expect(opened.state).toBe('OPEN');

    await seed(db).records('demolitionFiling', [filing(`C${id}`, '2024-04-01')]);
    expect(await has()).toBe(false);
    await evaluateRules(sql, [rule]);
    expect((await alertOf())[0]).toMatchObject({ id: opened.id, state: 'RESOLVED' });

    // With the filing on file, withdrawing the screening entry is a situation again.
    await seed(db).records('siteScreening', [{ ...screening, deleted: true }]);
    expect(await has()).toBe(true);
  });
});
