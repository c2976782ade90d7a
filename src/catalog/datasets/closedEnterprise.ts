import { defineDataset, defineEnum } from '../define.js';
import { creditCodeField, districtField, industryCodeField, industryNameField } from '../fields.js';

export const closureType = defineEnum('ClosureType', '关停类型', 'Closure type', {
  SHUTDOWN: { zh: '关停', en: 'Shut down' },
  RELOCATION: { zh: '搬迁', en: 'Relocated' },
  DEREGISTRATION: { zh: '注销', en: 'Deregistered' },
});

export const closedEnterprise = defineDataset({
  name: 'closedEnterprise',
  position: 90,
  names: { type: 'ClosedEnterprise', one: 'closedEnterprise', many: 'closedEnterprises' },
  table: 'closed_enterprise',
  zh: '关停退出企业',
  en: 'Closed and relocated enterprises',
  description: '经济和信息化部门报送的关停、搬迁、注销企业 / enterprises closed, relocated or deregistered',
  owner: 'ECONOMY',
  updateCycle: 'P1M',
  key: ['creditCode'],
  districtField: 'district',
  geometryField: 'siteBoundary',
  defaultOrder: { field: 'closedOn', direction: 'DESC' },
  fields: {
    creditCode: creditCodeField(),
    name: { type: 'text', zh: '企业名称', en: 'Enterprise name', required: true, search: true },
    industryCode: industryCodeField,
    industryName: industryNameField,
    district: districtField,
    address: { type: 'text', zh: '地址', en: 'Address', search: true },
    siteLocation: { type: 'point', zh: '原址位置', en: 'Site location' },
    siteBoundary: { type: 'polygon', zh: '原址边界', en: 'Site boundary' },
    closedOn: { type: 'date', zh: '关停日期', en: 'Closed on', required: true, filter: true, sortable: true },
    closureType: {
      type: 'enum',
      enum: closureType,
      zh: '关停类型',
      en: 'Closure type',
      required: true,
      filter: true,
    },
    dischargePermitRevoked: {
      type: 'boolean',
      zh: '排污许可证已注销',
      en: 'Pollutant-discharge permit revoked',
      filter: true,
    },
    legalRepresentative: {
      sharing: 'CONDITIONAL',
      type: 'text',
      zh: '法定代表人',
      en: 'Legal representative',
      personal: true,
      mask: 'name',
    },
    legalRepresentativePhone: {
      type: 'text',
      zh: '法定代表人电话',
      en: 'Legal representative phone',
      personal: true,
      mask: 'phone',
    },
  },
  links: {
    screening: {
      kind: 'one',
      to: 'siteScreening',
      on: { creditCode: 'creditCode' },
      zh: '原址用地筛查台账记录',
      en: 'Site screening ledger entry',
    },
  },
});

/** The table, exported for drizzle-kit, which reads every `*.ts` here for tables. */
export const table = closedEnterprise.drizzle;
