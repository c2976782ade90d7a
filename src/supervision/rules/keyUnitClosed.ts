import { PLANS } from '../../catalog/plans.js';
import { defineRule, type EvidenceRecord } from '../rule.js';

/**
 * A key supervised unit that closed (its credit code among the closed enterprises) with no demolition
 * pollution-prevention plan filed for the closure, or no screening ledger entry. Filings made long before
 * the closure are for upgrades of a working plant, so only those from `filingLeadDays` before the closure
 * on count. The evidence is the closure and the unit's latest listing; the measure, days since the closure.
 */
export const keyUnitClosed = defineRule({
  id: 'KEY_UNIT_CLOSED',
  zh: '重点监管单位关停未备案拆除方案或未筛查',
  en: 'A key supervised unit closed without a demolition plan or a screening',
  description: {
    zh: '重点监管单位出现在关停退出企业中（统一社会信用代码相同），但未备案拆除活动污染防治方案，或未列入原址用地筛查台账',
    en: 'A key supervised unit appears among closed enterprises (same credit code) without a demolition pollution-prevention plan on file for its closure, or without a site screening ledger entry',
  },
  basis: {
    plan: PLANS.national,
    article: '(十八)',
    quote: '拆除设施 … 制定残留污染物清理和安全处置方案',
  },
  severity: 'HIGH',
  actors: ['ECOLOGY', 'DISTRICT'],
  reads: {
    keySupervisedUnit: [],
    closedEnterprise: ['closedOn'],
    demolitionFiling: ['filedOn'],
    siteScreening: [],
  },
  // The filing and the ledger entry that would end the situation, in the closure's district; the unit's
  // latest listing there is the evidence.
  consults: ['demolitionFiling', 'siteScreening'],
  ranks: ['keySupervisedUnit'],
  // Per key: every record the situation depends on carries the closure's key (creditCode) in its own key,
  // so each change names the closure it concerns, and every alert of a closure has it in its evidence.
  incremental: {
    roles: [['closedEnterprise']],
    via: {
      closedEnterprise: ({ sql, table, column, changed }) => {
        const byCode = (dataset: string) => sql`
          select c.id from ${table('closedEnterprise')} c
          join ${table(dataset)} x on x.${column(dataset, 'creditCode')} = c.${column('closedEnterprise', 'creditCode')}
          where ${changed(dataset, 'x')}`;
        return sql`${byCode('keySupervisedUnit')} union ${byCode('demolitionFiling')} union ${byCode('siteScreening')}`;
      },
    },
  },
  parameters: {
    filingLeadDays: {
      zh: '关停前可计入的备案天数',
      en: 'Days before the closure a filing may be dated',
      unit: 'd',
      default: 180,
      min: 0,
      max: 3650,
    },
  },
  async find({ sql, params, table, column, record, affected, sameDistrict }) {
    const code = (dataset: string) => column(dataset, 'creditCode');
    const closedOn = column('closedEnterprise', 'closedOn');
    const rows = await sql<{ unit: EvidenceRecord; firm: EvidenceRecord; days: number }[]>`
      select ${record('keySupervisedUnit', 'k')} as unit, ${record('closedEnterprise', 'c')} as firm,
             (current_date - c.${closedOn})::int as days
      from ${table('closedEnterprise')} c
      join lateral (
        select * from ${table('keySupervisedUnit')} k
        where not k.deleted and k.${code('keySupervisedUnit')} = c.${code('closedEnterprise')}
          and ${sameDistrict('keySupervisedUnit', 'k', 'closedEnterprise', 'c')}
        order by k.${column('keySupervisedUnit', 'listedYear')} desc limit 1
      ) k on true
      where not c.deleted and ${affected('closedEnterprise', 'c')}
        and (
          not exists (
            select 1 from ${table('demolitionFiling')} d
            where not d.deleted and d.${code('demolitionFiling')} = c.${code('closedEnterprise')}
              and ${sameDistrict('demolitionFiling', 'd', 'closedEnterprise', 'c')}
              and d.${column('demolitionFiling', 'filedOn')} >= c.${closedOn} - ${params.filingLeadDays}::int)
          or not exists (
            select 1 from ${table('siteScreening')} s
            where not s.deleted and s.${code('siteScreening')} = c.${code('closedEnterprise')}
              and ${sameDistrict('siteScreening', 's', 'closedEnterprise', 'c')}))`;
    return rows.map((row) => ({
      evidence: [row.unit, row.firm],
      district: row.firm.district,
      measure: { kind: 'DAYS_OVERDUE' as const, value: row.days },
    }));
  },
});
