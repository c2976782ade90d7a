import { addDays, addMonths, addYears } from 'date-fns';
import type postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { EffectiveAccess } from '../../src/access/effectiveAccess.js';
import { type Authenticated, principalByCode } from '../../src/access/keys.js';
import { datasets } from '../../src/catalog/registry.js';
import { Alerts } from '../../src/supervision/alerts.js';
import { alertIdentity, evaluateRules, findSituations } from '../../src/supervision/evaluate.js';
import type { Situation } from '../../src/supervision/rule.js';
import { datasetStale as rule } from '../../src/supervision/rules/datasetStale.js';
import { withDemoDatabase } from '../support/supervision.js';

const { db, sql } = withDemoDatabase();

/** The end of a cycle, for the cycles the catalogue declares (written here, not taken from the job). */
function cycleEnd(from: Date, cycle: string): Date {
  const n = Number(cycle.slice(1, -1));
  switch (cycle.at(-1)) {
    case 'D':
      return addDays(from, n);
    case 'M':
      return addMonths(from, n);
    case 'Y':
      return addYears(from, n);
    default:
      throw new Error(`cycle ${cycle} not handled by the test`);
  }
}

/** Each dataset's stale verdict from its table and its batches, by the database's clock. */
async function oracle(tx: postgres.Sql): Promise<Map<string, number | null>> {
  const stale = new Map<string, number | null>();
  const epoch = async (query: postgres.PendingQuery<{ ms: number | null }[]>) => {
    const [{ ms }] = await query;
    return ms == null ? null : new Date(Number(ms));
  };
  const now = (await epoch(tx`select (extract(epoch from now()) * 1000)::float8 as ms`)) as Date;
  for (const dataset of datasets) {
    const latest = await epoch(tx`
      select (extract(epoch from greatest((select max(last_changed_at) from ${tx(dataset.table)}),
        (select max(applied_at) from sync_batch where dataset = ${dataset.name}))) * 1000)::float8 as ms`);
    if (!latest) stale.set(dataset.name, null);
    else {
      const end = cycleEnd(latest, dataset.updateCycle);
      if (end < now) stale.set(dataset.name, Math.floor((now.getTime() - end.getTime()) / 86_400_000));
    }
  }
  return stale;
}

const byDataset = (situations: Situation[]) =>
  new Map(situations.map((s) => [s.evidence[0].dataset, s.measure?.value ?? null]));

class Rollback extends Error {}

/** Runs `body` in a transaction that is always rolled back: the shared tables are as they were after. */
async function rolledBack(body: (tx: postgres.Sql) => Promise<void>) {
  await expect(
    sql.begin(async (tx) => {
      await body(tx as unknown as postgres.Sql);
      throw new Rollback();
    }),
  ).rejects.toBeInstanceOf(Rollback);
}

describe('DATASET_STALE', { timeout: 120_000 }, () => {
  it('finds the datasets the oracle finds stale, each as the dataset itself with no record key', async () => {
    const found = await findSituations(sql, rule);
    expect(byDataset(found)).toEqual(await oracle(sql));
    for (const situation of found) {
      expect(situation.evidence).toHaveLength(1);
      expect(situation.evidence[0].key).toEqual({});
      expect(situation.district).toBeNull();
    }
  });

  it('finds a dataset whose last publication is older than its cycle, until a record of it changes', async () => {
    // demolitionFiling is published monthly (P1M): 400 days without a change is stale by some 370 days.
    await rolledBack(async (tx) => {
      await tx`update demolition_filing set last_changed_at = now() - interval '400 days'`;
      await tx`update sync_batch set applied_at = now() - interval '400 days' where dataset = 'demolitionFiling'`;
      const stale = byDataset(await findSituations(tx, rule));
      expect(stale.has('demolitionFiling')).toBe(true);
      expect(stale.get('demolitionFiling')).toBe((await oracle(tx)).get('demolitionFiling'));
      expect(stale.get('demolitionFiling')).toBeGreaterThanOrEqual(368);

      await tx`update demolition_filing set last_changed_at = now()
               where id = (select id from demolition_filing limit 1)`;
      expect(byDataset(await findSituations(tx, rule)).has('demolitionFiling')).toBe(false);
    });
  });

  it('identifies an alert by the rule and the dataset: one alert per dataset, found again as the same', async () => {
    const situation = (dataset: string): Situation => ({
      evidence: [{ dataset, key: {}, district: null, publisher: 'ECOLOGY' }],
      district: null,
      measure: { kind: 'DAYS_OVERDUE', value: 3 },
    });
    const a = alertIdentity(rule.id, situation('demolitionFiling'));
    expect(alertIdentity(rule.id, situation('demolitionFiling'))).toBe(a);
    expect(alertIdentity(rule.id, situation('siteScreening'))).not.toBe(a);

    // The evaluator stores and resolves such alerts as any other: a stand-in find reports the dataset.
    let situations = [situation('demolitionFiling')];
    const stub = { ...rule, find: async () => situations };
    const alertOf = async () =>
      sql<{ id: string; state: string; evidence: unknown }[]>`
        select id, state, evidence from alert where rule = ${rule.id} and identity = ${a}`;
    await evaluateRules(sql, [stub]);
    const [opened] = await alertOf();
    expect(opened).toMatchObject({ state: 'OPEN', evidence: situations[0].evidence });
    await evaluateRules(sql, [stub]);
    expect(await alertOf()).toHaveLength(1);
    situations = [];
    await evaluateRules(sql, [stub]);
    expect((await alertOf())[0]).toMatchObject({ id: opened.id, state: 'RESOLVED' });
    // What the real rule finds now brings the alerts back in step.
    await evaluateRules(sql, [rule]);
  });

  it('is told to the late dataset’s owner, who may act on it; a department that neither owns nor oversees sees nothing', async () => {
    const late: Situation = {
      evidence: [{ dataset: 'irrigationWell', key: {}, district: null, publisher: 'WATER' }],
      district: null,
      measure: { kind: 'DAYS_OVERDUE', value: 12 },
    };
    const stub = { ...rule, find: async () => [late] };
    await evaluateRules(sql, [stub]);
    try {
      const alertsAs = async (code: string) => {
        const found = (await principalByCode(db, code, 'test')) as Authenticated;
        return new Alerts(db, new EffectiveAccess(found.principal, found.grants));
      };
      const identity = alertIdentity(rule.id, late);
      const [{ id }] = await sql<{ id: string }[]>`
        select id from alert where rule = ${rule.id} and identity = ${identity}`;
      const water = await alertsAs('WATER');
      expect((await water.byId(id))?.id).toBe(id);
      const mine = await water.list({ rule: [rule.id], department: 'WATER', first: 100 });
      expect(mine.rows.map((a) => a.id)).toEqual([id]);
      const acknowledged = await water.act(id, 'ACKNOWLEDGED', null);
      expect(acknowledged.state).toBe('ACKNOWLEDGED');
      const planning = await alertsAs('PLANNING');
      expect(await planning.byId(id)).toBeNull();
      // PLANNING sees the alerts of its own late datasets (if any), not this one.
      expect((await planning.list({ rule: [rule.id], first: 100 })).rows.map((a) => a.id)).not.toContain(id);
      await expect(planning.act(id, 'COMMENTED', '与我无关')).rejects.toThrow();
      expect((await (await alertsAs('ECOLOGY')).byId(id))?.id).toBe(id);
    } finally {
      await evaluateRules(sql, [{ ...rule, find: async () => [] }]);
      await evaluateRules(sql, [rule]);
    }
  });
});
