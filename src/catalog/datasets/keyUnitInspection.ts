import { defineDataset } from '../define.js';
import { creditCodeField, districtField } from '../fields.js';

/**
 * 隐患排查: what a key unit's hidden-danger check found and when it was put right. That a finding exists and
 * its dates are OPEN (they are what the supervision follows); the facility and what was wrong are
 * CONDITIONAL, as the unit list's anomalies are.
 */
export const keyUnitInspection = defineDataset({
  name: 'keyUnitInspection',
  position: 220,
  names: { type: 'KeyUnitInspection', one: 'keyUnitInspection', many: 'keyUnitInspections' },
  table: 'key_unit_inspection',
  zh: '重点监管单位土壤污染隐患排查发现问题',
  en: 'Hidden-danger findings at key supervised units',
  description: '隐患排查发现的问题及整改期限、整改完成日期 / hidden-danger findings and their rectification',
  owner: 'ECOLOGY',
  updateCycle: 'P1M',
  key: ['creditCode', 'findingNo'],
  districtField: 'district',
  defaultOrder: { field: 'foundOn', direction: 'DESC' },
  fields: {
    creditCode: creditCodeField('重点监管单位统一社会信用代码', 'Credit code of the key unit'),
    findingNo: {
      type: 'text',
      example: 'YH2024-0001',
      zh: '问题编号',
      en: 'Finding no.',
      maxLength: 40,
      required: true,
      filter: true,
      search: true,
    },
    foundOn: { type: 'date', zh: '发现日期', en: 'Found on', required: true, filter: true, sortable: true },
    facility: {
      sharing: 'CONDITIONAL',
      type: 'text',
      zh: '涉及设施',
      en: 'Facility',
      maxLength: 100,
      search: true,
    },
    description: {
      sharing: 'CONDITIONAL',
      type: 'text',
      zh: '问题描述',
      en: 'Description',
      maxLength: 500,
      search: true,
    },
    rectifyBy: { type: 'date', zh: '整改期限', en: 'Rectify by', filter: true, sortable: true },
    rectifiedOn: { type: 'date', zh: '整改完成日期', en: 'Rectified on', filter: true, sortable: true },
    district: districtField,
  },
  links: {
    keySupervisedUnits: {
      kind: 'many',
      to: 'keySupervisedUnit',
      on: { creditCode: 'creditCode' },
      zh: '重点监管单位名录记录',
      en: 'Key supervised unit entries of this unit',
    },
  },
});

/** The table, exported for drizzle-kit, which reads every `*.ts` here for tables. */
export const table = keyUnitInspection.drizzle;
