import { defineEnum } from './define.js';

/** Enumerations shared by several datasets. Values are stable codes; the Chinese names are the labels. */

export const landCategory = defineEnum('LandCategory', '地类', 'Land category', {
  CULTIVATED: { zh: '耕地', en: 'Cultivated land' },
  GARDEN: { zh: '园地', en: 'Garden and orchard land' },
  FOREST: { zh: '林地', en: 'Forest land' },
  FACILITY_AGRICULTURE: { zh: '设施农用地', en: 'Facility agricultural land' },
  GREEN_SPACE: { zh: '绿地', en: 'Urban green space' },
});

export const reportingPeriod = defineEnum('ReportingPeriod', '统计周期', 'Reporting period', {
  YEAR: { zh: '全年', en: 'Whole year' },
  H1: { zh: '上半年', en: 'First half' },
  H2: { zh: '下半年', en: 'Second half' },
  Q1: { zh: '第一季度', en: 'First quarter' },
  Q2: { zh: '第二季度', en: 'Second quarter' },
  Q3: { zh: '第三季度', en: 'Third quarter' },
  Q4: { zh: '第四季度', en: 'Fourth quarter' },
});
