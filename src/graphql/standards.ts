import type { EnumRef } from '@pothos/core';
import { groundwaterClass } from '../catalog/datasets/groundwaterMonitoring.js';
import {
  applicableValue,
  MAX_STANDARD_ROWS,
  type StandardValueRow,
  standardValues,
} from '../standards/standards.js';
import {
  type GroundwaterClass as GroundwaterCode,
  LAND_USES,
  PRODUCE,
  type Term,
  VALUE_KINDS,
} from '../standards/vocabulary.js';
import { builder, type HubSchemaTypes } from './builder.js';
import { bilingual } from './describe.js';
import { enumType } from './enums.js';
import { maxLength } from './inputLengths.js';

/**
 * The published standards, read-only: their values (`standards`) and the one that applies to a measurement
 * (`standardValue`). Any caller with a key reads them: they are published national standards.
 */

/** A vocabulary of src/standards/vocabulary.ts as a GraphQL enum whose values are its codes. */
function vocabularyEnum<T extends Record<string, Term>>(name: string, term: Term, values: T) {
  return builder.enumType(name, {
    description: bilingual(term.zh, term.en),
    values: Object.fromEntries(
      Object.entries(values).map(([code, v]) => [code, { value: code, description: bilingual(v.zh, v.en) }]),
    ),
  }) as EnumRef<HubSchemaTypes, keyof T & string, keyof T & string>;
}

const ValueKind = vocabularyEnum(
  'StandardValueKind',
  { zh: '标准值的类别', en: 'What kind of figure a standard value is' },
  VALUE_KINDS,
);
const LandUse = vocabularyEnum(
  'StandardLandUse',
  { zh: '土壤标准值适用的用地', en: 'The land a soil standard value applies to' },
  LAND_USES,
);
const Produce = vocabularyEnum(
  'StandardProduce',
  { zh: '食品污染物限量适用的农产品类别（GB 2762）', en: 'The produce category a GB 2762 limit applies to' },
  PRODUCE,
);
const GroundwaterClass = enumType(groundwaterClass) as EnumRef<
  HubSchemaTypes,
  GroundwaterCode,
  GroundwaterCode
>;

const number = (text: string | null) => (text == null ? null : Number(text));

const StandardValue = builder.objectRef<StandardValueRow>('StandardValue').implement({
  description: bilingual(
    '标准中的一个值及其适用条件和出处',
    'One figure of a published standard, the conditions it applies to and its source',
  ),
  fields: (t) => ({
    code: t.string({
      nullable: false,
      description: bilingual('标准编号（含年份），如 GB 15618-2018', 'Standard number with its year'),
      resolve: (r) => `${r.standard}-${r.edition}`,
    }),
    standard: t.exposeString('standard', {
      nullable: false,
      description: bilingual('标准代号（不含年份），如 GB 15618', 'Standard code without its year'),
    }),
    edition: t.exposeString('edition', {
      nullable: false,
      description: bilingual('版本（年份）', 'Edition (year)'),
    }),
    titleZh: t.exposeString('titleZh', {
      nullable: false,
      description: bilingual('标准名称', 'Title in Chinese'),
    }),
    titleEn: t.exposeString('titleEn', {
      nullable: false,
      description: bilingual('英文名称', 'Title in English'),
    }),
    issuerZh: t.exposeString('issuerZh', {
      nullable: false,
      description: bilingual('发布机关', 'Issued by (Chinese)'),
    }),
    issuerEn: t.exposeString('issuerEn', {
      nullable: false,
      description: bilingual('发布机关（英文）', 'Issued by (English)'),
    }),
    effectiveFrom: t.field({
      type: 'Date',
      nullable: false,
      description: bilingual('实施日期', 'In force from'),
      resolve: (r) => r.effectiveFrom,
    }),
    analyte: t.exposeString('analyte', {
      nullable: false,
      description: bilingual('分析项目代码，如 Cd、Cr6', 'Analyte code, such as Cd or Cr6'),
    }),
    analyteZh: t.exposeString('analyteZh', {
      nullable: false,
      description: bilingual('分析项目名称', 'Analyte, Chinese'),
    }),
    analyteEn: t.exposeString('analyteEn', {
      nullable: false,
      description: bilingual('分析项目英文名称', 'Analyte, English'),
    }),
    cas: t.exposeString('cas', { description: bilingual('CAS 登记号', 'CAS registry number') }),
    valueKind: t.field({
      type: ValueKind,
      nullable: false,
      description: bilingual('值的类别', 'Kind of figure'),
      resolve: (r) => r.valueKind,
    }),
    landUse: t.field({
      type: LandUse,
      description: bilingual('适用用地（土壤标准）', 'Land use (soil standards)'),
      resolve: (r) => r.landUse,
    }),
    phAbove: t.float({
      description: bilingual(
        'pH 下限（不含）；空为无下限',
        'pH band lower bound, exclusive; none: no lower bound',
      ),
      resolve: (r) => number(r.phAbove),
    }),
    phUpTo: t.float({
      description: bilingual(
        'pH 上限（含）；空为无上限',
        'pH band upper bound, inclusive; none: no upper bound',
      ),
      resolve: (r) => number(r.phUpTo),
    }),
    produce: t.field({
      type: Produce,
      description: bilingual('农产品类别（GB 2762）', 'Produce category (GB 2762)'),
      resolve: (r) => r.produce,
    }),
    groundwaterClass: t.field({
      type: GroundwaterClass,
      description: bilingual(
        '地下水质量类别（该类上限）',
        'Groundwater class (the upper bound of that class)',
      ),
      resolve: (r) => r.groundwaterClass,
    }),
    value: t.float({
      nullable: false,
      description: bilingual('数值', 'Value'),
      resolve: (r) => Number(r.value),
    }),
    valueText: t.exposeString('value', {
      nullable: false,
      description: bilingual('数值，按标准原文书写（如 0.10）', 'Value as the standard prints it (0.10)'),
    }),
    unit: t.exposeString('unit', { nullable: false, description: bilingual('单位（mg/kg、mg/L）', 'Unit') }),
    noteZh: t.exposeString('noteZh', {
      description: bilingual('出处表列与说明', 'Where in the standard, and notes (Chinese)'),
    }),
    noteEn: t.exposeString('noteEn', {
      description: bilingual('出处表列与说明（英文）', 'Where in the standard, and notes'),
    }),
  }),
});

const StandardFilter = builder.inputType('StandardFilter', {
  description: bilingual('标准值查询条件', 'Which standard values to list'),
  fields: (t) => ({
    standard: t.string({
      description: bilingual('标准代号，如 "GB 15618"', 'Standard code, such as "GB 15618"'),
      ...maxLength('name'),
    }),
    edition: t.string({
      description: bilingual('版本年份，如 "2018"', 'Edition year'),
      ...maxLength('name'),
    }),
    analyte: t.string({
      description: bilingual('分析项目代码，如 "Cd"', 'Analyte code'),
      ...maxLength('name'),
    }),
    valueKind: t.field({ type: ValueKind, description: bilingual('值的类别', 'Kind of figure') }),
    landUse: t.field({ type: LandUse, description: bilingual('适用用地', 'Land use') }),
    produce: t.field({ type: Produce, description: bilingual('农产品类别', 'Produce category') }),
    groundwaterClass: t.field({
      type: GroundwaterClass,
      description: bilingual('地下水类别', 'Groundwater class'),
    }),
  }),
});

const StandardMeasurement = builder.inputType('StandardMeasurement', {
  description: bilingual(
    '待评判的测定：标准、项目与条件',
    'A measurement to judge: the standard, analyte and conditions',
  ),
  fields: (t) => ({
    standard: t.string({
      required: true,
      description: bilingual('标准代号，如 "GB 15618"', 'Standard code'),
      ...maxLength('name'),
    }),
    analyte: t.string({
      required: true,
      description: bilingual('分析项目代码', 'Analyte code'),
      ...maxLength('name'),
    }),
    valueKind: t.field({
      type: ValueKind,
      required: true,
      description: bilingual('值的类别', 'Kind of figure'),
    }),
    landUse: t.field({
      type: LandUse,
      description: bilingual('用地（土壤标准必填）', 'Land use (soil standards)'),
    }),
    ph: t.float({ description: bilingual('土壤 pH（GB 15618 必填）', 'Soil pH (GB 15618)') }),
    produce: t.field({
      type: Produce,
      description: bilingual('农产品类别（GB 2762）', 'Produce category (GB 2762)'),
    }),
    groundwaterClass: t.field({
      type: GroundwaterClass,
      description: bilingual('地下水类别（GB/T 14848）', 'Groundwater class (GB/T 14848)'),
    }),
    on: t.field({
      type: 'Date',
      description: bilingual(
        '评判日期：取当日实施的版本，默认今日',
        'Judged on: the edition in force that day (default today)',
      ),
    }),
  }),
});

builder.queryField('standards', (t) =>
  t.field({
    type: [StandardValue],
    nullable: false,
    description: bilingual(
      '标准值（GB 15618、GB 36600、GB 2762、GB/T 14848），只读',
      `The values of the published standards, read-only, in the standards' order (at most ${MAX_STANDARD_ROWS})`,
    ),
    args: { filter: t.arg({ type: StandardFilter, description: bilingual('条件', 'Filter') }) },
    resolve: (_root, args, ctx) => standardValues(ctx.db.$client, args.filter ?? {}),
  }),
);

builder.queryField('standardValue', (t) =>
  t.field({
    type: StandardValue,
    description: bilingual(
      '适用于某一测定的标准值（当日实施的版本）；标准未规定时为空',
      'The one standard value that applies to a measurement (edition in force on its day); null when the standard sets none',
    ),
    args: {
      measurement: t.arg({
        type: StandardMeasurement,
        required: true,
        description: bilingual('测定', 'Measurement'),
      }),
    },
    resolve: (_root, { measurement }, ctx) => applicableValue(ctx.db.$client, measurement),
  }),
);
