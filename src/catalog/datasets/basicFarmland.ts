import { defineDataset } from '../define.js';
import { districtField, townField } from '../fields.js';

/**
 * 永久基本农田: the planning and natural resources commission designates it (划定), so it is PLANNING's own
 * dataset rather than a flag on AGRICULTURE's farmland-class rows, which only their publishers can write.
 * Every field is OPEN: each department checks its plans against the designated land (一张图), and the
 * parcel boundaries are not disclosed to the public at this scale.
 */
export const basicFarmland = defineDataset({
  name: 'basicFarmland',
  position: 50,
  names: { type: 'BasicFarmland', one: 'basicFarmland', many: 'basicFarmlands' },
  table: 'basic_farmland',
  zh: '永久基本农田',
  en: 'Permanent basic farmland',
  description:
    '规划自然资源部门划定的永久基本农田图斑 / parcels designated permanent basic farmland by the planning commission',
  owner: 'PLANNING',
  updateCycle: 'P1Y',
  key: ['parcelCode'],
  districtField: 'district',
  geometryField: 'boundary',
  defaultOrder: { field: 'parcelCode', direction: 'ASC' },
  fields: {
    parcelCode: {
      type: 'text',
      zh: '图斑编号',
      en: 'Parcel code',
      required: true,
      filter: true,
      sortable: true,
      search: true,
    },
    district: districtField,
    town: townField,
    boundary: { type: 'polygon', zh: '图斑边界', en: 'Parcel boundary', required: true },
    areaMu: {
      type: 'number',
      scale: 2,
      zh: '面积（亩）',
      en: 'Area (mu)',
      required: true,
      min: 0,
      sortable: true,
    },
    designatedOn: {
      type: 'date',
      zh: '划定日期',
      en: 'Designated on',
      filter: true,
      sortable: true,
    },
    designationDocNo: {
      type: 'text',
      zh: '划定文件文号',
      en: 'Designation document number',
      filter: true,
      search: true,
    },
  },
  links: {
    overlappingFarmlandClasses: {
      kind: 'overlap',
      to: 'farmlandClass',
      from: 'boundary',
      toField: 'boundary',
      zh: '与图斑重叠的农用地土壤环境质量类别地块',
      en: 'Farmland-class parcels overlapping this parcel',
    },
  },
});

/** The table, exported for drizzle-kit, which reads every `*.ts` here for tables. */
export const table = basicFarmland.drizzle;
