import { defineDataset, defineEnum } from '../define.js';
import { creditCodeField, districtField } from '../fields.js';

export const screeningRisk = defineEnum('ScreeningRisk', '筛查结论', 'Screening result', {
  HIGH: { zh: '高风险', en: 'High risk' },
  MEDIUM: { zh: '中风险', en: 'Medium risk' },
  LOW: { zh: '低风险', en: 'Low risk' },
});

export const siteScreening = defineDataset({
  name: 'siteScreening',
  position: 130,
  names: { type: 'SiteScreening', one: 'siteScreening', many: 'siteScreenings' },
  table: 'site_screening',
  zh: '关停企业原址用地筛查台账',
  en: 'Closed-enterprise site screening ledger',
  description:
    '关停企业原址用地土壤污染风险筛查台账 / soil-risk screening of closed enterprises’ former sites',
  owner: 'ECOLOGY',
  districtPublishers: true,
  // A district screens the closed enterprises of its district, by ECONOMY's record of them.
  publishingScope: { entities: ['closedEnterprise'] },
  updateCycle: 'P1M',
  key: ['creditCode'],
  districtField: 'district',
  defaultOrder: { field: 'screenedOn', direction: 'DESC' },
  fields: {
    creditCode: creditCodeField('关停企业统一社会信用代码', 'Credit code of the closed enterprise'),
    enterpriseName: { type: 'text', zh: '企业名称', en: 'Enterprise name', required: true, search: true },
    district: districtField,
    riskLevel: {
      sharing: 'CONDITIONAL',
      type: 'enum',
      enum: screeningRisk,
      zh: '筛查结论',
      en: 'Screening result',
      required: true,
      filter: true,
    },
    screenedOn: {
      type: 'date',
      zh: '筛查日期',
      en: 'Screened on',
      required: true,
      filter: true,
      sortable: true,
    },
    followUp: { sharing: 'CONDITIONAL', type: 'text', zh: '后续措施', en: 'Follow-up', search: true },
  },
  links: {
    closedEnterprise: {
      kind: 'one',
      to: 'closedEnterprise',
      on: { creditCode: 'creditCode' },
      zh: '关停退出企业',
      en: 'The closed enterprise',
    },
    priorityPlots: {
      kind: 'many',
      to: 'priorityPlot',
      on: { creditCode: 'sourceCreditCode' },
      zh: '由此筛查确定的优先监管地块',
      en: 'Priority plots that came from this screening',
    },
  },
});

/** The table, exported for drizzle-kit, which reads every `*.ts` here for tables. */
export const table = siteScreening.drizzle;
