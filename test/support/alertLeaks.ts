import { isDeepStrictEqual } from 'node:util';
import type { Dataset } from '../../src/catalog/define.js';
import { datasetByName } from '../../src/catalog/registry.js';
import type { GeoPoint, GeoPolygon } from '../../src/domain/geometry.js';
import type { EvidenceRecord, Measure, Rule } from '../../src/supervision/rule.js';
import { closedEnterpriseUnscreened } from '../../src/supervision/rules/closedEnterpriseUnscreened.js';
import { exceedsScreeningUninvestigated } from '../../src/supervision/rules/exceedsScreeningUninvestigated.js';
import { irrigationWaterFailed } from '../../src/supervision/rules/irrigationWaterFailed.js';
import { registerSiteSensitiveUse } from '../../src/supervision/rules/registerSiteSensitiveUse.js';
import {
  AWAY,
  districtOf,
  type ExtraCaller,
  type Fixture,
  type FixtureOptions,
  fieldMode,
  type Row,
  rowMode,
  type View,
  visible,
} from './leaks.js';
import { GB36600_SCREENING, insideRing, sharedArea } from './supervision.js';

/**
 * The leak oracle of supervision alerts: a canary fixture on which real rules find situations, the callers
 * that vary what is read of them, and what each caller must see, computed from the records and the access
 * oracle of leaks.ts (never from src/supervision/alerts.ts).
 *
 * The rules differ in what they read: a spatial pair of OPEN and PUBLIC records (REGISTER_SITE_SENSITIVE_USE),
 * an absence (CLOSED_ENTERPRISE_UNSCREENED), a measure from CONDITIONAL fields (EXCEEDS_SCREENING_UNINVESTIGATED),
 * and a pair whose two owners each lack the other's CONDITIONAL field (IRRIGATION_WATER_FAILED).
 */

export const ALERT_RULES: readonly Rule[] = [
  registerSiteSensitiveUse,
  closedEnterpriseUnscreened,
  exceedsScreeningUninvestigated,
  irrigationWaterFailed,
];

const dataset = (name: string) => datasetByName(name) as Dataset;

/** The datasets planted: the rules' evidence, and the screening ledger whose absence one rule finds. */
// Shapes of a later dataset sit a little north-east of an earlier one's: each point lies inside the
// polygons listed before it (the wells on the farmland, the samples on the rezoned plots).
export const ALERT_DATASETS: readonly Dataset[] = [
  'farmlandClass',
  'landUseChange',
  'contaminatedSite',
  'closedEnterprise',
  'siteScreening',
  'soilMonitoringNetwork',
  'irrigationWell',
].map(dataset);

/** Entity i of each dataset; the negative cases (no situation) are noted where they are made. */
export const alertFixture = (): FixtureOptions => ({
  datasets: ALERT_DATASETS,
  // A corner of the map no other test uses (the supervision tests use 115.4–115.55 E, the leak tests 95–105 E).
  origin: {
    lon: Number((106 + Math.random() * 1.5).toFixed(4)),
    lat: Number((36 + Math.random() * 1.5).toFixed(4)),
  },
  adjust: (row) => {
    const i = row.index;
    switch (row.dataset.name) {
      case 'contaminatedSite':
        // Site 2 is off the register: rezoned plot 2 overlaps it without a situation.
        return { status: i === 2 ? 'REMOVED' : 'LISTED' };
      case 'siteScreening':
        // Closure 0 is screened in its district; entry 1 is in another district than closure 1, so it does
        // not count (the disclosure case: that district may not read it). Entries 2 and 3 are not planted.
        return i <= 1 ? {} : null;
      case 'soilMonitoringNetwork':
        // Point 1 is farmland: construction-land screening values do not apply.
        return { landType: i === 1 ? 'FARMLAND' : 'CONSTRUCTION_LAND' };
      case 'irrigationWell':
        // Well 3 passed its last test.
        return { lastTestResult: i === 3 ? 'COMPLIANT' : 'NON_COMPLIANT' };
      default:
        return {};
    }
  },
});

/**
 * Callers beyond the leak world's: the other district; a department that may act on any alert and holds
 * grants of every CONDITIONAL field the rules read (and personal ones, which it reads masked); one that sees
 * every alert but holds, of the fields the measure and the irrigation rule need, one only (the other expired).
 */
export const ALERT_CALLERS: readonly ExtraCaller[] = [
  { label: `DISTRICT_${AWAY}`, kind: 'DISTRICT', code: AWAY },
  {
    label: 'ALERT_READER',
    kind: 'DEPARTMENT',
    prefix: 'LKS',
    capabilities: ['actOnAllAlerts'],
    grants: [
      { dataset: 'soilMonitoringNetwork', fields: ['location', 'results'] },
      { dataset: 'irrigationWell', fields: ['lastTestResult'] },
      { dataset: 'farmlandClass', fields: ['boundary'] },
      { dataset: 'landUseChange', fields: ['rightHolderContact'] },
      { dataset: 'closedEnterprise', fields: ['legalRepresentative'] },
    ],
  },
  {
    label: 'ALERT_PARTIAL',
    kind: 'DEPARTMENT',
    prefix: 'LKP',
    capabilities: ['seeAllAlerts'],
    grants: [
      { dataset: 'soilMonitoringNetwork', fields: ['location'] },
      { dataset: 'soilMonitoringNetwork', fields: ['results'], state: 'EXPIRED' },
      { dataset: 'farmlandClass', fields: ['boundary'] },
      { dataset: 'irrigationWell', fields: ['lastTestResult'], state: 'REVOKED' },
    ],
  },
];

/** A situation the test expects a rule to find on the fixture, worked out from its rows. */
export interface ExpectedSituation {
  rule: Rule;
  evidence: Row[];
  district: string | null;
  measure: Measure | null;
}

const dateOf = (day: string) => Date.parse(`${day}T00:00:00Z`);
const DAY = 86_400_000;

/** The situations on the fixture, by the plans' words in SUPERVISION.md, with the database's today. */
export function expectedSituations(fx: Fixture, today: string): ExpectedSituation[] {
  const rows = (name: string) => fx.rowsOf(dataset(name));
  const found: ExpectedSituation[] = [];
  const plots = rows('landUseChange');
  for (const plot of plots) {
    for (const site of rows('contaminatedSite')) {
      if (site.values.status !== 'LISTED') continue;
      const area = sharedArea(plot.values.boundary as GeoPolygon, site.values.boundary as GeoPolygon);
      if (area > 0) {
        found.push({
          rule: registerSiteSensitiveUse,
          evidence: [plot, site],
          district: districtOf(plot) ?? null,
          measure: { kind: 'OVERLAP_AREA_M2', value: area },
        });
      }
    }
  }
  // A ledger entry counts in its own district only (the rule consults the closure's district).
  const screened = new Set(rows('siteScreening').map((s) => `${districtOf(s)} ${s.values.creditCode}`));
  for (const firm of rows('closedEnterprise')) {
    const closedOn = firm.values.closedOn as string;
    const due = `${Number(closedOn.slice(0, 4)) + 1}-12-31`;
    if (screened.has(`${districtOf(firm)} ${firm.values.creditCode}`) || today <= due) continue;
    found.push({
      rule: closedEnterpriseUnscreened,
      evidence: [firm],
      district: districtOf(firm) ?? null,
      measure: { kind: 'DAYS_OVERDUE', value: (dateOf(today) - dateOf(due)) / DAY },
    });
  }
  // No priority plot, remediation stage or 暂不开发 ledger entry is planted: no point is investigated.
  for (const sample of rows('soilMonitoringNetwork')) {
    if (sample.values.landType !== 'CONSTRUCTION_LAND') continue;
    const at = (sample.values.location as GeoPoint).coordinates;
    // Its land is first class where a rezoned plot of its own district holds it.
    const firstClass = plots.some(
      (p) => districtOf(p) === districtOf(sample) && insideRing(at, p.values.boundary as GeoPolygon),
    );
    const ratio = Math.max(
      ...(sample.values.results as { analyte: string; value: number }[]).map(
        (r) => r.value / GB36600_SCREENING[r.analyte][firstClass ? 0 : 1],
      ),
    );
    const sampledOn = sample.values.sampledOn as string;
    const yearOn = `${Number(sampledOn.slice(0, 4)) + 1}${sampledOn.slice(4)}`;
    if (ratio <= 1 || yearOn > today) continue;
    found.push({
      rule: exceedsScreeningUninvestigated,
      evidence: [sample],
      district: districtOf(sample) ?? null,
      measure: { kind: 'EXCEEDANCE_RATIO', value: ratio },
    });
  }
  for (const well of rows('irrigationWell')) {
    if (well.values.lastTestResult !== 'NON_COMPLIANT') continue;
    const at = (well.values.location as GeoPoint).coordinates;
    for (const parcel of rows('farmlandClass')) {
      if (!insideRing(at, parcel.values.boundary as GeoPolygon)) continue;
      found.push({
        rule: irrigationWaterFailed,
        evidence: [well, parcel],
        district: districtOf(well) ?? null,
        measure: null,
      });
    }
  }
  return found;
}

/** The fixture row an evidence record names, by dataset and natural key; undefined for another test's. */
export function fixtureRow(fx: Fixture, record: Pick<EvidenceRecord, 'dataset' | 'key'>): Row | undefined {
  const declared = datasetByName(record.dataset);
  if (!declared) return undefined;
  return fx
    .rowsOf(declared)
    .find((row) => declared.key.every((k) => isDeepStrictEqual(String(row.values[k]), record.key[k])));
}

/**
 * An evidence record as the access oracle reads it: the fixture row, or for another test's record a row
 * made of what the oracle needs (its dataset, district and publisher).
 */
export function evidenceRow(fx: Fixture, record: EvidenceRecord): Row {
  const found = fixtureRow(fx, record);
  if (found) return found;
  const declared = dataset(record.dataset);
  return {
    dataset: declared,
    index: -1,
    src: '',
    publisher: record.publisher,
    values: declared.districtField ? { [declared.districtField]: record.district } : {},
  };
}

/** The fields an evidence record of a rule tells of: those the rule reads, the key and the district. */
export function toldFields(rule: Rule, of: Dataset): string[] {
  return [
    ...new Set([...(rule.reads[of.name] ?? []), ...of.key, ...(of.districtField ? [of.districtField] : [])]),
  ];
}

/**
 * Whether an alert is in a caller's scope (SUPERVISION.md): those who must act on its rule (a district: its
 * district's; with OWNER among the actors, the publisher of an evidence record), ECOLOGY and the auditor
 * all, and a principal given the capability to see or act on all.
 */
export function inScope(
  v: View,
  rule: Rule,
  district: string | null,
  evidence: readonly Pick<Row, 'publisher'>[],
): boolean {
  const c = v.caller;
  return (
    c.kind === 'AUDITOR' ||
    c.code === 'ECOLOGY' ||
    c.capabilities.includes('seeAllAlerts') ||
    c.capabilities.includes('actOnAllAlerts') ||
    rule.actors.includes(c.code) ||
    (c.kind === 'DISTRICT' && district === c.code) ||
    (rule.actors.includes('OWNER') && evidence.some((row) => row.publisher === c.code))
  );
}

/** Whether the caller reads an evidence record: its row, and every field the rule tells of it, in clear. */
export function readsEvidence(v: View, rule: Rule, row: Row): boolean {
  // A record the rule picked among others of its dataset (`ranks`): the publisher's own rows are not enough.
  const mode = rule.ranks?.includes(row.dataset.name)
    ? (f: string) => fieldMode(v, row.dataset, f)
    : (f: string) => rowMode(v, row, f);
  return visible(v, row) && toldFields(rule, row.dataset).every((f) => mode(f) === 'CLEAR');
}

/**
 * Whether the caller reads in clear, on every row, the fields the rule tells of the datasets it consults
 * (whose records decide a situation without being its evidence).
 */
export function readsConsulted(v: View, rule: Rule): boolean {
  return (rule.consults ?? []).every((name) =>
    toldFields(rule, dataset(name)).every((f) => fieldMode(v, dataset(name), f) === 'CLEAR'),
  );
}

/**
 * The oracle: an alert exists for a caller only in its scope, with every evidence record read in clear, and
 * every consulted dataset read in clear.
 */
export function seesAlert(v: View, rule: Rule, evidence: readonly Row[], district: string | null): boolean {
  return (
    inScope(v, rule, district, evidence) &&
    readsConsulted(v, rule) &&
    evidence.every((row) => readsEvidence(v, rule, row))
  );
}

/**
 * The fixture as a caller may know it for a rule: the rows it sees, with every field the rule tells of them
 * in clear. What a caller sees of the rule's alerts must be found on these rows alone (noninterference).
 */
export function readableFixture(fx: Fixture, v: View, rule: Rule): Fixture {
  const kept = fx.rows.filter((row) => readsEvidence(v, rule, row));
  return { ...fx, rows: kept, rowsOf: (of) => kept.filter((row) => row.dataset === of) };
}
