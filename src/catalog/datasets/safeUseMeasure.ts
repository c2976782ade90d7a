import { defineDataset, defineEnum } from '../define.js';
import { districtField, yearField } from '../fields.js';

export const safeUseMeasureType = defineEnum('SafeUseMeasureType', '安全利用与严格管控措施', 'Measure', {
  LOW_ACCUMULATION_VARIETY: { zh: '低积累品种替代', en: 'Low-accumulation varieties' },
  WATER_MANAGEMENT: { zh: '水分调控', en: 'Water management' },
  LIME: { zh: '石灰调节', en: 'Liming' },
  FOLIAR_INHIBITION: { zh: '叶面阻控', en: 'Foliar inhibitors' },
  SOIL_PASSIVATION: { zh: '土壤钝化', en: 'Soil passivation' },
  BALANCED_FERTILISATION: { zh: '优化施肥', en: 'Balanced fertilisation' },
  CROP_ADJUSTMENT: { zh: '种植结构调整', en: 'Crop structure adjustment' },
  RETURN_TO_FOREST_GRASS: { zh: '退耕还林还草', en: 'Return to forest or grassland' },
  NO_FOOD_CROPS: { zh: '禁止种植食用农产品', en: 'No food crops' },
  FALLOW: { zh: '休耕', en: 'Fallow' },
});

export const safeUseMeasureKind = defineEnum('SafeUseMeasureKind', '措施类型', 'Measure kind', {
  SAFE_USE: { zh: '安全利用', en: 'Safe use' },
  STRICT_CONTROL: { zh: '严格管控', en: 'Strict control' },
});

/**
 * The numerator of 受污染耕地安全利用率: per parcel and year, the area under each measure and whether its
 * effect was confirmed. The measure and its kind say the parcel's class (a strict-control measure on a
 * 严格管控类 parcel), which farmlandClass shares only conditionally: so are they here.
 */
export const safeUseMeasure = defineDataset({
  name: 'safeUseMeasure',
  position: 210,
  names: { type: 'SafeUseMeasure', one: 'safeUseMeasure', many: 'safeUseMeasures' },
  table: 'safe_use_measure',
  zh: '受污染耕地安全利用与严格管控措施',
  en: 'Safe-use and strict-control measures on contaminated farmland',
  description:
    '安全利用类、严格管控类耕地逐年落实的措施、面积及效果 / measures, area and effect per parcel and year',
  owner: 'AGRICULTURE',
  updateCycle: 'P1Y',
  key: ['parcelCode', 'year', 'measure'],
  districtField: 'district',
  defaultOrder: { field: 'year', direction: 'DESC' },
  indexes: [['district', 'year']],
  fields: {
    parcelCode: {
      type: 'text',
      zh: '耕地地块编码',
      en: 'Farmland parcel code',
      required: true,
      filter: true,
      sortable: true,
      search: true,
    },
    year: yearField('年度', 'Year'),
    measure: {
      type: 'enum',
      enum: safeUseMeasureType,
      zh: '措施',
      en: 'Measure',
      required: true,
      filter: true,
    },
    measureKind: {
      sharing: 'CONDITIONAL',
      type: 'enum',
      enum: safeUseMeasureKind,
      zh: '措施类型',
      en: 'Measure kind',
      required: true,
      filter: true,
    },
    areaMu: {
      type: 'number',
      scale: 2,
      zh: '措施面积（亩）',
      en: 'Area under the measure (mu)',
      required: true,
      min: 0,
      sortable: true,
    },
    effectConfirmed: { type: 'boolean', zh: '效果已确认', en: 'Effect confirmed', filter: true },
    district: districtField,
  },
  links: {
    farmlandClass: {
      kind: 'one',
      to: 'farmlandClass',
      on: { parcelCode: 'parcelCode' },
      zh: '耕地土壤环境质量类别',
      en: 'The parcel’s quality class',
    },
  },
});

/** The table, exported for drizzle-kit, which reads every `*.ts` here for tables. */
export const table = safeUseMeasure.drizzle;
