import { defineDataset, defineEnum } from '../define.js';
import { districtField } from '../fields.js';

export const investigationStatus = defineEnum('InvestigationStatus', '调查评估进展', 'Investigation status', {
  NOT_STARTED: { zh: '未启动', en: 'Not started' },
  PRELIMINARY_SURVEY: { zh: '初步调查', en: 'Preliminary survey' },
  DETAILED_SURVEY: { zh: '详细调查', en: 'Detailed survey' },
  RISK_ASSESSMENT: { zh: '风险评估', en: 'Risk assessment' },
  RISK_CONTROL: { zh: '风险管控或修复', en: 'Risk control or remediation' },
  COMPLETED: { zh: '已完成', en: 'Completed' },
});

export const priorityPlot = defineDataset({
  name: 'priorityPlot',
  position: 140,
  names: { type: 'PriorityPlot', one: 'priorityPlot', many: 'priorityPlots' },
  table: 'priority_plot',
  zh: '优先监管地块',
  en: 'Priority supervised plots',
  description: '由筛查台账确定的优先监管地块 / plots placed under priority supervision after screening',
  owner: 'ECOLOGY',
  districtPublishers: true,
  // A plot code names its district (YXJG-110105-001); a district's plot comes from its own screening entry.
  publishingScope: {
    codeNamesDistrict: {
      field: 'plotCode',
      pattern: /^YXJG-(\d{6})-[0-9A-Z]{1,20}$/,
      hint: 'a plot code YXJG-<district code>-<serial>, e.g. YXJG-110105-001',
    },
    entities: ['screening'],
  },
  updateCycle: 'P1M',
  key: ['plotCode'],
  districtField: 'district',
  geometryField: 'boundary',
  defaultOrder: { field: 'listedOn', direction: 'DESC' },
  fields: {
    plotCode: {
      type: 'text',
      example: 'YXJG-110105-001',
      zh: '地块编码',
      en: 'Plot code',
      required: true,
      filter: true,
      sortable: true,
      search: true,
    },
    sourceCreditCode: {
      type: 'creditCode',
      zh: '来源台账（关停企业统一社会信用代码）',
      en: 'Source ledger entry (closed enterprise credit code)',
      filter: true,
    },
    name: { type: 'text', zh: '地块名称', en: 'Plot name', search: true },
    district: districtField,
    boundary: { type: 'polygon', zh: '地块边界', en: 'Plot boundary' },
    reason: { sharing: 'CONDITIONAL', type: 'text', zh: '列入原因', en: 'Reason for listing', search: true },
    listedOn: { type: 'date', zh: '列入日期', en: 'Listed on', required: true, filter: true, sortable: true },
    investigationStatus: {
      type: 'enum',
      enum: investigationStatus,
      zh: '调查评估进展',
      en: 'Investigation status',
      required: true,
      filter: true,
    },
  },
  links: {
    screening: {
      kind: 'one',
      to: 'siteScreening',
      on: { sourceCreditCode: 'creditCode' },
      zh: '来源筛查台账记录',
      en: 'The screening ledger entry it came from',
    },
    overlappingLandUseChanges: {
      kind: 'overlap',
      to: 'landUseChange',
      from: 'boundary',
      toField: 'boundary',
      zh: '与该地块重叠的"一住两公"地块',
      en: 'Rezoned plots overlapping this plot',
    },
  },
});

/** The table, exported for drizzle-kit, which reads every `*.ts` here for tables. */
export const table = priorityPlot.drizzle;
