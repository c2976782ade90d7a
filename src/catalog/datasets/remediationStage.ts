import { defineDataset, defineEnum } from '../define.js';
import { districtField, plotCodeLinks } from '../fields.js';

export const remediationStageKind = defineEnum('RemediationStageKind', '调查修复阶段', 'Lifecycle stage', {
  PRELIMINARY_INVESTIGATION: { zh: '初步调查', en: 'Preliminary investigation' },
  DETAILED_INVESTIGATION: { zh: '详细调查', en: 'Detailed investigation' },
  RISK_ASSESSMENT: { zh: '风险评估', en: 'Risk assessment' },
  LISTED: { zh: '列入名录', en: 'Listed on the register' },
  PLAN_FILED: { zh: '方案备案', en: 'Risk-control or remediation plan filed' },
  WORKS: { zh: '工程实施', en: 'Risk-control or remediation works' },
  EFFECT_EVALUATION: { zh: '效果评估', en: 'Effect evaluation' },
  REMOVED: { zh: '移出名录', en: 'Removed from the register' },
  AFTER_CARE: { zh: '后期管理', en: 'After-care' },
});

export const riskAssessmentResult = defineEnum(
  'RiskAssessmentResult',
  '风险评估结论',
  'Risk assessment result',
  {
    ACCEPTABLE: { zh: '风险可接受', en: 'Risk acceptable' },
    NEEDS_CONTROL: { zh: '需实施风险管控', en: 'Needs risk control' },
    NEEDS_REMEDIATION: { zh: '需实施修复', en: 'Needs remediation' },
  },
);

/**
 * Every stage is shared with every department (OPEN), none publicly: planning and housing time land supply
 * and permits by it (合理安排土地供应和规划许可证的发放时序), but its rows also name priority plots that are
 * only suspected, which the plans do not order disclosed (the register is, in contaminatedSite).
 */
export const remediationStage = defineDataset({
  name: 'remediationStage',
  position: 190,
  names: { type: 'RemediationStage', one: 'remediationStage', many: 'remediationStages' },
  table: 'remediation_stage',
  zh: '建设用地调查评估与风险管控修复全过程',
  en: 'Construction-land investigation and remediation lifecycle',
  description:
    '优先监管地块与名录地块的调查、风险评估、管控修复、效果评估与后期管理各阶段 / one row per stage of a plot or register site',
  owner: 'ECOLOGY',
  districtPublishers: true,
  // A plot (YXJG-) or register site (BJML-) code names its district: a district records its own plots' stages.
  publishingScope: {
    codeNamesDistrict: {
      field: 'plotCode',
      pattern: /^(?:YXJG|BJML)-(\d{6})-[0-9A-Z]{1,20}$/,
      hint: 'a plot code YXJG-<district code>-<serial> or a register site code BJML-<district code>-<serial>',
    },
  },
  updateCycle: 'P1M',
  key: ['plotCode', 'stage'],
  districtField: 'district',
  defaultOrder: { field: 'startedOn', direction: 'DESC' },
  indexes: [['stage', 'finishedOn']],
  fields: {
    plotCode: {
      type: 'text',
      example: 'BJML-110105-001',
      zh: '地块编码（优先监管地块或名录地块）',
      en: 'Plot or register site code',
      required: true,
      filter: true,
      sortable: true,
      search: true,
    },
    stage: {
      type: 'enum',
      enum: remediationStageKind,
      zh: '阶段',
      en: 'Stage',
      required: true,
      filter: true,
    },
    district: districtField,
    startedOn: {
      type: 'date',
      zh: '开始日期',
      en: 'Started on',
      required: true,
      filter: true,
      sortable: true,
    },
    finishedOn: { type: 'date', zh: '完成日期', en: 'Finished on', filter: true, sortable: true },
    reviewNo: { type: 'text', zh: '报告评审意见编号', en: 'Report review no.', maxLength: 60, search: true },
    filingNo: { type: 'text', zh: '备案编号', en: 'Filing no.', maxLength: 60, search: true },
    reviewingBody: { type: 'text', zh: '评审单位', en: 'Reviewing body', maxLength: 100, search: true },
    riskResult: {
      type: 'enum',
      enum: riskAssessmentResult,
      zh: '风险评估结论',
      en: 'Risk assessment result',
      filter: true,
    },
    measuresKept: { type: 'textList', zh: '保留的管控措施', en: 'Measures kept in place' },
  },
  links: plotCodeLinks,
});

/** The table, exported for drizzle-kit, which reads every `*.ts` here for tables. */
export const table = remediationStage.drizzle;
