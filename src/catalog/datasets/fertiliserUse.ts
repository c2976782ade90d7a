import { defineDataset, defineEnum } from '../define.js';
import { inputUseReportFields } from '../fields.js';

export const fertiliserType = defineEnum('FertiliserType', '化肥种类', 'Fertiliser type', {
  NITROGEN: { zh: '氮肥', en: 'Nitrogen' },
  PHOSPHATE: { zh: '磷肥', en: 'Phosphate' },
  POTASH: { zh: '钾肥', en: 'Potash' },
  COMPOUND: { zh: '复合肥', en: 'Compound' },
  ORGANIC: { zh: '有机肥', en: 'Organic' },
});

export const fertiliserUse = defineDataset({
  name: 'fertiliserUse',
  position: 20,
  names: { type: 'FertiliserUse', one: 'fertiliserUse', many: 'fertiliserUses' },
  table: 'fertiliser_use',
  zh: '化肥使用',
  en: 'Fertiliser use',
  description: '农业和园林部门报送的化肥使用量 / fertiliser use reported by agriculture and forestry',
  owner: 'AGRICULTURE',
  publishers: ['FORESTRY'],
  updateCycle: 'P1M',
  key: ['sourceId'],
  districtField: 'district',
  defaultOrder: { field: 'year', direction: 'DESC' },
  fields: {
    ...inputUseReportFields,
    fertiliserType: {
      type: 'enum',
      enum: fertiliserType,
      zh: '化肥种类',
      en: 'Fertiliser type',
      required: true,
      filter: true,
    },
    amountKg: {
      type: 'number',
      scale: 2,
      zh: '实物量（千克）',
      en: 'Product amount (kg)',
      required: true,
      min: 0,
      sortable: true,
    },
    pureAmountKg: {
      type: 'number',
      scale: 2,
      zh: '折纯量（千克）',
      en: 'Nutrient (pure) amount (kg)',
      min: 0,
      sortable: true,
    },
    areaMu: {
      type: 'number',
      scale: 2,
      zh: '施用面积（亩）',
      en: 'Fertilised area (mu)',
      min: 0,
      sortable: true,
    },
  },
});

/** The table, exported for drizzle-kit, which reads every `*.ts` here for tables. */
export const table = fertiliserUse.drizzle;
