import { defineDataset } from '../define.js';
import { creditCodeField, districtField } from '../fields.js';

/**
 * 拆除活动污染防治方案备案: a key unit files its plan before it demolishes facilities or buildings. All OPEN:
 * a filing is an administrative fact the planning and housing departments check before land changes hands.
 */
export const demolitionFiling = defineDataset({
  name: 'demolitionFiling',
  position: 230,
  names: { type: 'DemolitionFiling', one: 'demolitionFiling', many: 'demolitionFilings' },
  table: 'demolition_filing',
  zh: '拆除活动污染防治方案备案',
  en: 'Demolition pollution-prevention plan filings',
  description:
    '重点监管单位拆除设施、设备或建构筑物前的土壤污染防治工作方案备案 / plans filed before key units demolish facilities',
  owner: 'ECOLOGY',
  districtPublishers: true,
  // The district bureau that receives the filing numbers it (CCBA-<district>-<year>-<serial>).
  publishingScope: {
    codeNamesDistrict: {
      field: 'filingNo',
      pattern: /^CCBA-(\d{6})-\d{4}-[0-9A-Z]{1,20}$/,
      hint: 'a filing number CCBA-<district code>-<year>-<serial>, e.g. CCBA-110105-2024-001',
    },
  },
  updateCycle: 'P1M',
  key: ['creditCode', 'filingNo'],
  districtField: 'district',
  defaultOrder: { field: 'filedOn', direction: 'DESC' },
  fields: {
    creditCode: creditCodeField('重点监管单位统一社会信用代码', 'Credit code of the key unit'),
    filingNo: {
      type: 'text',
      example: 'CCBA-110105-2024-001',
      zh: '备案编号',
      en: 'Filing no.',
      required: true,
      filter: true,
      sortable: true,
      search: true,
    },
    filedOn: { type: 'date', zh: '备案日期', en: 'Filed on', required: true, filter: true, sortable: true },
    demolitionFrom: { type: 'date', zh: '拆除开始日期', en: 'Demolition from', filter: true, sortable: true },
    demolitionTo: { type: 'date', zh: '拆除结束日期', en: 'Demolition to', filter: true, sortable: true },
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
    closedEnterprise: {
      kind: 'one',
      to: 'closedEnterprise',
      on: { creditCode: 'creditCode' },
      zh: '关停退出企业（已关停时）',
      en: 'The closed enterprise (once closed)',
    },
  },
});

/** The table, exported for drizzle-kit, which reads every `*.ts` here for tables. */
export const table = demolitionFiling.drizzle;
