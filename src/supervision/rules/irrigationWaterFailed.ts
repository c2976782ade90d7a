import { PLANS } from '../../catalog/plans.js';
import { pgPointToGeoJson, pgPolygonToGeoJson } from '../../domain/geometry.js';
import { pointInPolygon } from '../geometry.js';
import { defineRule, type EvidenceRecord, type Situation } from '../rule.js';

/**
 * An irrigation well whose last water-quality test failed, standing on classed farmland: the parcels whose
 * boundary holds the well are the area it irrigates (the well register has an irrigated area in mu, not a
 * boundary). Candidates by bounding box in SQL (the boundary's GiST index), the exact test in JS.
 */
export const irrigationWaterFailed = defineRule({
  id: 'IRRIGATION_WATER_FAILED',
  zh: '农田灌溉机井水质超标',
  en: 'A farmland irrigation well failed its water-quality test',
  description: {
    zh: '最近一次水质检测超标的农田灌溉机井位于已划分类别的农用地地块内，灌溉水可能污染土壤和农产品',
    en: 'An irrigation well whose last water-quality test failed stands on a classed farmland parcel: its water may pollute the soil and the produce',
  },
  basis: {
    plan: PLANS.workPlan2016,
    article: '灌溉水水质管理',
    quote: '加强灌溉水水质管理 … 土壤土质、农产品质量协同监测',
  },
  severity: 'MEDIUM',
  actors: ['WATER', 'AGRICULTURE', 'ECOLOGY', 'DISTRICT'],
  reads: { irrigationWell: ['location', 'lastTestResult'], farmlandClass: ['boundary'] },
  // Per key: the situation depends on its well and its parcel only.
  incremental: { roles: [['irrigationWell'], ['farmlandClass']] },
  async find({ sql, table, column, record, affected }) {
    const location = column('irrigationWell', 'location');
    const boundary = column('farmlandClass', 'boundary');
    const rows = await sql<{ well: EvidenceRecord; parcel: EvidenceRecord; a: string; b: string }[]>`
      select ${record('irrigationWell', 'w')} as well, p.parcel, w.${location}::text as a, p.b
      from ${table('irrigationWell')} w
      cross join lateral (
        select ${record('farmlandClass', 'f')} as parcel, f.${boundary}::text as b
        from ${table('farmlandClass')} f
        where f.${boundary} && polygon(box(w.${location}, w.${location})) and not f.deleted
          and ${affected('farmlandClass', 'f')}
      ) p
      where not w.deleted and ${affected('irrigationWell', 'w')} and w.${column('irrigationWell', 'lastTestResult')} = 'NON_COMPLIANT'`;
    return rows
      .filter((row) => pointInPolygon(pgPointToGeoJson(row.a), pgPolygonToGeoJson(row.b)))
      .map(
        (row): Situation => ({
          evidence: [row.well, row.parcel],
          district: row.well.district,
          measure: null,
        }),
      );
  },
});
