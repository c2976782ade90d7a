import { defineDataset } from '../define.js';
import { districtField } from '../fields.js';

export const constructionPermit = defineDataset({
  name: 'constructionPermit',
  position: 80,
  names: { type: 'ConstructionPermit', one: 'constructionPermit', many: 'constructionPermits' },
  table: 'construction_permit',
  zh: '施工许可证',
  en: 'Construction permits',
  description: '住房城乡建设部门核发的建筑工程施工许可证 / building construction permits',
  owner: 'HOUSING',
  updateCycle: 'P1D',
  key: ['permitNo'],
  districtField: 'district',
  geometryField: 'boundary',
  defaultOrder: { field: 'issuedOn', direction: 'DESC' },
  fields: {
    permitNo: {
      type: 'text',
      zh: '施工许可证编号',
      en: 'Permit number',
      required: true,
      filter: true,
      sortable: true,
    },
    projectName: { type: 'text', zh: '项目名称', en: 'Project name', required: true, search: true },
    parcelCode: { type: 'text', zh: '地块编码', en: 'Parcel code', filter: true },
    district: districtField,
    address: { type: 'text', zh: '建设地址', en: 'Address', search: true },
    // The plot the permit builds on, as the planning permit draws it: OPEN, like the plot (一张图).
    boundary: { type: 'polygon', zh: '建设用地边界', en: 'Plot boundary' },
    builder: { type: 'text', zh: '建设单位', en: 'Builder (developer)', search: true },
    builderCreditCode: {
      type: 'creditCode',
      zh: '建设单位统一社会信用代码',
      en: 'Builder credit code',
      filter: true,
    },
    issuedOn: { type: 'date', zh: '发证日期', en: 'Issued on', required: true, filter: true, sortable: true },
    floorAreaM2: {
      type: 'number',
      scale: 2,
      zh: '建筑面积（平方米）',
      en: 'Floor area (m²)',
      min: 0,
      sortable: true,
    },
    // The contact's name is shared with every department, masked (王*); the phone only under a grant.
    contactPerson: {
      sharing: 'OPEN',
      type: 'text',
      zh: '联系人',
      en: 'Contact person',
      personal: true,
      mask: 'name',
    },
    contactPhone: {
      sharing: 'CONDITIONAL',
      type: 'text',
      zh: '联系电话',
      en: 'Contact phone',
      personal: true,
      mask: 'phone',
    },
  },
  links: {
    landUseChange: {
      kind: 'one',
      to: 'landUseChange',
      on: { parcelCode: 'parcelCode' },
      zh: '对应的"一住两公"用途变更地块',
      en: 'The rezoned plot this permit is issued on',
    },
    overlappingRegisterSites: {
      kind: 'overlap',
      to: 'contaminatedSite',
      from: 'boundary',
      toField: 'boundary',
      zh: '与建设用地重叠的风险管控和修复名录地块',
      en: 'Register sites overlapping the permitted plot',
    },
    overlappingPriorityPlots: {
      kind: 'overlap',
      to: 'priorityPlot',
      from: 'boundary',
      toField: 'boundary',
      zh: '与建设用地重叠的优先监管地块',
      en: 'Priority supervised plots overlapping the permitted plot',
    },
  },
});

/** The table, exported for drizzle-kit, which reads every `*.ts` here for tables. */
export const table = constructionPermit.drizzle;
