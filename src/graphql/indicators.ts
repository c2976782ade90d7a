import type { Context } from '../context.js';
import type { Indicator } from '../supervision/indicators/indicator.js';
import {
  type IndicatorFigure,
  type IndicatorReport,
  Indicators,
  indicatorAudit,
  type WithheldIndicator,
} from '../supervision/indicators/service.js';
import { builder } from './builder.js';
import { PlanBasisType } from './catalog.js';
import { maxLength } from './inputLengths.js';

/**
 * The plans' indicators over GraphQL (src/supervision/indicators decides who sees which figures): per
 * district and for the city, numerator, denominator, value, target and whether it is met.
 */

const IndicatorType = builder.objectRef<Indicator>('Indicator').implement({
  description: '规划考核指标 / An indicator the plans set, with its definition and target',
  fields: (t) => ({
    id: t.exposeString('id', { nullable: false, description: '指标编号 / Indicator id' }),
    zh: t.exposeString('zh', { nullable: false, description: '指标名称 / Name in Chinese' }),
    en: t.exposeString('en', { nullable: false, description: '英文名称 / Name in English' }),
    definitionZh: t.string({
      nullable: false,
      description: '计算口径 / How it is computed, in Chinese',
      resolve: (i) => i.definition.zh,
    }),
    definitionEn: t.string({
      nullable: false,
      description: '英文口径 / How it is computed, in English',
      resolve: (i) => i.definition.en,
    }),
    unit: t.string({
      nullable: false,
      description:
        '分子分母的单位：mu（亩）、plot（块）、enterprise（家） / Unit of numerator and denominator',
      resolve: (i) => i.unit.code,
    }),
    unitZh: t.string({
      nullable: false,
      description: '单位（中文） / Unit in Chinese',
      resolve: (i) => i.unit.zh,
    }),
    target: t.float({
      nullable: false,
      description: '目标值（比率，0.95 即 95%） / Target, as a ratio (0.95 is 95%)',
      resolve: (i) => i.target.atLeast,
    }),
    targetNoteZh: t.string({
      nullable: false,
      description: '目标说明 / The target, in Chinese',
      resolve: (i) => i.target.note.zh,
    }),
    targetNoteEn: t.string({
      nullable: false,
      description: '目标说明（英文） / The target, in English',
      resolve: (i) => i.target.note.en,
    }),
    basis: t.field({
      type: [PlanBasisType],
      nullable: false,
      description: '设定目标的规划 / The plans that set the target',
      resolve: (i) => [...i.target.basis],
    }),
  }),
});

const IndicatorFigureType = builder.objectRef<IndicatorFigure>('IndicatorFigure').implement({
  description: '某区或全市的指标值 / An indicator’s figures in a district or the city',
  fields: (t) => ({
    indicator: t.field({
      type: IndicatorType,
      nullable: false,
      description: '指标 / The indicator',
      resolve: (f) => f.indicator,
    }),
    district: t.exposeString('district', {
      description: '区划代码；全市为空 / District code; null for the whole city',
    }),
    districtName: t.string({
      nullable: false,
      description: '区名或“全市” / The district’s name, or 全市 for the city',
      resolve: (f, _args, ctx) =>
        f.district === null ? '全市' : (ctx.reference.districts.get(f.district)?.nameZh ?? f.district),
    }),
    numerator: t.exposeFloat('numerator', { nullable: false, description: '分子 / Numerator' }),
    denominator: t.exposeFloat('denominator', { nullable: false, description: '分母 / Denominator' }),
    value: t.exposeFloat('value', {
      description: '比率（分子 ÷ 分母）；分母为 0 时为空 / Ratio; null when the denominator is 0',
    }),
    met: t.exposeBoolean('met', {
      description:
        '是否达到目标；无可计量时为空 / Whether it meets the target; null when nothing is measured',
    }),
  }),
});

const WithheldType = builder.objectRef<WithheldIndicator>('IndicatorWithheld').implement({
  description:
    '因调用方不能明文读取其所用字段而不予计算的指标 / An indicator not computed for you: it reads fields you do not read in clear',
  fields: (t) => ({
    indicator: t.field({
      type: IndicatorType,
      nullable: false,
      description: '指标 / The indicator',
      resolve: (w) => w.indicator,
    }),
    fields: t.exposeStringList('fields', {
      nullable: false,
      description: '不能明文读取的字段（数据集.字段） / The fields you lack, as dataset.field',
    }),
  }),
});

const IndicatorReportType = builder.objectRef<IndicatorReport>('IndicatorReport').implement({
  description: '某年或某季度的考核指标 / The indicators of a year or a quarter',
  fields: (t) => ({
    year: t.int({ nullable: false, description: '年度 / Year', resolve: (r) => r.period.year }),
    quarter: t.int({
      description: '季度；全年为空 / Quarter; null for the year',
      resolve: (r) => r.period.quarter,
    }),
    from: t.field({
      type: 'Date',
      nullable: false,
      description: '起始日 / First day',
      resolve: (r) => r.period.from,
    }),
    to: t.field({
      type: 'Date',
      nullable: false,
      description: '截止日 / Last day',
      resolve: (r) => r.period.to,
    }),
    figures: t.field({
      type: [IndicatorFigureType],
      nullable: false,
      description: '各指标按区（及全市）的值 / Each indicator per district (and for the city)',
      resolve: (r) => r.figures,
    }),
    withheld: t.field({
      type: [WithheldType],
      nullable: false,
      description: '不予计算的指标及原因 / Indicators withheld from you, and why',
      resolve: (r) => r.withheld,
    }),
  }),
});

builder.queryField('indicators', (t) =>
  t.field({
    type: IndicatorReportType,
    nullable: false,
    description:
      '规划考核指标（受污染耕地安全利用率、重点建设用地安全利用率、关停企业原址用地筛查完成率）：区级用户仅本区；其他单位各区及全市；须能明文读取指标所用字段 / The plans’ indicators: a district sees its own, others every district and the city, each indicator only if you read its fields in clear',
    args: {
      year: t.arg.int({ required: true, description: '年度 / Year' }),
      quarter: t.arg.int({ description: '季度 1–4；不填为全年 / Quarter 1–4; omitted: the year' }),
      district: t.arg.string({
        description: '区划代码；不填为可见的全部区 / District code; omitted: every district you may see',
        ...maxLength('name'),
      }),
    },
    resolve: async (_root, args, ctx: Context) => {
      const report = await new Indicators(ctx.db.$client, ctx.access, ctx.reference).report(args);
      ctx.audit.action(indicatorAudit(report));
      return report;
    },
  }),
);
