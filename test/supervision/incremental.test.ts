import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { datasetByName } from '../../src/catalog/registry.js';
import {
  alertIdentity,
  evaluateChanged,
  evaluateRules,
  findSituations,
} from '../../src/supervision/evaluate.js';
import type { EvidenceRecord } from '../../src/supervision/rule.js';
import { rules } from '../../src/supervision/rules/index.js';
import { withTestDatabase } from '../support/db.js';
import { creditCodeFor, outgoingRecord, square, uniqueId } from '../support/records.js';
import { type SeedRecord, seed } from '../support/seed.js';
import { CLEAN_METALS } from '../support/supervision.js';

/**
 * Per-key incremental evaluation equals a full one: random publishes (inserts, updates, withdrawals) into
 * the datasets the incremental rules read, each followed by an incremental run, after which the alerts of
 * this test's records are exactly what the rules' own full query finds (identity, OPEN or RESOLVED,
 * measure), and the alerts the change did not concern were not seen again (a full run would have).
 * Every run draws its records in a corner of the map of its own (north-east of every district).
 */

const { db, sql } = withTestDatabase();
const incremental = rules.filter((rule) => rule.incremental);

/** One publish: a record of one of the world's entities, with drawn values, or its withdrawal. */
interface Op {
  kind: (typeof KINDS)[number];
  /** Which entity of its kind. */
  i: number;
  /** Drawn values, read per kind. */
  a: number;
  b: number;
  withdraw: boolean;
}

const KINDS = [
  'site',
  'plot',
  'permit',
  'priority',
  'stage',
  'firm',
  'screening',
  'unit',
  'filing',
  'parcel',
  'sample',
  'well',
  'use',
  'point',
  'ledger',
] as const;

const op: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom(...KINDS),
  i: fc.nat(1),
  a: fc.nat(3),
  b: fc.nat(1),
  withdraw: fc.nat(4).map((n) => n === 0),
});

/** The world of one run: where its entities may lie, and the record an op publishes. */
function world(run: string, lon: number, lat: number) {
  const district = '110115';
  const town = `增量镇${run}`;
  // Places a plot or permit may take: on site 0, beside it (about 85 m), on site 1, far from both.
  const spots = [
    square(lon + 0.001, lat + 0.001, 0.002),
    square(lon + 0.003, lat, 0.002),
    square(lon + 0.007, lat + 0.001, 0.002),
    square(lon + 0.02, lat + 0.02, 0.002),
  ];
  const site = (i: number) =>
    outgoingRecord('contaminatedSite', `${run}S${i}`, { siteCode: `BJML-${district}-${run}S${i}`, district });
  const credit = (i: number) => creditCodeFor(`${run}F${i}`);
  const parcelBox = square(lon, lat + 0.01, 0.002);
  const inParcel = { type: 'Point', coordinates: [lon + 0.001, lat + 0.011] };
  const record = ({ kind, i, a, b }: Op): [string, SeedRecord] => {
    switch (kind) {
      case 'site':
        return [
          'contaminatedSite',
          { ...site(i), boundary: square(lon + 0.006 * i, lat, 0.002), status: b ? 'LISTED' : 'REMOVED' },
        ];
      case 'plot':
        return [
          'landUseChange',
          outgoingRecord('landUseChange', `${run}P${i}`, {
            parcelCode: `ZL-${run}-${i}`,
            district,
            boundary: spots[a],
            planningPermitNo: b ? `GH-${run}-${i}` : null,
            permitDate: b ? '2025-01-10' : null,
          }),
        ];
      case 'permit':
        return [
          'constructionPermit',
          outgoingRecord('constructionPermit', `${run}C${i}`, {
            permitNo: `SG-${run}-${i}`,
            district,
            boundary: spots[a],
            issuedOn: b ? '2025-01-10' : '2023-01-10',
          }),
        ];
      case 'priority':
        return [
          'priorityPlot',
          outgoingRecord('priorityPlot', `${run}Q`, {
            district,
            boundary: spots[a],
            investigationStatus: 'NOT_STARTED',
            listedOn: '2022-03-01',
          }),
        ];
      case 'stage':
        // The effect evaluation of site i, finished before or after the permits' dates.
        return [
          'remediationStage',
          outgoingRecord('remediationStage', `${run}R${i}`, {
            plotCode: site(i).siteCode,
            district,
            stage: 'EFFECT_EVALUATION',
            startedOn: '2023-06-01',
            finishedOn: b ? '2024-06-01' : '2026-06-01',
          }),
        ];
      case 'firm':
        return [
          'closedEnterprise',
          outgoingRecord('closedEnterprise', `${run}F${i}`, {
            creditCode: credit(i),
            district,
            closedOn: b ? '2023-03-01' : '2022-09-01',
          }),
        ];
      case 'screening':
        return [
          'siteScreening',
          outgoingRecord('siteScreening', `${run}F${i}`, {
            creditCode: credit(i),
            district,
            screenedOn: '2024-09-01',
          }),
        ];
      case 'unit':
        return [
          'keySupervisedUnit',
          outgoingRecord('keySupervisedUnit', `${run}F${i}`, {
            creditCode: credit(i),
            district,
            listedYear: 2020 + b,
          }),
        ];
      case 'filing': {
        const filedOn = b ? '2023-02-01' : '2019-05-01';
        return [
          'demolitionFiling',
          outgoingRecord('demolitionFiling', `${run}F${i}`, {
            creditCode: credit(i),
            district,
            filingNo: `CCBA-${district}-2023-${run}${i}`,
            filedOn,
            demolitionFrom: filedOn,
            demolitionTo: null,
          }),
        ];
      }
      case 'parcel':
        return [
          'farmlandClass',
          outgoingRecord('farmlandClass', `${run}G`, {
            parcelCode: `GD-${run}`,
            district,
            town,
            landCategory: 'CULTIVATED',
            qualityClass: ['PRIORITY_PROTECTION', 'SAFE_USE', 'STRICT_CONTROL', 'PRIORITY_PROTECTION'][a],
            classifiedOn: '2023-05-01',
            boundary: parcelBox,
          }),
        ];
      case 'sample':
        // Two sampling days of one point in the parcel, clean or above the screening value (Cd 0.6 at pH 8).
        return [
          'soilMonitoring',
          outgoingRecord('soilMonitoring', `${run}M`, {
            pointCode: `JC-${run}`,
            sampledOn: i ? '2025-06-01' : '2024-06-01',
            district,
            landCategory: 'CULTIVATED',
            location: inParcel,
            ph: 8.0,
            ...CLEAN_METALS,
            cadmium: [0.2, 0.9, 5.0, 0.5][a],
          }),
        ];
      case 'well':
        return [
          'irrigationWell',
          outgoingRecord('irrigationWell', `${run}W${i}`, {
            wellCode: `JJ-${run}-${i}`,
            district,
            location: i ? inParcel : { type: 'Point', coordinates: [lon + 0.03, lat + 0.03] },
            lastTestedOn: '2026-05-01',
            lastTestResult: b ? 'NON_COMPLIANT' : 'COMPLIANT',
          }),
        ];
      case 'point':
        // Two samples of one construction-land point in spot 0 (first class while a rezoned plot covers
        // it): As above both classes' screening values, above the first class's only, or clean.
        return [
          'soilMonitoringNetwork',
          outgoingRecord('soilMonitoringNetwork', `${run}N${i}`, {
            pointCode: `JCW-${run}`,
            sampledOn: i ? '2024-09-01' : '2024-03-01',
            district,
            landType: 'CONSTRUCTION_LAND',
            location: { type: 'Point', coordinates: [lon + 0.0025, lat + 0.0025] },
            results: [
              {
                analyte: 'As',
                value: [100, 40, 10, 100][a],
                unit: 'mg/kg',
                method: 'HJ 680',
                detectionLimit: 0.01,
                belowDetection: false,
              },
            ],
          }),
        ];
      case 'ledger':
        // A 暂不开发 entry on one of the spots, live or taken off.
        return [
          'undevelopedLand',
          outgoingRecord('undevelopedLand', `${run}L`, {
            plotCode: `BJML-${district}-${run}L`,
            district,
            boundary: spots[a],
            since: '2024-01-01',
            until: b ? null : '2025-01-01',
          }),
        ];
      case 'use':
        return [
          'pesticideUse',
          outgoingRecord('pesticideUse', `${run}U${i}`, {
            sourceId: `NYNC-NY-${run}-${i}`,
            year: b ? 2025 : 2022,
            district,
            town,
            landCategory: 'CULTIVATED',
          }),
        ];
    }
  };
  return { record };
}

interface AlertRow {
  rule: string;
  identity: string;
  state: string;
  measure_value: number | null;
  last_seen_at: string;
  evidence: EvidenceRecord[];
}

/** Is every record of the evidence one of this run's (its key carries the run's id or credit codes)? */
function ofRun(run: string) {
  const codes = new Set([creditCodeFor(`${run}F0`), creditCodeFor(`${run}F1`)]);
  return (evidence: readonly Pick<EvidenceRecord, 'key'>[]) =>
    evidence.every((e) => Object.values(e.key).some((value) => value.includes(run) || codes.has(value)));
}

/**
 * Could a change of this record concern an alert with this evidence: one of its key values is in the key
 * of an evidence record (the record itself; a site's stage by the site code; a closure's screening, unit or
 * filing by the credit code; a sample of the same point).
 */
function concerns(dataset: string, changed: SeedRecord, evidence: readonly EvidenceRecord[]): boolean {
  // A construction-land sample is reached by where it lies: any area, or a stage of a plot or site, may
  // cover it (the world has one such point).
  const AREAS = ['landUseChange', 'priorityPlot', 'contaminatedSite', 'undevelopedLand', 'remediationStage'];
  if (AREAS.includes(dataset) && evidence.some((e) => e.dataset === 'soilMonitoringNetwork')) return true;
  const key = datasetByName(dataset)?.key ?? [];
  const values = new Set(key.map((field) => String(changed[field])));
  return evidence.some((e) => Object.values(e.key).some((value) => values.has(value)));
}

async function alertsOf(run: string): Promise<AlertRow[]> {
  const rows = await sql<AlertRow[]>`
    select rule, identity, state, measure_value, last_seen_at::text, evidence from alert
    where rule in ${sql(incremental.map((rule) => rule.id))}`;
  return rows.filter((row) => ofRun(run)(row.evidence));
}

/** An incremental run after a publish, then its alerts compared with the rules' full query. */
async function evaluateAndCompare(
  run: string,
  change: { dataset: string; record: SeedRecord } | null,
  context: string,
) {
  const before = new Map((await alertsOf(run)).map((a) => [a.identity, a]));
  if (change) await seed(db).records(change.dataset, [change.record]);
  const outcomes = await evaluateChanged(sql, incremental);
  const evaluatedAt = new Map(
    (
      await sql<{ rule: string; at: string }[]>`select rule, evaluated_at::text as at from supervision_state`
    ).map((row) => [row.rule, row.at]),
  );
  expect(outcomes.every((o) => o.incremental)).toBe(true);
  const ran = new Set(outcomes.map((o) => o.rule));

  const after = await alertsOf(run);
  const expected = new Map<string, number | null>();
  for (const rule of incremental) {
    for (const situation of await findSituations(sql, rule)) {
      if (ofRun(run)(situation.evidence)) {
        expected.set(alertIdentity(rule.id, situation), situation.measure?.value ?? null);
      }
    }
  }
  const open = after.filter((a) => a.state === 'OPEN');
  expect(new Map(open.map((a) => [a.identity, a.measure_value])), context).toEqual(expected);
  for (const alert of after) {
    if (!expected.has(alert.identity)) expect(alert.state, context).toBe('RESOLVED');
    // An alert the change did not concern was not seen again by this evaluation (a full one would have);
    // another file's full evaluation may have, at its own time.
    const was = before.get(alert.identity);
    if (change && was && !concerns(change.dataset, change.record, alert.evidence)) {
      const seenByThisRun =
        ran.has(alert.rule) &&
        alert.last_seen_at !== was.last_seen_at &&
        alert.last_seen_at === evaluatedAt.get(alert.rule);
      expect(seenByThisRun, context).toBe(false);
      expect(alert.state, context).toBe(was.state);
    }
  }
  return after;
}

/** Drawn values for every entity of the world, published before the changes. */
const initial = fc.array(fc.record({ a: fc.nat(3), b: fc.nat(1) }), {
  minLength: KINDS.length * 2,
  maxLength: KINDS.length * 2,
});

describe('incremental evaluation', { timeout: 600_000 }, () => {
  it('leaves the alerts a full evaluation would, after every publish, and does not look at the others', async () => {
    // Every rule has run once: from here on, evaluateChanged evaluates them per key.
    await evaluateRules(sql, incremental);
    let runCount = 0;
    const runs: string[] = [];
    const states = { OPEN: 0, RESOLVED: 0 } as Record<string, number>;
    await fc.assert(
      fc.asyncProperty(initial, fc.array(op, { minLength: 10, maxLength: 12 }), async (values, ops) => {
        const run = uniqueId();
        runs.push(run);
        const { record } = world(run, 117.4 + 0.05 * runCount++, 40.8);
        // The whole world first, one publish per dataset, so that every change below meets the others.
        const byDataset = new Map<string, SeedRecord[]>();
        KINDS.forEach((kind, k) => {
          for (const i of [0, 1]) {
            const [dataset, row] = record({ kind, i, ...values[2 * k + i], withdraw: false });
            byDataset.set(dataset, [...(byDataset.get(dataset) ?? []), row]);
          }
        });
        let chain = seed(db);
        for (const [dataset, rows] of byDataset) {
          // Entities with one record per world (the priority plot, the parcel) were drawn twice: one each.
          const unique = new Map(
            rows.map((row) => [JSON.stringify(datasetByName(dataset)?.key.map((f) => row[f])), row]),
          );
          chain = chain.records(dataset, [...unique.values()]);
        }
        await chain;
        await evaluateAndCompare(run, null, JSON.stringify({ values }));
        for (const step of ops) {
          const [dataset, changed] = record(step);
          const after = await evaluateAndCompare(
            run,
            { dataset, record: { ...changed, deleted: step.withdraw } },
            JSON.stringify({ step, values, ops }),
          );
          for (const alert of after) states[alert.state] = (states[alert.state] ?? 0) + 1;
        }
      }),
      { numRuns: 2, endOnFailure: true },
    );
    // The runs met both ends of an alert's life (a property over nothing would hold as well).
    expect(states.OPEN).toBeGreaterThan(0);
    expect(states.RESOLVED).toBeGreaterThan(0);
    // Each alert's evidence records are in alert_record, by which a per-key run finds what to resolve (it then
    // checks the candidates' own evidence), and nothing else: over the whole shared table, so that a file that
    // deletes its alerts must take their rows too (disclosure.test once left 10, which failed this check).
    const records = await sql<{ rule: string; record: string; alert_id: string; missing: boolean }[]>`
      with evidence as (
        select a.rule, (e->>'dataset') || (e->'key')::text as record, a.id as alert_id
        from alert a cross join jsonb_array_elements(a.evidence) e
      )
      select *, true as missing from (select * from evidence except select * from alert_record) x
      union all
      select *, false as missing from (select * from alert_record except select * from evidence) x`;
    expect(records).toEqual([]);
  });
});
