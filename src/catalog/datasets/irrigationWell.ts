import { defineDataset, defineEnum } from '../define.js';
import { districtField, townField } from '../fields.js';
import { PLANS } from '../plans.js';

export const waterSource = defineEnum('WaterSource', '水源类型', 'Water source', {
  GROUNDWATER: { zh: '地下水', en: 'Groundwater' },
  SURFACE_WATER: { zh: '地表水', en: 'Surface water' },
  RECLAIMED_WATER: { zh: '再生水', en: 'Reclaimed water' },
});

export const waterQualityResult = defineEnum('WaterQualityResult', '水质检测结论', 'Water quality result', {
  COMPLIANT: { zh: '达标', en: 'Compliant' },
  NON_COMPLIANT: { zh: '超标', en: 'Non-compliant' },
});

export const irrigationWell = defineDataset({
  name: 'irrigationWell',
  position: 100,
  names: { type: 'IrrigationWell', one: 'irrigationWell', many: 'irrigationWells' },
  table: 'irrigation_well',
  zh: '农田灌溉机井',
  en: 'Farmland irrigation wells',
  description:
    '水务部门登记的农田灌溉机井及水质检测 / farmland irrigation wells and their water-quality tests',
  owner: 'WATER',
  mandates: [
    {
      to: ['ECOLOGY'],
      fields: ['lastTestResult'],
      basis: {
        plan: PLANS.workPlan2016,
        article: '灌溉水水质管理',
        quote: '加强灌溉水水质管理 … 土壤土质、农产品质量协同监测',
      },
    },
  ],
  updateCycle: 'P1Y',
  key: ['wellCode'],
  districtField: 'district',
  geometryField: 'location',
  defaultOrder: { field: 'wellCode', direction: 'ASC' },
  fields: {
    wellCode: {
      type: 'text',
      zh: '机井编号',
      en: 'Well code',
      required: true,
      filter: true,
      sortable: true,
      search: true,
    },
    district: districtField,
    town: townField,
    location: { type: 'point', zh: '机井位置', en: 'Well location', required: true },
    depthM: { type: 'number', scale: 2, zh: '井深（米）', en: 'Depth (m)', min: 0, sortable: true },
    irrigatedAreaMu: {
      type: 'number',
      scale: 2,
      zh: '灌溉面积（亩）',
      en: 'Irrigated area (mu)',
      min: 0,
      sortable: true,
    },
    waterSource: { type: 'enum', enum: waterSource, zh: '水源类型', en: 'Water source', filter: true },
    lastTestedOn: {
      type: 'date',
      zh: '最近水质检测日期',
      en: 'Last water-quality test',
      filter: true,
      sortable: true,
    },
    lastTestResult: {
      sharing: 'CONDITIONAL',
      type: 'enum',
      enum: waterQualityResult,
      zh: '最近检测结论',
      en: 'Last test result',
      filter: true,
    },
  },
});

/** The table, exported for drizzle-kit, which reads every `*.ts` here for tables. */
export const table = irrigationWell.drizzle;
