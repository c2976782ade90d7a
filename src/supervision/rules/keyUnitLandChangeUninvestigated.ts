import { PLANS } from '../../catalog/plans.js';
import { defineRule, type EvidenceRecord } from '../rule.js';

/**
 * A change of use, recovery or transfer of a key supervised unit's land (every landRightChange row is one)
 * with no soil investigation finished by its effective date. An investigation on file is an investigation
 * stage (初步调查, 详细调查 or 风险评估) with a finish date in the lifecycle of a priority plot whose source
 * ledger entry is the unit's credit code: the hub's datasets tie investigations to plots, and plots to the
 * enterprise whose site they are. The measure is the days since the change took effect.
 */
export const keyUnitLandChangeUninvestigated = defineRule({
  id: 'KEY_UNIT_LAND_CHANGE_UNINVESTIGATED',
  zh: '重点监管单位用地变更前未开展土壤污染状况调查',
  en: 'A key supervised unit’s land changed hands or use without an investigation',
  description: {
    zh: '重点监管单位用地用途变更或土地使用权收回、转让，生效前无已完成的土壤污染状况调查',
    en: 'The land of a key supervised unit changes use, is recovered or transferred with no soil investigation finished before the change takes effect',
  },
  basis: {
    plan: PLANS.fyp14,
    article: '二(一)2',
    quote: '用途变更或者在其土地使用权收回、转让前 … 进行土壤污染状况调查',
  },
  severity: 'HIGH',
  actors: ['PLANNING', 'ECOLOGY', 'DISTRICT'],
  reads: {
    landRightChange: ['creditCode', 'effectiveOn'],
    priorityPlot: ['sourceCreditCode'],
    remediationStage: ['stage', 'finishedOn'],
  },
  // The investigation that would end the situation: a priority plot and its stages in the change's district.
  consults: ['priorityPlot', 'remediationStage'],
  // Full run: a priority plot reaches the change by its source credit code, not part of its key, so a plot
  // whose code changed would not name the changes it no longer covers (the old value is gone).
  async find({ sql, table, column, record, sameDistrict }) {
    const effectiveOn = column('landRightChange', 'effectiveOn');
    const rows = await sql<{ change: EvidenceRecord; days: number }[]>`
      select ${record('landRightChange', 'e')} as change, (current_date - e.${effectiveOn})::int as days
      from ${table('landRightChange')} e
      where not e.deleted
        and not exists (
          select 1
          from ${table('priorityPlot')} p
          join ${table('remediationStage')} r
            on r.${column('remediationStage', 'plotCode')} = p.${column('priorityPlot', 'plotCode')}
          where not p.deleted and not r.deleted
            and ${sameDistrict('priorityPlot', 'p', 'landRightChange', 'e')}
            and ${sameDistrict('remediationStage', 'r', 'landRightChange', 'e')}
            and p.${column('priorityPlot', 'sourceCreditCode')} = e.${column('landRightChange', 'creditCode')}
            and r.${column('remediationStage', 'stage')}
              in ('PRELIMINARY_INVESTIGATION', 'DETAILED_INVESTIGATION', 'RISK_ASSESSMENT')
            and r.${column('remediationStage', 'finishedOn')} <= e.${effectiveOn})`;
    return rows.map((row) => ({
      evidence: [row.change],
      district: row.change.district,
      measure: { kind: 'DAYS_OVERDUE' as const, value: row.days },
    }));
  },
});
