import { describe, expect, it } from 'vitest';
import { daysBetween } from '../../src/demo/random.js';
import { demoRecords } from '../../src/demo/rows.js';
import { demoStories } from '../../src/demo/stories.js';
import { evaluateRules, findSituations } from '../../src/supervision/evaluate.js';
import { closedEnterpriseUnscreened as rule } from '../../src/supervision/rules/closedEnterpriseUnscreened.js';
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

/** The day the rule judges by: the database's current_date. */
/** The screening deadline of a closure: the end of the year after it. */
const deadline = (closedOn: string) => `${Number(closedOn.slice(0, 4)) + 1}-12-31`;

describe('CLOSED_ENTERPRISE_UNSCREENED', { timeout: 120_000 }, () => {
  it('finds exactly the demo closures with no ledger entry past the end of the following year', async () => {
    const today = await databaseToday(sql);
    const screened = new Set((demoRecords().get('siteScreening') ?? []).map((s) => s.creditCode));
    const expected = new Map<string, number>();
    let notYetDue = 0;
    for (const firm of demoRecords().get('closedEnterprise') ?? []) {
      if (screened.has(firm.creditCode)) continue;
      const due = deadline(String(firm.closedOn));
      if (today > due) expected.set(recordId('closedEnterprise', firm), daysBetween(due, today));
      else notYetDue++;
    }
    const found = await findSituations(sql, rule);
    expect(demoSituationIds(found)).toEqual([...expected.keys()].sort());
    // Both sides are in the demo: closures long overdue, and recent ones still within their year.
    expect(expected.size).toBeGreaterThan(100);
    expect(notYetDue).toBeGreaterThan(0);

    // The stories' screened closures are never found.
    const ids = new Set(demoSituationIds(found));
    for (const creditCode of demoStories().screenedClosedCreditCodes.slice(0, 200)) {
      expect(ids.has(recordId('closedEnterprise', { creditCode }))).toBe(false);
    }

    expectMeasures(found, expected, 'DAYS_OVERDUE');
  });

  it('opens an alert for an overdue closure and resolves it when the screening entry is published', async () => {
    const id = uniqueId();
    const lon = 115.45 + Math.random() * 0.05;
    const creditCode = creditCodeFor(`ce${id}`);
    const firm = outgoingRecord('closedEnterprise', `ce${id}`, {
      creditCode,
      closedOn: '2021-06-15',
      siteLocation: { type: 'Point', coordinates: [lon, 39.46] },
      siteBoundary: square(lon, 39.46, 0.001),
    });
    // Closed this year: due only at the end of next year, never found today.
    const recent = outgoingRecord('closedEnterprise', `cr${id}`, {
      creditCode: creditCodeFor(`cr${id}`),
      closedOn: `${(await databaseToday(sql)).slice(0, 4)}-01-02`,
      siteLocation: { type: 'Point', coordinates: [lon, 39.47] },
      siteBoundary: square(lon, 39.47, 0.001),
    });
    await seed(db).records('closedEnterprise', [firm, recent]);

    const alertOf = async (code: string) =>
      sql<{ id: string; state: string }[]>`
        select id, state from alert
        where rule = ${rule.id} and evidence @> ${JSON.stringify([{ dataset: 'closedEnterprise', key: { creditCode: code } }])}::jsonb`;

    const found = new Set((await findSituations(sql, rule)).map(situationId));
    expect(found.has(recordId('closedEnterprise', firm))).toBe(true);
    expect(found.has(recordId('closedEnterprise', recent))).toBe(false);

    await evaluateRules(sql, [rule]);
    const [opened] = await alertOf(creditCode);
    expect(opened.state).toBe('OPEN');
    expect(await alertOf(recent.creditCode as string)).toHaveLength(0);

    const screening = outgoingRecord('siteScreening', `ss${id}`, {
      creditCode,
      district: firm.district,
      screenedOn: '2026-03-01',
    });
    await seed(db).records('siteScreening', [screening]);
    await evaluateRules(sql, [rule]);
    expect((await alertOf(creditCode))[0]).toMatchObject({ id: opened.id, state: 'RESOLVED' });

    // The entry withdrawn, the closure is overdue again: the same alert opens again.
    await seed(db).records('siteScreening', [{ ...screening, deleted: true }]);
    await evaluateRules(sql, [rule]);
    expect((await alertOf(creditCode))[0]).toMatchObject({ id: opened.id, state: 'OPEN' });
  });
});
