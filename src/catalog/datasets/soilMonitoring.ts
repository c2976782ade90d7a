import { defineDataset } from '../define.js';
import { landCategory } from '../enums.js';
import { districtField, townField } from '../fields.js';
import { PLANS } from '../plans.js';
import type { FieldDef } from '../types.js';

const metal = (zh: string, en: string): FieldDef => ({
  type: 'number',
  scale: 3,
  zh: `${zh}（毫克/千克）`,
  en: `${en} (mg/kg)`,
  min: 0,
  sortable: true,
  // Measured pollutant contents are shared on approval only (有条件共享).
  sharing: 'CONDITIONAL',
});

export const soilMonitoring = defineDataset({
  name: 'soilMonitoring',
  position: 30,
  names: { type: 'SoilMonitoring', one: 'soilMonitoring', many: 'soilMonitorings' },
  table: 'soil_monitoring',
  zh: '土壤环境监测',
  en: 'Soil environment monitoring',
  description: '农用地与绿地土壤环境监测点位结果 / soil monitoring results for farmland and green land',
  owner: 'AGRICULTURE',
  publishers: ['FORESTRY'],
  mandates: [
    {
      to: ['ECOLOGY'],
      fields: ['location', 'cadmium', 'mercury', 'arsenic', 'lead', 'chromium', 'copper', 'nickel', 'zinc'],
      basis: { plan: PLANS.fyp14, article: '四(二)3', quote: '农药、化肥使用数据及其监测数据' },
    },
  ],
  updateCycle: 'P1Y',
  key: ['pointCode', 'sampledOn'],
  districtField: 'district',
  geometryField: 'location',
  defaultOrder: { field: 'sampledOn', direction: 'DESC' },
  fields: {
    pointCode: {
      type: 'text',
      zh: '点位编号',
      en: 'Monitoring point code',
      required: true,
      filter: true,
      search: true,
    },
    sampledOn: {
      type: 'date',
      zh: '采样日期',
      en: 'Sampled on',
      required: true,
      filter: true,
      sortable: true,
    },
    district: districtField,
    town: townField,
    location: { sharing: 'CONDITIONAL', type: 'point', zh: '点位坐标', en: 'Point location', required: true },
    landCategory: {
      type: 'enum',
      enum: landCategory,
      zh: '地类',
      en: 'Land category',
      required: true,
      filter: true,
    },
    ph: { type: 'number', scale: 2, zh: 'pH 值', en: 'Soil pH', min: 0, max: 14, sortable: true },
    cadmium: metal('镉', 'Cadmium'),
    mercury: metal('汞', 'Mercury'),
    arsenic: metal('砷', 'Arsenic'),
    lead: metal('铅', 'Lead'),
    chromium: metal('铬', 'Chromium'),
    copper: metal('铜', 'Copper'),
    nickel: metal('镍', 'Nickel'),
    zinc: metal('锌', 'Zinc'),
  },
});

/** The table, exported for drizzle-kit, which reads every `*.ts` here for tables. */
export const table = soilMonitoring.drizzle;
