import { PLANS } from '../../catalog/plans.js';
import { pgPolygonToGeoJson } from '../../domain/geometry.js';
import { overlapAreaM2 } from '../geometry.js';
import { defineRule, type EvidenceRecord, type Situation } from '../rule.js';

/**
 * A plot rezoned to housing or public service ("一住两公") that overlaps a site still on the risk-control and
 * remediation register (名录). Candidates from the boundaries' GiST indexes (`&&`: the bounding boxes
 * meet); a pair whose polygons share no area is not a situation.
 */
export const registerSiteSensitiveUse = defineRule({
  id: 'REGISTER_SITE_SENSITIVE_USE',
  zh: '名录地块拟作"一住两公"',
  en: 'A listed site rezoned to housing or public service',
  description: {
    zh: '用途变更为住宅、公共管理与公共服务用地的地块与仍在名录中的建设用地土壤污染风险管控和修复地块重叠',
    en: 'A plot rezoned to residential or public-service use overlaps a site still on the risk-control and remediation register',
  },
  basis: { plan: PLANS.fyp14, article: '二(二)4', quote: '列入名录的地块，不得作为"一住两公"' },
  severity: 'HIGH',
  actors: ['PLANNING', 'ECOLOGY', 'DISTRICT'],
  reads: { landUseChange: ['boundary'], contaminatedSite: ['boundary', 'status'] },
  // Per key: the situation depends on its plot and its site only.
  incremental: { roles: [['landUseChange'], ['contaminatedSite']] },
  async find({ sql, table, column, record, affected }) {
    const rows = await sql<{ plot: EvidenceRecord; site: EvidenceRecord; a: string; b: string }[]>`
      select ${record('landUseChange', 'p')} as plot, ${record('contaminatedSite', 's')} as site,
             p.${column('landUseChange', 'boundary')}::text as a, s.${column('contaminatedSite', 'boundary')}::text as b
      from ${table('landUseChange')} p
      join ${table('contaminatedSite')} s
        on s.${column('contaminatedSite', 'boundary')} && p.${column('landUseChange', 'boundary')}
      where not p.deleted and not s.deleted and s.${column('contaminatedSite', 'status')} = 'LISTED'
        and ${affected('landUseChange', 'p')} and ${affected('contaminatedSite', 's')}`;
    return rows.flatMap((row): Situation[] => {
      const area = overlapAreaM2(pgPolygonToGeoJson(row.a), pgPolygonToGeoJson(row.b));
      if (area <= 0) return [];
      return [
        {
          evidence: [row.plot, row.site],
          district: row.plot.district,
          measure: { kind: 'OVERLAP_AREA_M2', value: Math.round(area * 100) / 100 },
        },
      ];
    });
  },
});
