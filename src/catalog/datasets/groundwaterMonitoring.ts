import { GROUNDWATER_CLASSES } from '../../standards/vocabulary.js';
import { defineDataset, defineEnum } from '../define.js';
import { analyteResultsField, districtField, sampledOnField } from '../fields.js';

// The same classes as the standards' (GB/T 14848), one GraphQL enum for both.
export const groundwaterClass = defineEnum(
  'GroundwaterClass',
  '地下水质量类别（GB/T 14848）',
  'Groundwater quality class (GB/T 14848)',
  GROUNDWATER_CLASSES,
);

export const groundwaterMonitoring = defineDataset({
  name: 'groundwaterMonitoring',
  position: 160,
  names: {
    type: 'GroundwaterMonitoringSample',
    one: 'groundwaterMonitoringSample',
    many: 'groundwaterMonitoringSamples',
  },
  table: 'groundwater_monitoring',
  zh: '地下水环境监测',
  en: 'Groundwater monitoring',
  description:
    '重点监管单位和名录地块周边地下水监测井的分项检测结果 / results per analyte of monitoring wells near key supervised units and register sites',
  // The ecology bureau's wells: its results and classes are ECOLOGY's, shared with others on a grant.
  owner: 'ECOLOGY',
  updateCycle: 'P6M',
  key: ['wellCode', 'sampledOn'],
  districtField: 'district',
  geometryField: 'location',
  defaultOrder: { field: 'sampledOn', direction: 'DESC' },
  fields: {
    wellCode: {
      type: 'text',
      zh: '监测井编号',
      en: 'Monitoring well code',
      required: true,
      filter: true,
      sortable: true,
      search: true,
    },
    sampledOn: sampledOnField,
    district: districtField,
    location: {
      type: 'point',
      zh: '监测井位置',
      en: 'Well location',
      required: true,
      sharing: 'CONDITIONAL',
    },
    siteCode: {
      type: 'text',
      zh: '邻近名录地块编码',
      en: 'Code of the register site nearby',
      filter: true,
    },
    creditCode: {
      type: 'creditCode',
      zh: '邻近重点监管单位统一社会信用代码',
      en: 'Credit code of the key supervised unit nearby',
      filter: true,
    },
    wellDepthM: { type: 'number', scale: 1, zh: '井深（米）', en: 'Well depth (m)', min: 0, sortable: true },
    results: analyteResultsField(['mg/L', 'μg/L'], { scale: 5 }),
    qualityClass: {
      type: 'enum',
      enum: groundwaterClass,
      zh: '水质类别',
      en: 'Quality class',
      filter: true,
      sharing: 'CONDITIONAL',
    },
  },
  links: {
    registerSite: {
      kind: 'one',
      to: 'contaminatedSite',
      on: { siteCode: 'siteCode' },
      zh: '邻近的名录地块',
      en: 'The register site nearby',
    },
    keyUnitListings: {
      kind: 'many',
      to: 'keySupervisedUnit',
      on: { creditCode: 'creditCode' },
      zh: '邻近重点监管单位的名录记录',
      en: 'List entries of the key supervised unit nearby',
    },
  },
});

/** The table, exported for drizzle-kit, which reads every `*.ts` here for tables. */
export const table = groundwaterMonitoring.drizzle;
