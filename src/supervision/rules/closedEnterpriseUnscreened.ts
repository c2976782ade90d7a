import { PLANS } from '../../catalog/plans.js';
import { defineRule, type EvidenceRecord } from '../rule.js';

/**
 * A closed enterprise whose former site has no entry on the screening ledger after its deadline: the
 * districts screen the previous year's closures every year, so a closure is due by the end of the year
 * after it. "Today" is the database's current_date; the measure is the days past that deadline.
 */
export const closedEnterpriseUnscreened = defineRule({
  id: 'CLOSED_ENTERPRISE_UNSCREENED',
  zh: '关停企业原址用地逾期未筛查',
  en: 'A closed enterprise’s site not screened by its deadline',
  description: {
    zh: '关停、搬迁或注销企业在关停次年年底前未列入原址用地筛查台账',
    en: 'A closed, relocated or deregistered enterprise has no site screening ledger entry by the end of the year after its closure',
  },
  basis: { plan: PLANS.fyp14, article: '二(二)1', quote: '各区每年开展上一年度关停企业原址用地筛查' },
  severity: 'MEDIUM',
  actors: ['ECOLOGY', 'DISTRICT'],
  // Every closedEnterprise row is a closure (关停/搬迁/注销); a live ledger entry under its code is a screening.
  reads: { closedEnterprise: ['closedOn'], siteScreening: [] },
  // The ledger entry that would end the situation, in the closure's district.
  consults: ['siteScreening'],
  // Per key: the entry that ends the situation shares the closure's key (creditCode), so a changed entry
  // names the closure it ends or reopens. Deadlines passing are the nightly full evaluation's.
  incremental: {
    roles: [['closedEnterprise']],
    via: {
      closedEnterprise: ({ sql, table, column, changed }) => sql`
        select c.id from ${table('closedEnterprise')} c
        join ${table('siteScreening')} s
          on s.${column('siteScreening', 'creditCode')} = c.${column('closedEnterprise', 'creditCode')}
        where ${changed('siteScreening', 's')}`,
    },
  },
  async find({ sql, table, column, record, affected, sameDistrict }) {
    const closedOn = column('closedEnterprise', 'closedOn');
    const rows = await sql<{ firm: EvidenceRecord; overdue: number }[]>`
      select ${record('closedEnterprise', 'c')} as firm,
             (current_date - make_date(extract(year from c.${closedOn})::int + 1, 12, 31))::int as overdue
      from ${table('closedEnterprise')} c
      where not c.deleted and ${affected('closedEnterprise', 'c')}
        and current_date > make_date(extract(year from c.${closedOn})::int + 1, 12, 31)
        and not exists (
          select 1 from ${table('siteScreening')} s
          where not s.deleted and ${sameDistrict('siteScreening', 's', 'closedEnterprise', 'c')}
            and s.${column('siteScreening', 'creditCode')} = c.${column('closedEnterprise', 'creditCode')})`;
    return rows.map((row) => ({
      evidence: [row.firm],
      district: row.firm.district,
      measure: { kind: 'DAYS_OVERDUE' as const, value: row.overdue },
    }));
  },
});
