import type postgres from 'postgres';
import { assertSeeIndicatorsOf } from '../../access/actions.js';
import type { EffectiveAccess } from '../../access/effectiveAccess.js';
import type { AuditAction } from '../../audit/trail.js';
import { datasetByName } from '../../catalog/registry.js';
import type { ReferenceData } from '../../datasets/reference.js';
import { badInput } from '../../errors.js';
import { ruleQuery } from '../rule.js';
import { indicators } from './index.js';
import type { Indicator, Period } from './indicator.js';

/**
 * The indicators as a caller may see them. Scope: a district its own district's figures, everyone else every
 * district's and the city's (canSeeIndicatorsOf). Disclosure: an indicator aggregates records, so a caller
 * sees it only if it reads in clear every field it reads (its `reads`, the keys and districts), on every row
 * (the publisher's own rows do not count: a figure mixes them with others'). An indicator it may not see is
 * listed as withheld with the fields it lacks; nothing of it is computed. A district's figure is computed
 * from that district's records only, whoever asks, so the district and the ecology bureau see one number.
 */

export const FIRST_YEAR = 2000;
export const LAST_YEAR = 2100;

export interface IndicatorFigure {
  indicator: Indicator;
  /** GB/T 2260 code, or null for the whole city. */
  district: string | null;
  numerator: number;
  denominator: number;
  /** numerator ÷ denominator; null when there is nothing to measure (denominator 0). */
  value: number | null;
  met: boolean | null;
}

export interface WithheldIndicator {
  indicator: Indicator;
  /** `dataset.field` the caller does not read in clear. */
  fields: string[];
}

export interface IndicatorReport {
  period: Period;
  /** The areas reported, in order: districts by code, then the city (null) when the caller sees it. */
  areas: (string | null)[];
  figures: IndicatorFigure[];
  withheld: WithheldIndicator[];
}

export interface IndicatorRequest {
  year: number;
  quarter?: number | null;
  district?: string | null;
}

/** The period of a year or quarter, or a bilingual BAD_USER_INPUT. */
export function periodOf(year: number, quarter: number | null | undefined): Period {
  if (!Number.isInteger(year) || year < FIRST_YEAR || year > LAST_YEAR) {
    throw badInput(
      `年份须为 ${FIRST_YEAR}–${LAST_YEAR} 的整数（收到 ${year}） / year must be a whole number from ${FIRST_YEAR} to ${LAST_YEAR} (got ${year})`,
      { argument: 'year' },
    );
  }
  if (quarter != null && !(Number.isInteger(quarter) && quarter >= 1 && quarter <= 4)) {
    throw badInput(`季度须为 1–4（收到 ${quarter}） / quarter must be 1 to 4 (got ${quarter})`, {
      argument: 'quarter',
    });
  }
  const pad = (n: number) => String(n).padStart(2, '0');
  if (quarter == null) return { year, quarter: null, from: `${year}-01-01`, to: `${year}-12-31` };
  const lastMonth = quarter * 3;
  const lastDay = new Date(Date.UTC(year, lastMonth, 0)).getUTCDate();
  return {
    year,
    quarter,
    from: `${year}-${pad(lastMonth - 2)}-01`,
    to: `${year}-${pad(lastMonth)}-${pad(lastDay)}`,
  };
}

/** Fields an indicator's figures depend on, as `dataset.field`: its reads, each dataset's key and district. */
export function indicatorFields(indicator: Indicator): { dataset: string; field: string }[] {
  return Object.entries(indicator.reads).flatMap(([name, fields]) => {
    const dataset = datasetByName(name);
    if (!dataset) throw new Error(`indicator ${indicator.id}: no dataset ${name}`);
    const all = new Set([
      ...fields,
      ...dataset.key,
      ...(dataset.districtField ? [dataset.districtField] : []),
    ]);
    return [...all].map((field) => ({ dataset: name, field }));
  });
}

/** The fields of an indicator a caller does not read in clear, as `dataset.field` (none: it may see it). */
export function fieldsNotClear(access: EffectiveAccess, indicator: Indicator): string[] {
  return indicatorFields(indicator)
    .filter(({ dataset, field }) => {
      const declared = datasetByName(dataset);
      return !declared || !access.readsClear(declared, field);
    })
    .map(({ dataset, field }) => `${dataset}.${field}`);
}

/** The indicator service of one request. */
export class Indicators {
  constructor(
    private readonly sql: postgres.Sql,
    private readonly access: EffectiveAccess,
    private readonly reference: ReferenceData,
  ) {}

  /** The areas a request covers, checked against the caller's scope. */
  areas(district: string | null | undefined): (string | null)[] {
    const me = this.access.principal;
    if (district != null) {
      if (!this.reference.districts.has(district)) {
        throw badInput(
          `未知的区划代码 ${JSON.stringify(district.slice(0, 20))}：请用 GB/T 2260 代码，如 110105 / unknown district code: use a GB/T 2260 code such as 110105`,
          { argument: 'district' },
        );
      }
      assertSeeIndicatorsOf(me, district);
      return [district];
    }
    if (me.kind === 'DISTRICT') return [me.code];
    return [...[...this.reference.districts.keys()].sort(), null];
  }

  async report(request: IndicatorRequest): Promise<IndicatorReport> {
    const period = periodOf(request.year, request.quarter);
    const areas = this.areas(request.district);
    const only = areas.length === 1 ? areas[0] : null;
    const figures: IndicatorFigure[] = [];
    const withheld: WithheldIndicator[] = [];
    for (const indicator of indicators) {
      const missing = fieldsNotClear(this.access, indicator);
      if (missing.length) {
        withheld.push({ indicator, fields: missing });
        continue;
      }
      const rows = await indicator.compute(ruleQuery(this.sql, indicator, {}), period, only);
      const byDistrict = new Map(rows.map((row) => [row.district, row]));
      for (const area of areas) {
        const counted = area === null ? rows : byDistrict.has(area) ? [byDistrict.get(area)] : [];
        const numerator = round(counted.reduce((sum, row) => sum + (row?.numerator ?? 0), 0));
        const denominator = round(counted.reduce((sum, row) => sum + (row?.denominator ?? 0), 0));
        const value = denominator > 0 ? numerator / denominator : null;
        const met = value === null ? null : value >= indicator.target.atLeast - 1e-9;
        figures.push({ indicator, district: area, numerator, denominator, value, met });
      }
    }
    return { period, areas, figures, withheld };
  }
}

const round = (n: number) => Math.round(n * 100) / 100;

/** What an indicator request read, for its audit record: the period, the areas, what was shown and withheld. */
export function indicatorAudit(report: IndicatorReport): AuditAction {
  return {
    action: 'INDICATORS',
    year: report.period.year,
    quarter: report.period.quarter,
    areas: report.areas,
    indicators: [...new Set(report.figures.map((f) => f.indicator.id))],
    withheld: report.withheld.map((w) => w.indicator.id),
  };
}
