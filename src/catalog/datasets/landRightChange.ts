import { defineDataset, defineEnum } from '../define.js';
import { districtField } from '../fields.js';

export const landRightChangeType = defineEnum('LandRightChangeType', '变更类型', 'Land-right change type', {
  USE_CHANGE: { zh: '用途变更', en: 'Change of use' },
  RECOVERY: { zh: '土地使用权收回', en: 'Recovery of the land-use right' },
  TRANSFER: { zh: '土地使用权转让', en: 'Transfer of the land-use right' },
});

export const landRightChange = defineDataset({
  name: 'landRightChange',
  position: 70,
  names: { type: 'LandRightChange', one: 'landRightChange', many: 'landRightChanges' },
  table: 'land_right_change',
  zh: '重点监管单位用地变更',
  en: 'Land-right changes of key supervised units',
  description:
    '重点监管单位用地用途变更或土地使用权收回、转让 / change of use, recovery or transfer of land of key supervised units',
  owner: 'PLANNING',
  updateCycle: 'P7D',
  key: ['parcelCode', 'eventNo'],
  districtField: 'district',
  geometryField: 'boundary',
  defaultOrder: { field: 'effectiveOn', direction: 'DESC' },
  fields: {
    parcelCode: {
      type: 'text',
      zh: '地块编码',
      en: 'Parcel code',
      required: true,
      filter: true,
      sortable: true,
    },
    eventNo: { type: 'text', zh: '变更事项编号', en: 'Change event number', required: true, filter: true },
    creditCode: {
      type: 'creditCode',
      zh: '统一社会信用代码',
      en: 'Unified social credit code',
      required: true,
      filter: true,
    },
    enterpriseName: { type: 'text', zh: '企业名称', en: 'Enterprise name', required: true, search: true },
    district: districtField,
    changeType: {
      type: 'enum',
      enum: landRightChangeType,
      zh: '变更类型',
      en: 'Change type',
      required: true,
      filter: true,
    },
    effectiveOn: {
      type: 'date',
      zh: '生效日期',
      en: 'Effective date',
      required: true,
      filter: true,
      sortable: true,
    },
    newUse: { type: 'text', zh: '变更后用途', en: 'New use', filter: true, search: true },
    boundary: { type: 'polygon', zh: '地块边界', en: 'Plot boundary' },
  },
  links: {
    keySupervisedUnits: {
      kind: 'many',
      to: 'keySupervisedUnit',
      on: { creditCode: 'creditCode' },
      zh: '重点监管单位名录记录',
      en: 'Key supervised unit entries of this enterprise',
    },
  },
});

/** The table, exported for drizzle-kit, which reads every `*.ts` here for tables. */
export const table = landRightChange.drizzle;
