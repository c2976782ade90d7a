import type postgres from 'postgres';
import type { ChangeQuery, RuleQuery } from './rule.js';

/**
 * Redevelopment of contaminated land, as PERMIT_BEFORE_REMEDIATION and 重点建设用地安全利用率 read it: a
 * permit (a construction permit, or the planning permit of a rezoned plot) on land overlapping a place (a
 * register site or a priority plot), and whether the place's lifecycle was finished before the permit.
 */

/** A permit: its dataset, the field of its date, and what makes a row one (a rezoned plot with a permit). */
export interface PermitKind {
  dataset: 'constructionPermit' | 'landUseChange';
  date: 'issuedOn' | 'permitDate';
  /** A condition on the row `x` (or nothing). */
  only: postgres.Fragment;
}

/** A place: its dataset and its code, the key its lifecycle rows (remediationStage.plotCode) carry. */
export interface PlaceKind {
  dataset: 'contaminatedSite' | 'priorityPlot';
  code: 'siteCode' | 'plotCode';
}

export function permitKinds({ sql, column }: Pick<RuleQuery, 'sql' | 'column'>): readonly PermitKind[] {
  return [
    { dataset: 'constructionPermit', date: 'issuedOn', only: sql`` },
    {
      dataset: 'landUseChange',
      date: 'permitDate',
      only: sql`and x.${column('landUseChange', 'planningPermitNo')} is not null`,
    },
  ];
}

export const REGISTER_SITE: PlaceKind = { dataset: 'contaminatedSite', code: 'siteCode' };
export const PLACE_KINDS: readonly PlaceKind[] = [
  REGISTER_SITE,
  { dataset: 'priorityPlot', code: 'plotCode' },
];

/** The fields a permit-before-lifecycle judgement depends on (the rule's and the indicator's `reads`). */
export const REDEVELOPMENT_READS = {
  constructionPermit: ['boundary', 'issuedOn'],
  landUseChange: ['boundary', 'planningPermitNo', 'permitDate'],
  contaminatedSite: ['boundary'],
  priorityPlot: ['boundary'],
  remediationStage: ['finishedOn', 'riskResult'],
} as const;

/** An incremental `via`: the places whose lifecycle rows (remediationStage, by plotCode) changed. */
export function placesWithChangedStage(place: PlaceKind) {
  return ({ sql, table, column, changed }: ChangeQuery) => sql`
    select p.id from ${table(place.dataset)} p
    join ${table('remediationStage')} r
      on r.${column('remediationStage', 'plotCode')} = p.${column(place.dataset, place.code)}
    where ${changed('remediationStage', 'r')}`;
}

/**
 * One branch per pair of permit and place datasets, joined by `branch` (the permit as `x`, the place as `y`),
 * as one `union all`: one join per pair of tables, so that each `&&` is answered by the place's GiST index.
 */
export function permitPlacePairs(
  query: Pick<RuleQuery, 'sql' | 'column'>,
  branch: (permit: PermitKind, place: PlaceKind) => postgres.PendingQuery<postgres.Row[]>,
): postgres.PendingQuery<postgres.Row[]> {
  const { sql } = query;
  return permitKinds(query)
    .flatMap((permit) => PLACE_KINDS.map((place) => branch(permit, place)))
    .reduce((all, part) => sql`${all} union all ${part}`);
}

/**
 * A place's lifecycle finished, per code and district (columns `code`, `district`, `on_`): the first day a
 * stage row finished the effect evaluation (效果评估) or the removal from the register, or a risk assessment
 * that found the risk acceptable (the plot then leaves supervision without works). Joined by the place's
 * code and its own district: the stages the rule consults are the place's district's.
 */
export function finishedLifecycles({ sql, table, column }: Pick<RuleQuery, 'sql' | 'table' | 'column'>) {
  const stage = (field: string) => sql`r.${column('remediationStage', field)}`;
  return sql`
    select ${stage('plotCode')} as code, ${stage('district')} as district, min(${stage('finishedOn')}) as on_
    from ${table('remediationStage')} r
    where not r.deleted and ${stage('finishedOn')} is not null
      and (${stage('stage')} in ('EFFECT_EVALUATION', 'REMOVED')
           or (${stage('stage')} = 'RISK_ASSESSMENT' and ${stage('riskResult')} = 'ACCEPTABLE'))
    group by 1, 2`;
}
