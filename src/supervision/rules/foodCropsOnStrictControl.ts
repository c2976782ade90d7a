import { PLANS } from '../../catalog/plans.js';
import { defineRule, type EvidenceRecord, type Situation } from '../rule.js';

/**
 * Pesticide or fertiliser used for food crops where a parcel is classed 严格管控类. The input-use reports are
 * per town, land category and period, not per parcel: a report matches a strictly controlled parcel of the
 * same district, town and land category, for a year from the one it was classed in. Food crops are what
 * cultivated land, facility agriculture and orchards grow (grain, vegetables, fruit); forest and green
 * space grow none.
 */
export const foodCropsOnStrictControl = defineRule({
  id: 'FOOD_CROPS_ON_STRICT_CONTROL',
  zh: '严格管控类耕地疑似种植食用农产品',
  en: 'Food crops reported where farmland is under strict control',
  description: {
    zh: '严格管控类地块所在乡镇、同一地类报送了食用农产品的农药或化肥使用记录（划定类别当年及以后），需核查是否仍在种植食用农产品',
    en: 'Pesticide or fertiliser use for food crops is reported in the town and land category of a strictly controlled parcel, from the year it was classed: whether food crops still grow there must be checked',
  },
  basis: { plan: PLANS.fyp14, article: '非现场检查', quote: '重点关注 … 受污染耕地食用农产品种植情况' },
  severity: 'HIGH',
  actors: ['AGRICULTURE', 'FORESTRY', 'ECOLOGY', 'DISTRICT'],
  reads: {
    pesticideUse: ['year', 'town', 'landCategory'],
    fertiliserUse: ['year', 'town', 'landCategory'],
    farmlandClass: ['qualityClass', 'town', 'landCategory', 'classifiedOn'],
  },
  // Per key: the situation depends on its report and its parcel only.
  incremental: { roles: [['pesticideUse', 'fertiliserUse'], ['farmlandClass']] },
  async find({ sql, table, column, record, affected }) {
    const fc = (field: string) => column('farmlandClass', field);
    const uses = (dataset: 'pesticideUse' | 'fertiliserUse') => {
      const u = (field: string) => column(dataset, field);
      return sql`
        select ${record(dataset, 'u')} as use, ${record('farmlandClass', 'f')} as parcel
        from ${table(dataset)} u
        join ${table('farmlandClass')} f
          on f.${fc('district')} = u.${u('district')} and f.${fc('town')} = u.${u('town')}
         and f.${fc('landCategory')} = u.${u('landCategory')}
        where not u.deleted and not f.deleted and ${affected(dataset, 'u')} and ${affected('farmlandClass', 'f')} and f.${fc('qualityClass')} = 'STRICT_CONTROL'
          and u.${u('landCategory')} in ('CULTIVATED', 'FACILITY_AGRICULTURE', 'GARDEN')
          and (f.${fc('classifiedOn')} is null or u.${u('year')} >= extract(year from f.${fc('classifiedOn')}))`;
    };
    const rows = await sql<{ use: EvidenceRecord; parcel: EvidenceRecord }[]>`
      ${uses('pesticideUse')} union all ${uses('fertiliserUse')}`;
    return rows.map(
      (row): Situation => ({ evidence: [row.use, row.parcel], district: row.parcel.district, measure: null }),
    );
  },
});
