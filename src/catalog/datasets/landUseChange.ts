import { defineDataset, defineEnum } from '../define.js';
import { districtField } from '../fields.js';

export const plannedUse = defineEnum('PlannedUse', '规划用途', 'Planned use', {
  RESIDENTIAL: { zh: '住宅用地', en: 'Residential' },
  PUBLIC_SERVICE: { zh: '公共管理与公共服务用地', en: 'Public administration and public service' },
});

export const landUseChange = defineDataset({
  name: 'landUseChange',
  position: 60,
  names: { type: 'LandUseChange', one: 'landUseChange', many: 'landUseChanges' },
  table: 'land_use_change',
  zh: '用途变更为"一住两公"地块',
  en: 'Plots rezoned to housing or public service',
  description:
    '用途变更为住宅、公共管理与公共服务用地的地块，边界与面积以规划许可为准 / plots whose use changes to residential or public service, boundary and area from the planning permit',
  owner: 'PLANNING',
  updateCycle: 'P7D',
  key: ['parcelCode'],
  districtField: 'district',
  geometryField: 'boundary',
  defaultOrder: { field: 'permitDate', direction: 'DESC' },
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
    district: districtField,
    address: { type: 'text', zh: '地址', en: 'Address', search: true },
    boundary: { type: 'polygon', zh: '地块边界', en: 'Plot boundary', required: true },
    areaM2: {
      type: 'number',
      scale: 2,
      zh: '面积（平方米）',
      en: 'Area (m²)',
      required: true,
      min: 0,
      sortable: true,
    },
    originalUse: { type: 'text', zh: '原用途', en: 'Original use', filter: true, search: true },
    plannedUse: {
      type: 'enum',
      enum: plannedUse,
      zh: '规划用途',
      en: 'Planned use',
      required: true,
      filter: true,
    },
    planningPermitNo: { type: 'text', zh: '规划许可证号', en: 'Planning permit number', filter: true },
    permitDate: {
      type: 'date',
      zh: '规划许可日期',
      en: 'Planning permit date',
      filter: true,
      sortable: true,
    },
    rightHolder: { type: 'text', zh: '土地使用权人', en: 'Land-use-right holder', search: true },
    rightHolderContact: {
      sharing: 'CONDITIONAL',
      type: 'text',
      zh: '土地使用权人联系电话',
      en: 'Land-use-right holder contact phone',
      personal: true,
      mask: 'phone',
    },
  },
  links: {
    constructionPermits: {
      kind: 'many',
      to: 'constructionPermit',
      on: { parcelCode: 'parcelCode' },
      zh: '该地块的施工许可证',
      en: 'Construction permits issued on this plot',
    },
    overlappingRegisterSites: {
      kind: 'overlap',
      to: 'contaminatedSite',
      from: 'boundary',
      toField: 'boundary',
      zh: '与地块重叠的风险管控和修复名录地块',
      en: 'Register sites overlapping this plot',
    },
    overlappingClosedEnterprises: {
      kind: 'overlap',
      to: 'closedEnterprise',
      from: 'boundary',
      toField: 'siteBoundary',
      zh: '与地块重叠的关停企业原址',
      en: 'Closed-enterprise sites overlapping this plot',
    },
    overlappingPriorityPlots: {
      kind: 'overlap',
      to: 'priorityPlot',
      from: 'boundary',
      toField: 'boundary',
      zh: '与地块重叠的优先监管地块',
      en: 'Priority supervised plots overlapping this plot',
    },
  },
});

/** The table, exported for drizzle-kit, which reads every `*.ts` here for tables. */
export const table = landUseChange.drizzle;
