import { defineDataset, defineEnum } from '../define.js';
import { landCategory } from '../enums.js';
import { districtField, townField } from '../fields.js';
import { PLANS } from '../plans.js';

export const farmlandQualityClass = defineEnum(
  'FarmlandQualityClass',
  '耕地土壤环境质量类别',
  'Farmland soil quality class',
  {
    PRIORITY_PROTECTION: { zh: '优先保护类', en: 'Priority protection' },
    SAFE_USE: { zh: '安全利用类', en: 'Safe use' },
    STRICT_CONTROL: { zh: '严格管控类', en: 'Strict control' },
  },
);

export const farmlandClass = defineDataset({
  name: 'farmlandClass',
  position: 40,
  names: { type: 'FarmlandClass', one: 'farmlandClass', many: 'farmlandClasses' },
  table: 'farmland_class',
  zh: '农用地土壤环境质量类别',
  en: 'Farmland soil quality class',
  description:
    '耕地、园地、林地土壤环境质量类别划分结果 / classification of cultivated land, orchards and forest land by soil quality',
  owner: 'AGRICULTURE',
  // The forestry bureau classes the orchards and forest land it manages (园地、林地): its own rows only.
  publishers: ['FORESTRY'],
  mandates: [
    {
      to: ['ECOLOGY'],
      fields: ['qualityClass', 'boundary'],
      basis: { plan: PLANS.fyp14, article: '一(二)1', quote: '耕地土壤环境质量类别动态调整' },
    },
  ],
  updateCycle: 'P1Y',
  key: ['parcelCode'],
  districtField: 'district',
  geometryField: 'boundary',
  defaultOrder: { field: 'parcelCode', direction: 'ASC' },
  fields: {
    parcelCode: {
      type: 'text',
      zh: '地块编码',
      en: 'Parcel code',
      required: true,
      filter: true,
      sortable: true,
      search: true,
    },
    qualityClass: {
      sharing: 'CONDITIONAL',
      type: 'enum',
      enum: farmlandQualityClass,
      zh: '类别',
      en: 'Quality class',
      required: true,
      filter: true,
    },
    landCategory: {
      type: 'enum',
      enum: landCategory,
      zh: '地类',
      en: 'Land category',
      required: true,
      filter: true,
    },
    district: districtField,
    town: townField,
    areaMu: {
      type: 'number',
      scale: 2,
      zh: '面积（亩）',
      en: 'Area (mu)',
      required: true,
      min: 0,
      sortable: true,
    },
    measures: { type: 'text', zh: '管控措施', en: 'Measures', search: true },
    classifiedOn: { type: 'date', zh: '划分日期', en: 'Classified on', filter: true, sortable: true },
    boundary: { sharing: 'CONDITIONAL', type: 'polygon', zh: '地块边界', en: 'Parcel boundary' },
  },
  links: {
    overlappingBasicFarmland: {
      kind: 'overlap',
      to: 'basicFarmland',
      from: 'boundary',
      toField: 'boundary',
      zh: '与地块重叠的永久基本农田',
      en: 'Permanent basic farmland overlapping this parcel',
    },
  },
});

/** The table, exported for drizzle-kit, which reads every `*.ts` here for tables. */
export const table = farmlandClass.drizzle;
