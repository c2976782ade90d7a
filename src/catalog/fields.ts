import { landCategory, reportingPeriod } from './enums.js';
import type { FieldDef, LinkDef } from './types.js';

/** Field declarations that several datasets share, so that they are written (and validated) once. */

export const districtField: FieldDef = {
  type: 'district',
  zh: '区',
  en: 'District',
  required: true,
  filter: true,
};

export const townField: FieldDef = { type: 'text', zh: '乡镇', en: 'Town', filter: true, search: true };

export const industryCodeField: FieldDef = {
  type: 'code',
  zh: '行业代码（GB/T 4754）',
  en: 'Industry code (GB/T 4754)',
  pattern: /^[A-T](\d{2,4})?$/,
  patternHint: 'a GB/T 4754 code such as C2614',
  example: 'C2614',
  filter: true,
};

export const industryNameField: FieldDef = {
  type: 'text',
  zh: '行业名称',
  en: 'Industry name',
  search: true,
};

export function creditCodeField(zh = '统一社会信用代码', en = 'Unified social credit code'): FieldDef {
  return { type: 'creditCode', zh, en, required: true, filter: true, sortable: true };
}

export function yearField(zh: string, en: string): FieldDef {
  return { type: 'integer', zh, en, required: true, min: 2000, max: 2100, filter: true, sortable: true };
}

/** The fields every agricultural input-use report has (pesticide and fertiliser use). */
export const inputUseReportFields: Record<string, FieldDef> = {
  sourceId: { type: 'text', zh: '源系统记录编号', en: 'Source record id', required: true, filter: true },
  year: yearField('年度', 'Year'),
  period: {
    type: 'enum',
    enum: reportingPeriod,
    zh: '统计周期',
    en: 'Reporting period',
    required: true,
    filter: true,
  },
  district: districtField,
  town: townField,
  landCategory: {
    type: 'enum',
    enum: landCategory,
    zh: '地类',
    en: 'Land category',
    required: true,
    filter: true,
  },
  crop: { type: 'text', zh: '作物', en: 'Crop', filter: true, search: true },
};

/**
 * A sample's results per analyte (检测结果): any of the 45 GB 36600 items, the GB 15618 metals or a
 * groundwater index is one more result, not one more column. Measured values are shared on approval only
 * (有条件共享) unless a plan orders them shared (a mandate).
 */
export function analyteResultsField(
  units: readonly string[],
  options: { scale?: number; analytes?: readonly string[] } = {},
): FieldDef {
  return {
    type: 'analyteResults',
    scale: options.scale ?? 4,
    units,
    ...(options.analytes ? { analytes: options.analytes } : {}),
    zh: '检测结果（分项）',
    en: 'Results per analyte',
    required: true,
    sharing: 'CONDITIONAL',
  };
}

/** A sampling date, part of a monitoring record's key. */
export const sampledOnField: FieldDef = {
  type: 'date',
  zh: '采样日期',
  en: 'Sampled on',
  required: true,
  filter: true,
  sortable: true,
};

/**
 * The plot a `plotCode` names, for the datasets that follow a plot whichever list it is on: a priority
 * plot (YXJG-) or a register site (BJML-), one link per list.
 */
export const plotCodeLinks: Readonly<Record<string, LinkDef>> = {
  priorityPlot: {
    kind: 'one',
    to: 'priorityPlot',
    on: { plotCode: 'plotCode' },
    zh: '优先监管地块（YXJG- 编码时）',
    en: 'The priority plot (for a YXJG- code)',
  },
  contaminatedSite: {
    kind: 'one',
    to: 'contaminatedSite',
    on: { plotCode: 'siteCode' },
    zh: '名录地块（BJML- 编码时）',
    en: 'The register site (for a BJML- code)',
  },
};
