import { PLANS } from '../../catalog/plans.js';
import { pgPolygonToGeoJson } from '../../domain/geometry.js';
import { overlapAreaM2, polygonDistanceM } from '../geometry.js';
import { placesWithChangedStage, REGISTER_SITE } from '../redevelopment.js';
import { defineRule, type EvidenceRecord, type Situation } from '../rule.js';

/**
 * A plot rezoned to housing or public service ("一住两公") within a distance of a site still on the register
 * whose remediation is not finished: no effect evaluation (效果评估) or removal finished by today in its
 * lifecycle (remediationStage). A plot that shares area with the site is REGISTER_SITE_SENSITIVE_USE's, not
 * this rule's. Candidates from the plots' GiST index: the site's bounding box widened by more degrees than
 * the distance spans at Beijing's latitudes (1° of latitude ≥ 110 km, of longitude ≥ 80 km up to 44°N),
 * and, for the same reason, within the distance ÷ 80 km in degrees of the site (`<->` on the plane of
 * longitude and latitude): a plot farther than that in degrees is farther than the distance in metres.
 */
export const sensitiveUseNearContaminated = defineRule({
  id: 'SENSITIVE_USE_NEAR_CONTAMINATED',
  zh: '"一住两公"地块邻近未完成修复的名录地块',
  en: 'Housing or public service next to a register site not yet remediated',
  description: {
    zh: '用途变更为住宅、公共管理与公共服务用地的地块位于尚未完成风险管控或修复（效果评估）的名录地块周边设定距离内',
    en: 'A plot rezoned to residential or public-service use lies within the set distance of a register site whose risk control or remediation (effect evaluation) is not finished',
  },
  basis: {
    plan: PLANS.fyp14,
    article: '二(三)3',
    quote: '受污染建设用地周边 … 敏感类用地原则上应后开发',
  },
  severity: 'MEDIUM',
  actors: ['PLANNING', 'ECOLOGY', 'DISTRICT'],
  reads: {
    landUseChange: ['boundary'],
    contaminatedSite: ['boundary', 'status'],
    remediationStage: ['finishedOn'],
  },
  // The site's stages, in the site's district, decide whether it is still contaminated.
  consults: ['remediationStage'],
  // Per key: a plot and a site, and the site's stage rows, which reach it by their key (plotCode). A stage
  // finished on a later date ends a situation as the days pass: the nightly full evaluation sees that.
  incremental: {
    roles: [['landUseChange'], ['contaminatedSite']],
    via: { contaminatedSite: placesWithChangedStage(REGISTER_SITE) },
  },
  parameters: {
    distanceM: {
      zh: '周边距离',
      en: 'Distance around the site',
      unit: 'm',
      default: 500,
      min: 10,
      max: 5000,
    },
  },
  async find({ sql, params, table, column, record, affected, sameDistrict }) {
    const distance = params.distanceM;
    const rows = await sql<{ plot: EvidenceRecord; site: EvidenceRecord; a: string; b: string }[]>`
      with site as (
        select ${record('contaminatedSite', 's')} as site, s.${column('contaminatedSite', 'boundary')} as g,
               box(s.${column('contaminatedSite', 'boundary')}) as bb
        from ${table('contaminatedSite')} s
        where not s.deleted and s.${column('contaminatedSite', 'status')} = 'LISTED'
          and ${affected('contaminatedSite', 's')}
          and not exists (
            select 1 from ${table('remediationStage')} r
            where not r.deleted and ${sameDistrict('remediationStage', 'r', 'contaminatedSite', 's')}
              and r.${column('remediationStage', 'plotCode')} = s.${column('contaminatedSite', 'siteCode')}
              and r.${column('remediationStage', 'stage')} in ('EFFECT_EVALUATION', 'REMOVED')
              and r.${column('remediationStage', 'finishedOn')} <= current_date)
      )
      select ${record('landUseChange', 'p')} as plot, site.site,
             p.${column('landUseChange', 'boundary')}::text as a, site.g::text as b
      from site
      join ${table('landUseChange')} p
        on p.${column('landUseChange', 'boundary')} && polygon(box(
             point((site.bb[1])[0] - ${distance / 80000}::float8, (site.bb[1])[1] - ${distance / 110000}::float8),
             point((site.bb[0])[0] + ${distance / 80000}::float8, (site.bb[0])[1] + ${distance / 110000}::float8)))
      where not p.deleted and ${affected('landUseChange', 'p')}
        and p.${column('landUseChange', 'boundary')} <-> site.g <= ${distance / 80000}::float8`;
    return rows.flatMap((row): Situation[] => {
      const plot = pgPolygonToGeoJson(row.a);
      const site = pgPolygonToGeoJson(row.b);
      const metres = polygonDistanceM(plot, site);
      if (metres > distance) return [];
      // Polygons that meet: touching is near, sharing area is the other rule's.
      if (metres === 0 && overlapAreaM2(plot, site) > 0) return [];
      return [
        {
          evidence: [row.plot, row.site],
          district: row.plot.district,
          measure: { kind: 'DISTANCE_M', value: Math.round(metres * 10) / 10 },
        },
      ];
    });
  },
});
