import { type Lang, session } from './session.ts';

/** The pages' own words, Chinese first; the data's names come from the catalogue in both languages. */
const WORDS = {
  mapTitle: ['净土 · 一张图', 'Jingtu · One map'],
  dashboardTitle: ['净土 · 监管看板', 'Jingtu · Dashboard'],
  signIn: ['登录', 'Sign in'],
  signOut: ['退出', 'Sign out'],
  switchKey: ['切换密钥', 'Switch key'],
  keyPrompt: [
    '粘贴 API 密钥（仅保存在本浏览器会话中）',
    'Paste an API key (kept for this browser session only)',
  ],
  keyRefused: ['密钥无效或已吊销', 'The key is invalid or revoked'],
  ssoSignIn: ['单点登录', 'Sign in with SSO'],
  ssoExpired: ['登录已过期，请重新登录', 'Your sign-in has expired: sign in again'],
  publicView: ['公开视图（无密钥）', 'Public view (no key)'],
  layers: ['图层', 'Layers'],
  alerts: ['预警', 'Alerts'],
  filters: ['筛选', 'Filters'],
  district: ['区', 'District'],
  allDistricts: ['全市', 'Whole city'],
  year: ['年份', 'Year'],
  yearHint: [
    '图层按各自日期（划分、许可、列入、采样等），预警按首次发现',
    'Layers by their own date (classified, permitted, listed, sampled…), alerts by first seen',
  ],
  yearNotApplied: ['未按年份筛选：无权读取日期', 'not filtered by year: date not readable'],
  allYears: ['全部年份', 'All years'],
  rule: ['规则', 'Rule'],
  allRules: ['全部规则', 'All rules'],
  state: ['状态', 'State'],
  export: ['导出', 'Export'],
  exportGeojson: ['导出 GeoJSON', 'Export GeoJSON'],
  exportPng: ['导出 PNG', 'Export PNG'],
  loading: ['加载中…', 'Loading…'],
  features: ['要素', 'features'],
  truncated: ['已达上限，请放大', 'limit reached: zoom in'],
  notReadable: ['无权读取空间字段', 'location not readable'],
  byDistrict: ['按区统计', 'counted by district'],
  recordsInDistrict: ['本区记录（前 100 条）', 'Records in the district (first 100)'],
  close: ['关闭', 'Close'],
  openInGraphiql: ['在 GraphiQL 中打开', 'Open in GraphiQL'],
  masked: ['脱敏', 'masked'],
  evidence: ['证据记录', 'Evidence'],
  measure: ['度量', 'Measure'],
  severity: ['严重程度', 'Severity'],
  firstSeen: ['首次发现', 'First seen'],
  withdrawn: ['记录已撤回或不可读', 'record withdrawn or not readable'],
  recordAlerts: ['相关预警', 'Its alerts'],
  none: ['无', 'none'],
  illustrative: [
    '区界为示意，不作为权属界线依据',
    'District boundaries are illustrative, not legal boundaries',
  ],
  source: ['底图来源', 'Base map'],
  dashboard: ['看板', 'Dashboard'],
  map: ['一张图', 'Map'],
  language: ['English', '中文'],
  error: ['出错', 'Error'],
  city: ['全市', 'City'],
  target: ['目标', 'Target'],
  withheld: ['无权计算的指标', 'Indicators withheld from you'],
  alertsByRule: ['各规则预警（按状态）', 'Alerts by rule and state'],
  alertsOverTime: ['按首次发现季度的预警', 'Alerts by quarter first seen'],
  freshness: ['各部门数据更新情况', "Departments' datasets against their update cycle"],
  freshnessHidden: ['无权查看数据时效', 'Freshness is not shown to you'],
  dataset: ['数据集', 'Dataset'],
  owner: ['责任部门', 'Owner'],
  updateCycle: ['更新周期', 'Update cycle'],
  lastPublished: ['最近发布（天数 / 周期）', 'Last published (days / cycle)'],
  days: ['天', 'days'],
  late: ['逾期未更新', 'Late'],
  onTime: ['按期', 'On time'],
  overdueGrants: ['逾期未答复的共享申请', 'Grant requests past their answer date'],
  requester: ['申请单位', 'Requester'],
  requestedAt: ['申请时间', 'Requested'],
  answerDueBy: ['答复期限', 'Answer due'],
  purpose: ['用途', 'Purpose'],
  indicators: ['规划指标（按区）', "The plans' indicators by district"],
  yearOf: ['年度', 'Year'],
  quarter: ['季度', 'Quarter'],
  wholeYear: ['全年', 'Whole year'],
  dashboardNeedsKey: ['看板需要 API 密钥：请登录', 'The dashboard needs an API key: sign in'],
} as const satisfies Record<string, readonly [string, string]>;

export type Word = keyof typeof WORDS;

export const lang = (): Lang => session.lang();

/** The locale dates and numbers are written in: the session's language. */
export const locale = (): string => (lang() === 'zh' ? 'zh-CN' : 'en-GB');

/** A word of the page in the session's language. */
export const t = (word: Word): string => WORDS[word][lang() === 'zh' ? 0 : 1];

/** A catalogue name (zh and en) in the session's language. */
export const named = (thing: { zh: string; en: string }): string => (lang() === 'zh' ? thing.zh : thing.en);

/** Splits a "中文 / English" description into the session's half (of its first line). */
export const half = (description: string | null | undefined): string => {
  if (!description) return '';
  // Its first line: further lines add notes ("按空间重叠关联 / Linked by spatial overlap").
  const [zh, en] = description.split('\n')[0].split(' / ');
  return (lang() === 'zh' ? zh : (en ?? zh)).trim();
};
