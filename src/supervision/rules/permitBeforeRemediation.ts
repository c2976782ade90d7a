import { PLANS } from '../../catalog/plans.js';
import { pgPolygonToGeoJson } from '../../domain/geometry.js';
import { overlapAreaM2 } from '../geometry.js';
import {
  finishedLifecycles,
  PLACE_KINDS,
  permitPlacePairs,
  placesWithChangedStage,
  REDEVELOPMENT_READS,
} from '../redevelopment.js';
import { defineRule, type EvidenceRecord, type Situation } from '../rule.js';

/**
 * A construction permit, or the planning permit of a plot rezoned to housing or public service, issued on
 * land that overlaps a register site or a priority plot whose lifecycle (remediationStage) was not finished
 * on the permit's date. Finished means a stage row finished on or before that day: the effect evaluation
 * (效果评估) or the removal from the register, or, for a plot, a risk assessment that found the risk
 * acceptable (the plot then leaves supervision without works). A place with no such row is unfinished.
 */
export const permitBeforeRemediation = defineRule({
  id: 'PERMIT_BEFORE_REMEDIATION',
  zh: '调查修复完成前核发许可',
  en: 'A permit issued before investigation and remediation were finished',
  description: {
    zh: '施工许可证或"一住两公"地块规划许可所涉用地与名录地块或优先监管地块重叠，而许可核发时该地块的调查评估、风险管控或修复及效果评估尚未完成',
    en: 'A construction or planning permit covers land overlapping a register site or priority plot whose investigation, risk assessment, remediation and effect evaluation were not finished when the permit was issued',
  },
  basis: { plan: PLANS.fyp14, article: '二(三)3', quote: '合理安排土地供应和相关规划许可证的发放时序' },
  severity: 'HIGH',
  actors: ['HOUSING', 'PLANNING', 'ECOLOGY', 'DISTRICT'],
  reads: REDEVELOPMENT_READS,
  // The place's stages, in the place's district, decide whether it was finished before the permit.
  consults: ['remediationStage'],
  // Per key: a permit and a place, and the place's stage rows, which reach it by their key (plotCode).
  incremental: {
    roles: [
      ['constructionPermit', 'landUseChange'],
      ['contaminatedSite', 'priorityPlot'],
    ],
    via: Object.fromEntries(PLACE_KINDS.map((place) => [place.dataset, placesWithChangedStage(place)])),
  },
  async find(query) {
    const { sql, table, column, record, affected } = query;
    const pairs = permitPlacePairs(
      query,
      (permit, place) => sql`
        select ${record(permit.dataset, 'x')} as permit, x.${column(permit.dataset, permit.date)} as issued_on,
               x.${column(permit.dataset, 'boundary')}::text as a,
               ${record(place.dataset, 'y')} as place, y.${column(place.dataset, place.code)} as code,
               y.${column(place.dataset, 'district')} as district,
               y.${column(place.dataset, 'boundary')}::text as b
        from ${table(permit.dataset)} x
        join ${table(place.dataset)} y on y.${column(place.dataset, 'boundary')} && x.${column(permit.dataset, 'boundary')}
        where not x.deleted and not y.deleted and x.${column(permit.dataset, permit.date)} is not null ${permit.only}
          and ${affected(permit.dataset, 'x')} and ${affected(place.dataset, 'y')}`,
    );
    const rows = await sql<{ permit: EvidenceRecord; place: EvidenceRecord; a: string; b: string }[]>`
      with finished as (${finishedLifecycles(query)})
      select pairs.permit, pairs.place, pairs.a, pairs.b
      from (${pairs}) pairs
      -- The place's stages in the place's district (the rule consults them).
      left join finished on finished.code = pairs.code and finished.district = pairs.district
      where finished.on_ is null or finished.on_ > pairs.issued_on`;
    return rows.flatMap((row): Situation[] => {
      const area = overlapAreaM2(pgPolygonToGeoJson(row.a), pgPolygonToGeoJson(row.b));
      if (area <= 0) return [];
      return [
        {
          evidence: [row.permit, row.place],
          district: row.permit.district,
          measure: { kind: 'OVERLAP_AREA_M2', value: Math.round(area * 100) / 100 },
        },
      ];
    });
  },
});
