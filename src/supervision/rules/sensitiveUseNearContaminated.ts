import type postgres from 'postgres';
import { PLANS } from '../../catalog/plans.js';
import { pgPolygonToGeoJson } from '../../domain/geometry.js';
import { overlapAreaM2, polygonDistanceM } from '../geometry.js';
import { placesWithChangedStage, REGISTER_SITE } from '../redevelopment.js';
import { defineRule, type EvidenceRecord, type Situation } from '../rule.js';

/**
 * A plot rezoned to housing or public service ("一住两公") within a distance of a site still on the register
 * whose remediation is not finished: no effect evaluation (效果评估) or removal finished by today in its
 * lifecycle (remediationStage). A plot that shares area with the site is REGISTER_SITE_SENSITIVE_USE's, not
 * this rule's. Candidates from the GiST indexes: a bounding box widened by more degrees than the distance
 * spans at Beijing's latitudes (1° of latitude ≥ 110 km, of longitude ≥ 80 km up to 44°N) meets the other's
 * (the site's widened box for the plots' index, the plot's for the sites': a per-key evaluation starts from
 * the few affected records of either), and, for the same reason, within the distance ÷ 80 km in degrees of
 * the site (`<->` on the plane of longitude and latitude): a plot farther than that in degrees is farther
 * than the distance in metres.
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
    const plot = column('landUseChange', 'boundary');
    const site = column('contaminatedSite', 'boundary');
    // A bounding box widened by the distance's degrees, as a polygon (what the GiST index answers `&&` for).
    const widened = (alias: string, field: postgres.Helper<string>) => {
      const box = sql`(box(${sql(alias)}.${field}))`;
      return sql`polygon(box(
        point((${box}[1])[0] - ${distance / 80000}::float8, (${box}[1])[1] - ${distance / 110000}::float8),
        point((${box}[0])[0] + ${distance / 80000}::float8, (${box}[0])[1] + ${distance / 110000}::float8)))`;
    };
    // The two boxes meet one way exactly when they meet the other: both are written, so that the planner can
    // start from either side and probe the other's index (from the sites in a full evaluation, from the few
    // affected plots or sites in a per-key one).
    const rows = await sql<{ plot: EvidenceRecord; site: EvidenceRecord; a: string; b: string }[]>`
      select ${record('landUseChange', 'p')} as plot, ${record('contaminatedSite', 's')} as site,
             p.${plot}::text as a, s.${site}::text as b
      from ${table('contaminatedSite')} s
      join ${table('landUseChange')} p on p.${plot} && ${widened('s', site)} and s.${site} && ${widened('p', plot)}
      where not s.deleted and s.${column('contaminatedSite', 'status')} = 'LISTED'
        and not p.deleted and ${affected('contaminatedSite', 's')} and ${affected('landUseChange', 'p')}
        and p.${plot} <-> s.${site} <= ${distance / 80000}::float8
        and not exists (
          select 1 from ${table('remediationStage')} r
          where not r.deleted and ${sameDistrict('remediationStage', 'r', 'contaminatedSite', 's')}
            and r.${column('remediationStage', 'plotCode')} = s.${column('contaminatedSite', 'siteCode')}
            and r.${column('remediationStage', 'stage')} in ('EFFECT_EVALUATION', 'REMOVED')
            and r.${column('remediationStage', 'finishedOn')} <= current_date)`;
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
