import { defineDataset } from '../define.js';
import {
  creditCodeField,
  districtField,
  industryCodeField,
  industryNameField,
  yearField,
} from '../fields.js';

export const keySupervisedUnit = defineDataset({
  name: 'keySupervisedUnit',
  position: 110,
  names: { type: 'KeySupervisedUnit', one: 'keySupervisedUnit', many: 'keySupervisedUnits' },
  table: 'key_supervised_unit',
  zh: '土壤污染重点监管单位名录',
  en: 'Key supervised units for soil pollution',
  description: '生态环境部门发布的土壤污染重点监管单位名录 / the yearly list of key supervised units',
  owner: 'ECOLOGY',
  updateCycle: 'P1Y',
  key: ['creditCode', 'listedYear'],
  districtField: 'district',
  geometryField: 'siteBoundary',
  defaultOrder: { field: 'listedYear', direction: 'DESC' },
  fields: {
    // 向社会公开: the plans order the list published (who is listed, where, in which industry); the
    // checks' outcomes below are not.
    creditCode: { ...creditCodeField(), sharing: 'PUBLIC' },
    listedYear: { ...yearField('列入年度', 'Listed year'), sharing: 'PUBLIC' },
    name: { type: 'text', zh: '单位名称', en: 'Unit name', required: true, search: true, sharing: 'PUBLIC' },
    industryCode: { ...industryCodeField, sharing: 'PUBLIC' },
    industryName: { ...industryNameField, sharing: 'PUBLIC' },
    district: { ...districtField, sharing: 'PUBLIC' },
    // The site, its toxic substances and key facilities (from the unit's hidden-danger check) are for the
    // departments' joint supervision (一张图), not disclosed: the plans order only the list published.
    siteBoundary: { type: 'polygon', zh: '厂区边界', en: 'Site boundary' },
    toxicSubstances: {
      type: 'textList',
      zh: '涉及的有毒有害物质',
      en: 'Toxic and hazardous substances handled',
    },
    keyFacilities: {
      type: 'textList',
      zh: '重点场所和重点设施设备',
      en: 'Key areas, facilities and equipment',
    },
    hiddenDangerCheckDone: {
      type: 'boolean',
      zh: '已开展隐患排查',
      en: 'Hidden-danger check done',
      filter: true,
    },
    selfMonitoringDone: { type: 'boolean', zh: '已开展自行监测', en: 'Self-monitoring done', filter: true },
    anomalies: {
      sharing: 'CONDITIONAL',
      type: 'text',
      zh: '发现的异常情况',
      en: 'Anomalies found',
      search: true,
    },
  },
  links: {
    landRightChanges: {
      kind: 'many',
      to: 'landRightChange',
      on: { creditCode: 'creditCode' },
      zh: '该单位的用地变更',
      en: 'Land-right changes of this unit',
    },
  },
});

/** The table, exported for drizzle-kit, which reads every `*.ts` here for tables. */
export const table = keySupervisedUnit.drizzle;
