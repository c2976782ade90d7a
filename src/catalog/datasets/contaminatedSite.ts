import { defineDataset, defineEnum } from '../define.js';
import { districtField } from '../fields.js';

export const registerStatus = defineEnum('RegisterStatus', '名录状态', 'Register status', {
  LISTED: { zh: '在录', en: 'Listed' },
  REMOVED: { zh: '已移出', en: 'Removed' },
});

export const contaminatedSite = defineDataset({
  name: 'contaminatedSite',
  position: 120,
  names: { type: 'ContaminatedSite', one: 'contaminatedSite', many: 'contaminatedSites' },
  table: 'contaminated_site',
  zh: '建设用地土壤污染风险管控和修复名录',
  en: 'Contaminated land risk-control and remediation register',
  // 向社会公开: the plans order the register published; every field of it is PUBLIC.
  description:
    '列入名录的地块不得作为住宅、公共管理与公共服务用地 / listed sites may not become housing or public-service land',
  owner: 'ECOLOGY',
  updateCycle: 'P1M',
  key: ['siteCode'],
  districtField: 'district',
  geometryField: 'boundary',
  defaultOrder: { field: 'listedOn', direction: 'DESC' },
  fields: {
    siteCode: {
      type: 'text',
      zh: '地块编码',
      en: 'Site code',
      required: true,
      filter: true,
      sortable: true,
      search: true,
      sharing: 'PUBLIC',
    },
    name: { type: 'text', zh: '地块名称', en: 'Site name', required: true, search: true, sharing: 'PUBLIC' },
    district: { ...districtField, sharing: 'PUBLIC' },
    boundary: { type: 'polygon', zh: '地块边界', en: 'Site boundary', required: true, sharing: 'PUBLIC' },
    areaM2: {
      type: 'number',
      scale: 2,
      zh: '面积（平方米）',
      en: 'Area (m²)',
      min: 0,
      sortable: true,
      sharing: 'PUBLIC',
    },
    pollutants: { type: 'textList', zh: '主要污染物', en: 'Main pollutants', sharing: 'PUBLIC' },
    status: {
      sharing: 'PUBLIC',
      type: 'enum',
      enum: registerStatus,
      zh: '名录状态',
      en: 'Register status',
      required: true,
      filter: true,
    },
    listedOn: {
      type: 'date',
      zh: '列入日期',
      en: 'Listed on',
      required: true,
      filter: true,
      sortable: true,
      sharing: 'PUBLIC',
    },
    removedOn: {
      type: 'date',
      zh: '移出日期',
      en: 'Removed on',
      filter: true,
      sortable: true,
      sharing: 'PUBLIC',
    },
    plannedUse: {
      type: 'text',
      zh: '规划用途',
      en: 'Planned use',
      filter: true,
      search: true,
      sharing: 'PUBLIC',
    },
  },
  links: {
    overlappingLandUseChanges: {
      kind: 'overlap',
      to: 'landUseChange',
      from: 'boundary',
      toField: 'boundary',
      zh: '与该地块重叠的"一住两公"地块',
      en: 'Rezoned plots overlapping this site',
    },
  },
});

/** The table, exported for drizzle-kit, which reads every `*.ts` here for tables. */
export const table = contaminatedSite.drizzle;
