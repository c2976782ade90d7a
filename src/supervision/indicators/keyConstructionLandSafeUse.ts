import { PLANS } from '../../catalog/plans.js';
import { pgPolygonToGeoJson } from '../../domain/geometry.js';
import { overlapAreaM2 } from '../geometry.js';
import { finishedLifecycles, permitPlacePairs, REDEVELOPMENT_READS } from '../redevelopment.js';
import { type DistrictFigure, defineIndicator } from './indicator.js';

/**
 * 重点建设用地安全利用率, in plots. How the definition maps onto the fields:
 * - "plots on the register or needing investigation": contaminatedSite rows (listed or removed) and
 *   priorityPlot rows;
 * - "redeveloped": a constructionPermit (issuedOn) or the planning permit of a rezoned plot (landUseChange
 *   planningPermitNo, permitDate) dated within the period on land overlapping the plot (GiST `&&` for
 *   candidates, turf for an overlap of more than 0 m²): the denominator counts each such plot once;
 * - "after meeting the requirements": its lifecycle (remediationStage) finished on or before its first such
 *   permit in the period: effect evaluation or removal from the register finished, or a risk assessment
 *   that found the risk acceptable, as PERMIT_BEFORE_REMEDIATION reads it (an unsafe plot is that rule's alert);
 * - choices: a permit counts only in the plot's own district (a district's figure is its own records), so
 *   a permit across a district border is not counted.
 */
export const keyConstructionLandSafeUse = defineIndicator({
  id: 'KEY_CONSTRUCTION_LAND_SAFE_USE_RATE',
  zh: '重点建设用地安全利用率',
  en: 'Safe use rate of key construction land',
  definition: {
    zh: '本期开发利用的名录地块和优先监管地块中，调查评估、风险管控或修复及效果评估完成后方取得许可的地块数 ÷ 本期开发利用的此类地块总数',
    en: 'Register sites and priority plots redeveloped in the period (a construction or planning permit on them) whose investigation, remediation and effect evaluation were finished before the permit ÷ all such plots redeveloped',
  },
  unit: { code: 'plot', zh: '块', en: 'plots' },
  target: {
    atLeast: 1,
    basis: [
      { plan: PLANS.actionPlan2024, article: '主要目标', quote: '重点建设用地安全利用得到有效保障' },
      { plan: PLANS.fyp14, article: '二(三)3', quote: '合理安排土地供应和相关规划许可证的发放时序' },
    ],
    note: {
      zh: '100%；未达标的须当年处罚并整改到位（整改后不低于 95%）',
      en: '100%; short of it, penalties and rectification within the year (at least 95% after them)',
    },
  },
  reads: REDEVELOPMENT_READS,
  async compute(query, period, district) {
    const { sql, table, column } = query;
    const pairs = permitPlacePairs(query, (permit, place) => {
      const x = (field: string) => sql`x.${column(permit.dataset, field)}`;
      const y = (field: string) => sql`y.${column(place.dataset, field)}`;
      return sql`
        select ${place.dataset}::text as kind, ${y(place.code)} as code, ${y('district')} as district,
               ${x(permit.date)} as issued_on, ${x('boundary')}::text as a, ${y('boundary')}::text as b
        from ${table(permit.dataset)} x
        join ${table(place.dataset)} y on ${y('boundary')} && ${x('boundary')} and ${y('district')} = ${x('district')}
        where not x.deleted and not y.deleted ${permit.only}
          and ${x(permit.date)} between ${period.from}::date and ${period.to}::date
          ${district ? sql`and ${y('district')} = ${district}` : sql``}`;
    });
    const rows = await sql<
      {
        kind: string;
        code: string;
        district: string;
        issued_on: string;
        finished_on: string | null;
        a: string;
        b: string;
      }[]
    >`
      with finished as (${finishedLifecycles(query)})
      select pairs.kind, pairs.code, pairs.district, pairs.issued_on::text, finished.on_::text as finished_on,
             pairs.a, pairs.b
      from (${pairs}) pairs
      left join finished on finished.code = pairs.code and finished.district = pairs.district`;
    // Per plot: the first permit in the period that truly overlaps it, and whether its lifecycle preceded it.
    const plots = new Map<string, { district: string; first: string; finished: string | null }>();
    for (const row of rows) {
      if (overlapAreaM2(pgPolygonToGeoJson(row.a), pgPolygonToGeoJson(row.b)) <= 0) continue;
      const id = `${row.kind}:${row.code}`;
      const known = plots.get(id);
      if (!known || row.issued_on < known.first)
        plots.set(id, { district: row.district, first: row.issued_on, finished: row.finished_on });
    }
    const byDistrict = new Map<string, DistrictFigure>();
    for (const plot of plots.values()) {
      const figure = byDistrict.get(plot.district) ?? {
        district: plot.district,
        numerator: 0,
        denominator: 0,
      };
      figure.denominator += 1;
      if (plot.finished !== null && plot.finished <= plot.first) figure.numerator += 1;
      byDistrict.set(plot.district, figure);
    }
    return [...byDistrict.values()];
  },
});
