import { PLANS } from '../../catalog/plans.js';
import { defineIndicator } from './indicator.js';

/**
 * 关停企业原址用地筛查完成率, in enterprises. How the definition maps onto the fields:
 * - denominator: live closedEnterprise rows whose closedOn lies in the year before the period's year (every
 *   row is a closure: 关停, 搬迁 or 注销);
 * - numerator: those with a live siteScreening entry under the same creditCode, screenedOn on or before the
 *   period's end;
 * - choices: the districts screen the previous year's closures during the year, so a quarter's figure is the
 *   progress so far and the target is met at 100%; an entry counts only in the enterprise's district.
 */
export const closedEnterpriseScreening = defineIndicator({
  id: 'CLOSED_ENTERPRISE_SCREENING_RATE',
  zh: '关停企业原址用地筛查完成率',
  en: 'Screening completion rate of closed enterprises’ sites',
  definition: {
    zh: '上一年度关停企业中已列入原址用地筛查台账的企业数 ÷ 上一年度关停企业总数',
    en: 'Enterprises closed in the previous year with a site screening ledger entry ÷ all enterprises closed in the previous year',
  },
  unit: { code: 'enterprise', zh: '家', en: 'enterprises' },
  target: {
    atLeast: 1,
    basis: [{ plan: PLANS.fyp14, article: '二(二)1', quote: '各区每年开展上一年度关停企业原址用地筛查' }],
    note: {
      zh: '当年年底前完成全部上一年度关停企业筛查（100%）；季度数为进度',
      en: 'every closure of the previous year screened by the end of the year (100%); a quarter’s figure is progress',
    },
  },
  reads: { closedEnterprise: ['closedOn'], siteScreening: ['screenedOn'] },
  async compute({ sql, table, column }, period, district) {
    const c = (field: string) => sql`c.${column('closedEnterprise', field)}`;
    const s = (field: string) => sql`s.${column('siteScreening', field)}`;
    const rows = await sql<{ district: string; numerator: string | number; denominator: string | number }[]>`
      select ${c('district')} as district, count(*) as denominator,
             count(*) filter (where exists (
               select 1 from ${table('siteScreening')} s
               where not s.deleted and ${s('creditCode')} = ${c('creditCode')} and ${s('district')} = ${c('district')}
                 and ${s('screenedOn')} <= ${period.to}::date)) as numerator
      from ${table('closedEnterprise')} c
      where not c.deleted
        and ${c('closedOn')} >= make_date(${period.year - 1}::int, 1, 1)
        and ${c('closedOn')} < make_date(${period.year}::int, 1, 1)
        ${district ? sql`and ${c('district')} = ${district}` : sql``}
      group by 1`;
    return rows.map((row) => ({
      district: row.district,
      numerator: Number(row.numerator),
      denominator: Number(row.denominator),
    }));
  },
});
