import { PLANS } from '../../catalog/plans.js';
import { asFigure, defineIndicator } from './indicator.js';

/**
 * 受污染耕地安全利用率, in mu. How the definition maps onto the fields:
 * - denominator: areaMu of live farmlandClass parcels whose qualityClass is SAFE_USE or STRICT_CONTROL, classed
 *   by the period's end (classifiedOn on or before it, or unknown: the class is the current one, the dataset
 *   keeps no history);
 * - numerator: of each such parcel, the area under a measure of the period's year with effectConfirmed,
 *   counted once per parcel (measures overlap on the same land: the largest, at most the parcel's area);
 * - choices where the plans are vague: a confirmed measure of either kind (安全利用 or 严格管控) counts, as the
 *   definition lists them together; the dataset is yearly, so a quarter's figure is its year's measures as
 *   recorded so far; a measure counts only in its parcel's district (a district's figure is its own records).
 */
export const farmlandSafeUse = defineIndicator({
  id: 'FARMLAND_SAFE_USE_RATE',
  zh: '受污染耕地安全利用率',
  en: 'Safe use rate of contaminated farmland',
  definition: {
    zh: '安全利用类和严格管控类耕地中，落实安全利用或严格管控措施且效果经确认的面积 ÷ 两类耕地总面积',
    en: 'Area of safe-use and strict-control farmland under a safe-use or strict-control measure whose effect is confirmed ÷ the total area of both classes',
  },
  unit: { code: 'mu', zh: '亩', en: 'mu' },
  target: {
    atLeast: 0.95,
    basis: [
      { plan: PLANS.fyp14, article: '主要指标', quote: '受污染耕地安全利用率达到95%以上' },
      { plan: PLANS.actionPlan2024, article: '主要目标', quote: '受污染耕地安全利用率达到95%以上' },
    ],
    note: { zh: '不低于 95%', en: 'at least 95%' },
  },
  reads: {
    farmlandClass: ['qualityClass', 'areaMu', 'classifiedOn'],
    safeUseMeasure: ['areaMu', 'effectConfirmed'],
  },
  async compute({ sql, table, column }, period, district) {
    const f = (field: string) => sql`f.${column('farmlandClass', field)}`;
    const m = (field: string) => sql`m.${column('safeUseMeasure', field)}`;
    const rows = await sql<{ district: string; numerator: string; denominator: string }[]>`
      with parcels as (
        select ${f('district')} as district, ${f('parcelCode')} as parcel, ${f('areaMu')} as area
        from ${table('farmlandClass')} f
        where not f.deleted and ${f('qualityClass')} in ('SAFE_USE', 'STRICT_CONTROL')
          and (${f('classifiedOn')} is null or ${f('classifiedOn')} <= ${period.to}::date)
          ${district ? sql`and ${f('district')} = ${district}` : sql``}
      ), treated as (
        select ${m('district')} as district, ${m('parcelCode')} as parcel, max(${m('areaMu')}) as area
        from ${table('safeUseMeasure')} m
        where not m.deleted and ${m('year')} = ${period.year} and ${m('effectConfirmed')}
          ${district ? sql`and ${m('district')} = ${district}` : sql``}
        group by 1, 2
      )
      select p.district, sum(least(p.area, coalesce(t.area, 0)))::text as numerator,
             sum(p.area)::text as denominator
      from parcels p
      left join treated t on t.parcel = p.parcel and t.district = p.district
      group by p.district`;
    return rows.map((row) => ({
      district: row.district,
      numerator: asFigure(row.numerator),
      denominator: asFigure(row.denominator),
    }));
  },
});
