import { defineDataset, defineEnum } from '../define.js';
import { analyteResultsField, districtField, sampledOnField, townField } from '../fields.js';
import { PLANS } from '../plans.js';

/** The produce categories GB 2762 sets its contaminant limits by (the ones farmland here grows). */
export const produceCategory = defineEnum('ProduceCategory', '农产品类别', 'Produce category', {
  CEREAL: { zh: '谷物', en: 'Cereal grain' },
  RICE: { zh: '稻谷', en: 'Rice' },
  LEGUME: { zh: '豆类', en: 'Legumes' },
  LEAFY_VEGETABLE: { zh: '叶菜蔬菜', en: 'Leafy vegetables' },
  ROOT_VEGETABLE: { zh: '根茎类蔬菜', en: 'Root and tuber vegetables' },
  OTHER_VEGETABLE: { zh: '其他蔬菜', en: 'Other vegetables' },
  FRUIT: { zh: '水果', en: 'Fruit' },
});

export const produceMonitoring = defineDataset({
  name: 'produceMonitoring',
  position: 170,
  names: {
    type: 'ProduceMonitoringSample',
    one: 'produceMonitoringSample',
    many: 'produceMonitoringSamples',
  },
  table: 'produce_monitoring',
  zh: '农产品协同监测',
  en: 'Produce co-monitoring',
  description:
    '耕地地块农产品重金属检测结果（对照 GB 2762 限量） / heavy metals in produce of farmland parcels, against the GB 2762 limits',
  owner: 'AGRICULTURE',
  // The class of a parcel is confirmed with its produce (GB 15618 严格管控类 …): the plan that orders the
  // soil and produce monitored together is why ECOLOGY reads the results without applying.
  mandates: [
    {
      to: ['ECOLOGY'],
      fields: ['results', 'compliant'],
      basis: {
        plan: PLANS.workPlan2016,
        article: '灌溉水水质管理',
        quote: '加强灌溉水水质管理 … 土壤土质、农产品质量协同监测',
      },
    },
  ],
  updateCycle: 'P1Y',
  key: ['sampleCode'],
  districtField: 'district',
  defaultOrder: { field: 'sampledOn', direction: 'DESC' },
  fields: {
    sampleCode: {
      type: 'text',
      zh: '样品编号',
      en: 'Sample code',
      required: true,
      filter: true,
      sortable: true,
      search: true,
    },
    parcelCode: {
      type: 'text',
      zh: '耕地地块编码',
      en: 'Farmland parcel code',
      required: true,
      filter: true,
    },
    crop: { type: 'text', zh: '作物', en: 'Crop', required: true, filter: true, search: true },
    produceCategory: {
      type: 'enum',
      enum: produceCategory,
      zh: '农产品类别',
      en: 'Produce category',
      required: true,
      filter: true,
    },
    sampledOn: sampledOnField,
    district: districtField,
    town: townField,
    results: analyteResultsField(['mg/kg'], { analytes: ['Cd', 'Pb', 'As', 'Hg', 'Cr'] }),
    // Whether every result is within its GB 2762 limit: a measured judgement, shared as the results are.
    compliant: {
      type: 'boolean',
      zh: '是否达标（GB 2762）',
      en: 'Within the GB 2762 limits',
      required: true,
      filter: true,
      sharing: 'CONDITIONAL',
    },
  },
  links: {
    farmlandParcel: {
      kind: 'one',
      to: 'farmlandClass',
      on: { parcelCode: 'parcelCode' },
      zh: '采样的耕地地块',
      en: 'The farmland parcel sampled',
    },
  },
});

/** The table, exported for drizzle-kit, which reads every `*.ts` here for tables. */
export const table = produceMonitoring.drizzle;
