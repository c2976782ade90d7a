import { defineDataset, defineEnum } from '../define.js';
import { analyteResultsField, districtField, sampledOnField } from '../fields.js';

export const monitoringNetworkLevel = defineEnum(
  'MonitoringNetworkLevel',
  '监测网络层级',
  'Monitoring network level',
  {
    NATIONAL: { zh: '国控', en: 'National control point' },
    MUNICIPAL: { zh: '市控', en: 'Municipal control point' },
    DISTRICT: { zh: '区控', en: 'District control point' },
  },
);

export const monitoredLandType = defineEnum('MonitoredLandType', '监测用地类型', 'Monitored land type', {
  FARMLAND: { zh: '农用地', en: 'Farmland' },
  CONSTRUCTION_LAND: { zh: '建设用地', en: 'Construction land' },
  UNUSED_LAND: { zh: '未利用地', en: 'Unused land' },
});

export const monitoringPurpose = defineEnum('MonitoringPurpose', '点位用途', 'Monitoring point purpose', {
  GENERAL: { zh: '一般点位', en: 'General (area) point' },
  KEY_UNIT: { zh: '重点监管单位周边', en: 'Around a key supervised unit' },
  SENSITIVE_RECEPTOR: { zh: '敏感受体周边', en: 'Around a sensitive receptor' },
});

export const soilMonitoringNetwork = defineDataset({
  name: 'soilMonitoringNetwork',
  position: 150,
  names: {
    type: 'SoilMonitoringNetworkSample',
    one: 'soilMonitoringNetworkSample',
    many: 'soilMonitoringNetworkSamples',
  },
  table: 'soil_monitoring_network',
  zh: '土壤环境监测网络',
  en: 'Soil environment monitoring network',
  description:
    '生态环境部门国控、市控、区控土壤监测点位的分项检测结果 / results per analyte of the ecology bureau’s national, municipal and district soil monitoring points',
  // The ecology bureau's own network: its results are ECOLOGY's; other departments read them on a grant.
  owner: 'ECOLOGY',
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
      sortable: true,
      search: true,
    },
    sampledOn: sampledOnField,
    networkLevel: {
      type: 'enum',
      enum: monitoringNetworkLevel,
      zh: '网络层级',
      en: 'Network level',
      required: true,
      filter: true,
    },
    landType: {
      type: 'enum',
      enum: monitoredLandType,
      zh: '用地类型',
      en: 'Land type',
      required: true,
      filter: true,
    },
    purpose: {
      type: 'enum',
      enum: monitoringPurpose,
      zh: '点位用途',
      en: 'Purpose',
      required: true,
      filter: true,
    },
    creditCode: {
      type: 'creditCode',
      zh: '所在重点监管单位统一社会信用代码',
      en: 'Credit code of the key supervised unit monitored',
      filter: true,
    },
    district: districtField,
    // Control points' exact positions are kept from the public and shared on approval (有条件共享).
    location: { type: 'point', zh: '点位坐标', en: 'Point location', required: true, sharing: 'CONDITIONAL' },
    ph: { type: 'number', scale: 2, zh: 'pH 值', en: 'Soil pH', min: 0, max: 14, sortable: true },
    results: analyteResultsField(['mg/kg']),
  },
  links: {
    keyUnitListings: {
      kind: 'many',
      to: 'keySupervisedUnit',
      on: { creditCode: 'creditCode' },
      zh: '所在重点监管单位的名录记录',
      en: 'List entries of the key supervised unit monitored',
    },
    overlappingRegisterSites: {
      kind: 'overlap',
      to: 'contaminatedSite',
      from: 'location',
      toField: 'boundary',
      zh: '点位所在的风险管控和修复名录地块',
      en: 'Register sites the point lies on',
    },
    overlappingLandUseChanges: {
      kind: 'overlap',
      to: 'landUseChange',
      from: 'location',
      toField: 'boundary',
      zh: '点位所在的"一住两公"地块',
      en: 'Rezoned plots the point lies on',
    },
  },
});

/** The table, exported for drizzle-kit, which reads every `*.ts` here for tables. */
export const table = soilMonitoringNetwork.drizzle;
