import type postgres from 'postgres';
import { PLANS } from '../../catalog/plans.js';
import { defineRule, type EvidenceRecord } from '../rule.js';

/**
 * A construction-land monitoring point above the GB 36600 screening value for its land's use, a year after
 * its first such sample, on no plot in the lifecycle and not on the 暂不开发 ledger. The use is first class
 * where the point lies on a plot rezoned to housing or public service ("一住两公"), second class elsewhere;
 * the values come from the standards' data (`standard_value_for`): the edition in force today, since the
 * question is whether the land needs investigating now (a sample taken before GB 36600 took effect counts).
 * Investigated means the point lies on a priority plot or register site with any stage row (the lifecycle
 * has begun); the ledger, a live 暂不开发 entry not yet taken off (`until` empty) whose boundary holds it.
 * One situation per point: its first sample above the value, with the highest ratio value / screening value.
 */
export const exceedsScreeningUninvestigated = defineRule({
  id: 'EXCEEDS_SCREENING_UNINVESTIGATED',
  zh: '超筛选值一年未调查',
  en: 'Above the screening value and not investigated within a year',
  description: {
    zh: '建设用地土壤监测超过该用地类别的 GB 36600 风险筛选值，一年内未进一步开展调查，且未纳入暂不开发受污染建设用地管理',
    en: 'Construction-land soil monitoring above the GB 36600 screening value for the land’s use, not investigated further within a year, and not on the ledger of contaminated land not to be developed for now',
  },
  basis: {
    plan: PLANS.fyp14,
    article: '二(二)3',
    quote: '超过筛选值，且一年内未进一步开展调查 … 纳入暂不开发受污染建设用地管理',
  },
  severity: 'MEDIUM',
  actors: ['ECOLOGY', 'DISTRICT'],
  reads: {
    soilMonitoringNetwork: ['landType', 'location', 'results'],
    landUseChange: ['boundary'],
    priorityPlot: ['boundary'],
    contaminatedSite: ['boundary'],
    remediationStage: [],
    undevelopedLand: ['boundary', 'until'],
  },
  // In the sample's district: the rezoned plots that class its land, and the plots, sites, stages and ledger
  // entries that end the situation; and the point's first sample above the value is the evidence.
  ranks: ['soilMonitoringNetwork'],
  consults: ['landUseChange', 'priorityPlot', 'contaminatedSite', 'remediationStage', 'undevelopedLand'],
  // Per point: a changed sample's point, and the points under an area that changed: a rezoned plot, a
  // priority plot, a register site or a ledger entry published (its area now, and the area an update moved
  // it from), or a plot or site whose lifecycle stage changed. Every sample of such a point is affected, so
  // that its first sample above the value is picked among all of them.
  incremental: {
    roles: [['soilMonitoringNetwork']],
    via: {
      soilMonitoringNetwork: ({ sql, table, column, changed, movedFrom }) => {
        const net = (field: string) => column('soilMonitoringNetwork', field);
        const AREAS = ['landUseChange', 'priorityPlot', 'contaminatedSite', 'undevelopedLand'];
        const areas = AREAS.map(
          (
            name,
          ) => sql`select x.${column(name, 'boundary')} as area from ${table(name)} x where ${changed(name, 'x')}
            union all ${movedFrom(name, 'boundary')}`,
        );
        const staged = (name: 'priorityPlot' | 'contaminatedSite', code: string) =>
          sql`select p.${column(name, 'boundary')} from ${table(name)} p
            join ${table('remediationStage')} r on r.${column('remediationStage', 'plotCode')} = p.${column(name, code)}
            where ${changed('remediationStage', 'r')}`;
        return sql`
          with area(area) as (
            ${areas.reduce((all, part) => sql`${all} union all ${part}`)}
            union all ${staged('priorityPlot', 'plotCode')}
            union all ${staged('contaminatedSite', 'siteCode')}
          ),
          point as (
            select c.${net('district')} as district, c.${net('pointCode')} as code
            from ${table('soilMonitoringNetwork')} c where ${changed('soilMonitoringNetwork', 'c')}
            union
            select c.${net('district')}, c.${net('pointCode')}
            from area a join ${table('soilMonitoringNetwork')} c on c.${net('location')} <@ a.area
          )
          select n.id from ${table('soilMonitoringNetwork')} n
          where (n.${net('district')}, n.${net('pointCode')}) in (select district, code from point)`;
      },
    },
  },
  async find({ sql, table, column, record, sameDistrict, affected }) {
    const location = sql`m.${column('soilMonitoringNetwork', 'location')}`;
    // `polygon @> point` has no GiST support: `&&` with the point's box finds the candidates by the index.
    const holds = (boundary: postgres.Fragment, point: postgres.Fragment) =>
      sql`${boundary} && polygon(box(${point}, ${point})) and ${boundary} @> ${point}`;
    // A consulted row in the first sample's district (see `consults`).
    const inDistrict = (dataset: string, alias: string) =>
      sql`${sql(alias)}.${column(dataset, 'district')} = f.district`;
    const rows = await sql<{ sample: EvidenceRecord; ratio: string }[]>`
      with sample as (
        select m.id, m.${column('soilMonitoringNetwork', 'pointCode')} as point_code,
               m.${column('soilMonitoringNetwork', 'district')} as district,
               m.${column('soilMonitoringNetwork', 'sampledOn')} as sampled_on, ${location} as location,
               m.${column('soilMonitoringNetwork', 'results')} as results, ${record('soilMonitoringNetwork', 'm')} as sample,
               case when exists (
                 select 1 from ${table('landUseChange')} l
                 where not l.deleted and ${sameDistrict('landUseChange', 'l', 'soilMonitoringNetwork', 'm')}
                   and ${holds(sql`l.${column('landUseChange', 'boundary')}`, location)})
               then 'CONSTRUCTION_FIRST' else 'CONSTRUCTION_SECOND' end as land_use
        from ${table('soilMonitoringNetwork')} m
        where not m.deleted and m.${column('soilMonitoringNetwork', 'landType')} = 'CONSTRUCTION_LAND'
          and ${affected('soilMonitoringNetwork', 'm')}
      ),
      result as (
        select s.id, s.land_use, e->>'analyte' as analyte, (e->>'value')::numeric as value
        from sample s cross join lateral jsonb_array_elements(s.results) e
        where e->>'value' is not null
      ),
      -- Each value looked up once per analyte and use (a call costs ~0.2 ms; a city has ~10⁵ results).
      screening as materialized (
        select analyte, land_use, standard_value_for('GB 36600', analyte, 'SCREENING', land_use) as value
        from (select distinct analyte, land_use from result) pairs
      ),
      ratio as (
        select r.id, max(r.value / screening.value) as ratio
        from result r join screening using (analyte, land_use)
        group by r.id
      ),
      first as (
        select distinct on (s.district, s.point_code) s.*, ratio.ratio
        from sample s join ratio on ratio.id = s.id
        where ratio.ratio > 1
        order by s.district, s.point_code, s.sampled_on
      )
      select f.sample, f.ratio::text as ratio
      from first f
      where f.sampled_on + interval '1 year' <= current_date
        and not exists (
          select 1 from ${table('priorityPlot')} p
          join ${table('remediationStage')} r
            on r.${column('remediationStage', 'plotCode')} = p.${column('priorityPlot', 'plotCode')} and not r.deleted
              and ${inDistrict('remediationStage', 'r')}
          where not p.deleted and ${inDistrict('priorityPlot', 'p')} and ${holds(sql`p.${column('priorityPlot', 'boundary')}`, sql`f.location`)})
        and not exists (
          select 1 from ${table('contaminatedSite')} c
          join ${table('remediationStage')} r
            on r.${column('remediationStage', 'plotCode')} = c.${column('contaminatedSite', 'siteCode')} and not r.deleted
              and ${inDistrict('remediationStage', 'r')}
          where not c.deleted and ${inDistrict('contaminatedSite', 'c')} and ${holds(sql`c.${column('contaminatedSite', 'boundary')}`, sql`f.location`)})
        and not exists (
          select 1 from ${table('undevelopedLand')} u
          where not u.deleted and ${inDistrict('undevelopedLand', 'u')} and u.${column('undevelopedLand', 'until')} is null
            and ${holds(sql`u.${column('undevelopedLand', 'boundary')}`, sql`f.location`)})`;
    return rows.map((row) => ({
      evidence: [row.sample],
      district: row.sample.district,
      measure: { kind: 'EXCEEDANCE_RATIO' as const, value: Math.round(Number(row.ratio) * 1000) / 1000 },
    }));
  },
});
