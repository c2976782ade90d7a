import { defineDataset, defineEnum } from '../define.js';
import { inputUseReportFields } from '../fields.js';

export const toxicityClass = defineEnum('ToxicityClass', '毒性等级', 'Toxicity class', {
  EXTREMELY_HIGH: { zh: '剧毒', en: 'Extremely highly toxic' },
  HIGH: { zh: '高毒', en: 'Highly toxic' },
  MODERATE: { zh: '中等毒', en: 'Moderately toxic' },
  LOW: { zh: '低毒', en: 'Low toxicity' },
  SLIGHT: { zh: '微毒', en: 'Slightly toxic' },
});

export const pesticideUse = defineDataset({
  name: 'pesticideUse',
  position: 10,
  names: { type: 'PesticideUse', one: 'pesticideUse', many: 'pesticideUses' },
  table: 'pesticide_use',
  zh: '农药使用',
  en: 'Pesticide use',
  description: '农业和园林部门报送的农药使用记录 / pesticide use reported by agriculture and forestry',
  owner: 'AGRICULTURE',
  publishers: ['FORESTRY'],
  updateCycle: 'P1M',
  key: ['sourceId'],
  districtField: 'district',
  defaultOrder: { field: 'year', direction: 'DESC' },
  // Use by land category over a span of years: the usual filter of the use statistics (aggregates).
  indexes: [['landCategory', 'year']],
  fields: {
    ...inputUseReportFields,
    product: { type: 'text', zh: '农药产品名称', en: 'Pesticide product', search: true },
    activeIngredient: { type: 'text', zh: '有效成分', en: 'Active ingredient', filter: true, search: true },
    toxicityClass: { type: 'enum', enum: toxicityClass, zh: '毒性等级', en: 'Toxicity class', filter: true },
    amountKg: {
      type: 'number',
      scale: 2,
      zh: '使用量（千克）',
      en: 'Amount used (kg)',
      required: true,
      min: 0,
      sortable: true,
    },
    areaMu: {
      type: 'number',
      scale: 2,
      zh: '施药面积（亩）',
      en: 'Treated area (mu)',
      min: 0,
      sortable: true,
    },
    applicatorName: { type: 'text', zh: '施药人姓名', en: 'Applicator name', personal: true, mask: 'name' },
    applicatorPhone: {
      type: 'text',
      zh: '施药人电话',
      en: 'Applicator phone',
      personal: true,
      mask: 'phone',
    },
  },
});

/** The table, exported for drizzle-kit, which reads every `*.ts` here for tables. */
export const table = pesticideUse.drizzle;
