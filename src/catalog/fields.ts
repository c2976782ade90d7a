import { landCategory, reportingPeriod } from './enums.js';
import type { FieldDef } from './types.js';

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
