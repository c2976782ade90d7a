import { PLANS } from '../../catalog/plans.js';
import { pgPointToGeoJson, pgPolygonToGeoJson } from '../../domain/geometry.js';
import { pointInPolygon } from '../geometry.js';
import { defineRule, type EvidenceRecord, type Situation } from '../rule.js';

/**
 * A farmland parcel whose latest soil sample contradicts its class (类别动态调整): above the GB 15618
 * screening value on land classed 优先保护类, or above the intervention value on land classed 安全利用类
 * (strictly controlled land is already in the worst class). Samples are the agriculture and forestry
 * bureaus' monitoring and the ecology bureau's farmland network points; a sample belongs to the parcels
 * whose boundary holds its point (candidates by bounding box in SQL, the exact test here). The figures come from the standards tables, for the sample's pH and the
 * parcel's land (orchards have columns of their own; Beijing's cultivated land is dry land, 其他).
 */
export const farmlandClassReview = defineRule({
  id: 'FARMLAND_CLASS_REVIEW',
  zh: '耕地土壤环境质量类别需调整',
  en: 'A farmland parcel’s soil quality class needs review',
  description: {
    zh: '优先保护类地块最近一次土壤监测超过 GB 15618 风险筛选值，或安全利用类地块超过风险管制值，类别应动态调整',
    en: 'The latest soil sample on a priority-protection parcel exceeds the GB 15618 screening value, or on a safe-use parcel the intervention value: its class should be adjusted',
  },
  basis: { plan: PLANS.fyp14, article: '一(二)1', quote: '耕地土壤环境质量类别动态调整' },
  severity: 'MEDIUM',
  actors: ['AGRICULTURE', 'FORESTRY', 'ECOLOGY', 'DISTRICT'],
  reads: {
    soilMonitoring: [
      'location',
      'ph',
      'cadmium',
      'mercury',
      'arsenic',
      'lead',
      'chromium',
      'copper',
      'nickel',
      'zinc',
    ],
    soilMonitoringNetwork: ['location', 'ph', 'landType', 'results'],
    farmlandClass: ['boundary', 'qualityClass', 'landCategory'],
  },
  // A point's latest sample (of its dataset, in its district) is the evidence.
  ranks: ['soilMonitoring', 'soilMonitoringNetwork'],
  // Per key: a sample stands for its point (the latest sample of the point code, part of the samples' key),
  // so a changed sample affects its point's samples; the parcel is the other role.
  incremental: {
    roles: [['soilMonitoring', 'soilMonitoringNetwork'], ['farmlandClass']],
    via: {
      soilMonitoring: ({ sql, table, column, changed }) => {
        const point = column('soilMonitoring', 'pointCode');
        return sql`select m.id from ${table('soilMonitoring')} m
          where m.${point} in (select c.${point} from ${table('soilMonitoring')} c where ${changed('soilMonitoring', 'c')})`;
      },
      soilMonitoringNetwork: ({ sql, table, column, changed }) => {
        const point = column('soilMonitoringNetwork', 'pointCode');
        return sql`select n.id from ${table('soilMonitoringNetwork')} n
          where n.${point} in (
            select c.${point} from ${table('soilMonitoringNetwork')} c where ${changed('soilMonitoringNetwork', 'c')})`;
      },
    },
  },
  async find({ sql, table, column, record, affected }) {
    const sm = (field: string) => column('soilMonitoring', field);
    const net = (field: string) => column('soilMonitoringNetwork', field);
    const fc = (field: string) => column('farmlandClass', field);
    const rows = await sql<
      { sample: EvidenceRecord; parcel: EvidenceRecord; ratio: number; location: string; boundary: string }[]
    >`
      with latest_sm as (
        select distinct on (m.${sm('district')}, m.${sm('pointCode')}) m.id, m.publisher, m.${sm('pointCode')}, m.${sm('sampledOn')},
               m.${sm('district')}, m.${sm('location')}, m.${sm('ph')}, m.${sm('cadmium')}, m.${sm('mercury')},
               m.${sm('arsenic')}, m.${sm('lead')}, m.${sm('chromium')}, m.${sm('copper')}, m.${sm('nickel')},
               m.${sm('zinc')}
        from ${table('soilMonitoring')} m where not m.deleted
        order by m.${sm('district')}, m.${sm('pointCode')}, m.${sm('sampledOn')} desc
      ),
      latest_net as (
        select distinct on (n.${net('district')}, n.${net('pointCode')}) n.id, n.publisher, n.${net('pointCode')}, n.${net('sampledOn')},
               n.${net('district')}, n.${net('location')}, n.${net('ph')}, n.${net('landType')}, n.${net('results')}
        from ${table('soilMonitoringNetwork')} n where not n.deleted
        order by n.${net('district')}, n.${net('pointCode')}, n.${net('sampledOn')} desc
      ),
      -- One row per sample, whichever dataset it comes from, with its results as { analyte, value }.
      samples as materialized (
        select ${record('soilMonitoring', 'm')} as sample, m.${sm('location')} as location,
               m.${sm('ph')}::numeric as ph,
               jsonb_build_array(
                 jsonb_build_object('analyte', 'Cd', 'value', m.${sm('cadmium')}),
                 jsonb_build_object('analyte', 'Hg', 'value', m.${sm('mercury')}),
                 jsonb_build_object('analyte', 'As', 'value', m.${sm('arsenic')}),
                 jsonb_build_object('analyte', 'Pb', 'value', m.${sm('lead')}),
                 jsonb_build_object('analyte', 'Cr', 'value', m.${sm('chromium')}),
                 jsonb_build_object('analyte', 'Cu', 'value', m.${sm('copper')}),
                 jsonb_build_object('analyte', 'Ni', 'value', m.${sm('nickel')}),
                 jsonb_build_object('analyte', 'Zn', 'value', m.${sm('zinc')})) as results
        from latest_sm m
        where ${affected('soilMonitoring', 'm')}
        union all
        select ${record('soilMonitoringNetwork', 'n')}, n.${net('location')}, n.${net('ph')}::numeric,
               n.${net('results')}
        from latest_net n
        where n.${net('landType')} = 'FARMLAND' and ${affected('soilMonitoringNetwork', 'n')}
      ),
      -- Parcels whose bounding box holds the point (the boundary's GiST index), per sample.
      candidates as materialized (
        select s.sample, s.location, s.ph, s.results, p.*
        from samples s
        cross join lateral (
          select ${record('farmlandClass', 'f')} as parcel, f.${fc('boundary')} as boundary,
                 f.${fc('qualityClass')} as quality_class, f.${fc('landCategory')} as land_category
          from ${table('farmlandClass')} f
          where f.${fc('boundary')} && polygon(box(s.location, s.location)) and not f.deleted
            and f.${fc('qualityClass')} in ('PRIORITY_PROTECTION', 'SAFE_USE') and ${affected('farmlandClass', 'f')}
            -- GB 15618 is the standard of cultivated land (orchards and facility land by reference), not forest.
            and f.${fc('landCategory')} in ('CULTIVATED', 'GARDEN', 'FACILITY_AGRICULTURE')
        ) p
      ),
      judged as (
        select c.sample, c.parcel, c.location::text as location, c.boundary::text as boundary,
               r.value::numeric as value, r.analyte,
               case c.quality_class when 'PRIORITY_PROTECTION' then 'SCREENING' else 'INTERVENTION' end as kind,
               case c.land_category when 'GARDEN' then 'ORCHARD' else 'OTHER_FARMLAND' end as land,
               c.ph
        from candidates c
        cross join lateral jsonb_to_recordset(c.results) as r(analyte text, value float8)
        where r.value is not null
      ),
      -- Each value looked up once per analyte, class, land and pH (a call costs ~0.2 ms).
      standard as materialized (
        select analyte, kind, land, ph, standard_value_for('GB 15618', analyte, kind, land, ph) as value
        from (select distinct analyte, kind, land, ph from judged) keys
      )
      select j.sample, j.parcel, j.location, j.boundary, max(j.value / s.value)::float8 as ratio
      from judged j
      join standard s on s.analyte = j.analyte and s.kind = j.kind and s.land = j.land
        and coalesce(s.ph, -1) = coalesce(j.ph, -1)
      where s.value > 0
      group by j.sample, j.parcel, j.location, j.boundary
      having bool_or(j.value > s.value)`;
    return rows
      .filter((row) => pointInPolygon(pgPointToGeoJson(row.location), pgPolygonToGeoJson(row.boundary)))
      .map(
        (row): Situation => ({
          evidence: [row.sample, row.parcel],
          district: row.parcel.district,
          measure: { kind: 'EXCEEDANCE_RATIO', value: Math.round(row.ratio * 10_000) / 10_000 },
        }),
      );
  },
});
