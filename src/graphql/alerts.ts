import { datasetByName } from '../catalog/registry.js';
import type { Context } from '../context.js';
import type { DatasetRow } from '../datasets/store.js';
import { MAX_PAGE_SIZE } from '../datasets/store.js';
import {
  ALERT_STATES,
  type AlertEventRow,
  type AlertFilter,
  type AlertRow,
  Alerts,
  actorsOf,
  MAX_NOTE_LENGTH,
} from '../supervision/alerts.js';
import { MEASURE_KINDS, type Rule, type RuleParameter, SEVERITIES } from '../supervision/rule.js';
import { ruleById, rules } from '../supervision/rules/index.js';
import { builder } from './builder.js';
import { PlanBasisType } from './catalog.js';
import { connectionType } from './connection.js';
import { datasetTypes } from './datasetTypes.js';
import { maxLength } from './inputLengths.js';
import { unionMemberFields } from './selectedFields.js';

/**
 * Supervision alerts over GraphQL: the rules, the alerts a caller may see (src/supervision/alerts.ts decides
 * which), their evidence as the records themselves (read through the records service, so a field the caller
 * reads masked stays masked), counts, and the workflow's steps.
 */

const services = new WeakMap<Context, Alerts>();
/** The request's alert service, made when a field first needs it. */
function alertsOf(ctx: Context): Alerts {
  let service = services.get(ctx);
  if (!service) {
    service = new Alerts(ctx.db, ctx.access);
    services.set(ctx, service);
  }
  return service;
}

const AlertState = builder.enumType('AlertState', {
  description: '预警状态 / State of an alert',
  values: {
    OPEN: { description: '待处置 / Open' },
    ACKNOWLEDGED: { description: '已确认，处置中 / Acknowledged by a department that must act' },
    RESOLVED: { description: '已消除：情形不再成立 / Resolved: the hub no longer finds the situation' },
    DISMISSED: { description: '已驳回（附理由） / Dismissed, with a reason, by a department that must act' },
  },
});
const Severity = builder.enumType('AlertSeverity', {
  description: '严重程度 / Severity',
  values: {
    HIGH: { description: '高 / High' },
    MEDIUM: { description: '中 / Medium' },
    LOW: { description: '低 / Low' },
  },
});
const MeasureKind = builder.enumType('AlertMeasureKind', {
  description: '度量类别 / What an alert measures',
  values: {
    OVERLAP_AREA_M2: { description: '重叠面积（平方米） / Overlap area, m²' },
    DISTANCE_M: { description: '距离（米） / Distance, m' },
    EXCEEDANCE_RATIO: { description: '超标倍数（实测值 ÷ 标准值） / Measured value ÷ the standard’s value' },
    DAYS_OVERDUE: { description: '逾期天数 / Days past a deadline' },
  },
});
// The enums above and the service's vocabularies are one list each: a new state fails here, at start.
for (const [name, values, declared] of [
  ['AlertState', ALERT_STATES, ['OPEN', 'ACKNOWLEDGED', 'RESOLVED', 'DISMISSED']],
  ['AlertSeverity', SEVERITIES, ['HIGH', 'MEDIUM', 'LOW']],
  ['AlertMeasureKind', MEASURE_KINDS, ['OVERLAP_AREA_M2', 'DISTANCE_M', 'EXCEEDANCE_RATIO', 'DAYS_OVERDUE']],
] as const) {
  if (values.join() !== declared.join()) throw new Error(`${name} differs from its vocabulary`);
}

const RuleParameterType = builder
  .objectRef<RuleParameter & { name: string }>('SupervisionRuleParameter')
  .implement({
    description: '规则参数 / A rule parameter',
    fields: (t) => ({
      name: t.exposeString('name', { nullable: false, description: '参数名 / Name' }),
      zh: t.exposeString('zh', { nullable: false, description: '中文说明 / In Chinese' }),
      en: t.exposeString('en', { nullable: false, description: '英文说明 / In English' }),
      unit: t.exposeString('unit', { nullable: false, description: '单位 / Unit' }),
      default: t.exposeFloat('default', { nullable: false, description: '默认值 / Default' }),
      min: t.exposeFloat('min', { nullable: false, description: '最小值 / Least value' }),
      max: t.exposeFloat('max', { nullable: false, description: '最大值 / Greatest value' }),
    }),
  });

const RuleType = builder.objectRef<Rule>('SupervisionRule').implement({
  description:
    '联动监管规则 / A joint-supervision rule: a situation across departments’ data that needs action',
  fields: (t) => ({
    id: t.exposeString('id', { nullable: false, description: '规则编号 / Rule id' }),
    zh: t.exposeString('zh', { nullable: false, description: '规则名称 / Name in Chinese' }),
    en: t.exposeString('en', { nullable: false, description: '英文名称 / Name in English' }),
    descriptionZh: t.string({
      nullable: false,
      description: '规则说明 / What the rule finds, in Chinese',
      resolve: (rule) => rule.description.zh,
    }),
    descriptionEn: t.string({
      nullable: false,
      description: '英文说明 / What the rule finds, in English',
      resolve: (rule) => rule.description.en,
    }),
    basis: t.field({
      type: PlanBasisType,
      nullable: false,
      description: '规划依据 / The plan’s words it enforces',
      resolve: (rule) => rule.basis,
    }),
    severity: t.field({
      type: Severity,
      nullable: false,
      description: '严重程度 / Severity',
      resolve: (rule) => rule.severity,
    }),
    actors: t.exposeStringList('actors', {
      nullable: false,
      description:
        '须处置的单位（DISTRICT：所在区；OWNER：证据的发布单位） / Who must act (DISTRICT: the situation’s district; OWNER: the publisher of its evidence)',
    }),
    datasets: t.exposeStringList('datasets', {
      nullable: false,
      description: '读取的数据集 / Datasets it reads',
    }),
    consults: t.stringList({
      nullable: false,
      description:
        '证据之外据以判断的数据集（仅查情形所在区；须能明文读取方可看到预警） / Datasets it consults beyond the evidence (in the situation’s district only; a caller sees its alerts only if it reads them in clear)',
      resolve: (rule) => [...(rule.consults ?? [])],
    }),
    parameters: t.field({
      type: [RuleParameterType],
      nullable: false,
      description: '参数及默认值 / Parameters and their defaults',
      resolve: (rule) => Object.entries(rule.parameters ?? {}).map(([name, p]) => ({ name, ...p })),
    }),
  }),
});

// The records an alert's evidence may be, one member per dataset type.
const recordTypes = new WeakMap<object, string>();
const SupervisedRecord = builder.unionType('SupervisedRecord', {
  description:
    '预警证据中的记录（按调用方权限读取） / A record an alert’s evidence names, as the caller reads it',
  types: [...datasetTypes.values()],
  resolveType: (row) => recordTypes.get(row) as string,
});

interface EvidenceItem {
  ctx: Context;
  dataset: string;
  key: Record<string, string>;
}

const Evidence = builder.objectRef<EvidenceItem>('AlertEvidence').implement({
  description: '预警证据：涉及的一条记录 / One record an alert involves',
  fields: (t) => ({
    dataset: t.exposeString('dataset', { nullable: false, description: '数据集 / Dataset' }),
    key: t.field({
      type: 'JSONObject',
      nullable: false,
      description: '记录的自然键 / The record’s natural key',
      resolve: (item) => item.key,
    }),
    record: t.field({
      type: SupervisedRecord,
      description:
        '该记录，按调用方权限读取；已撤回则为空 / The record as the caller reads it; null once withdrawn',
      resolve: async (item, _args, ctx, info) => {
        const dataset = datasetByName(item.dataset);
        if (!dataset) return null;
        const row = await ctx.records.byKey(dataset, item.key, unionMemberFields(dataset, info));
        if (row) recordTypes.set(row, dataset.names.type);
        return row as DatasetRow | null as never;
      },
    }),
  }),
});

const AlertEvent = builder.objectRef<AlertEventRow>('AlertEvent').implement({
  description: '预警的经过 / What happened to an alert',
  fields: (t) => ({
    at: t.field({
      type: 'DateTime',
      nullable: false,
      description: '时间 / When',
      resolve: (e) => new Date(e.at),
    }),
    event: t.exposeString('event', {
      nullable: false,
      description:
        '事件：OPENED、RESOLVED、REOPENED（评估）；ACKNOWLEDGED、DISMISSED、COMMENTED（处置） / What happened',
    }),
    principal: t.exposeString('principal', {
      description: '处置单位；评估为空 / Who; null for the hub’s evaluation',
    }),
    note: t.exposeString('note', { description: '说明、理由 / The note or reason' }),
  }),
});

const Measure = builder.objectRef<{ kind: string; value: number }>('AlertMeasure').implement({
  description: '预警的度量 / How much: an overlap, a distance, an exceedance',
  fields: (t) => ({
    kind: t.field({
      type: MeasureKind,
      nullable: false,
      description: '类别 / Kind',
      resolve: (m) => m.kind as never,
    }),
    value: t.exposeFloat('value', { nullable: false, description: '数值 / Value' }),
  }),
});

export const AlertType = builder.objectRef<AlertRow>('Alert').implement({
  description: '联动监管预警 / A supervision alert: a situation a rule found, and its handling',
  fields: (t) => ({
    id: t.exposeID('id', { nullable: false, description: '预警编号 / Alert id' }),
    rule: t.field({
      type: RuleType,
      nullable: false,
      description: '规则 / The rule',
      resolve: (a) => ruleById(a.rule) as Rule,
    }),
    severity: t.field({
      type: Severity,
      nullable: false,
      description: '严重程度 / Severity',
      resolve: (a) => a.severity as never,
    }),
    state: t.field({
      type: AlertState,
      nullable: false,
      description: '状态 / State',
      resolve: (a) => a.state as never,
    }),
    district: t.exposeString('district', { description: '所在区 / District' }),
    actors: t.stringList({
      nullable: false,
      description: '须处置的单位 / Who must act',
      resolve: (a) => actorsOf(ruleById(a.rule) as Rule, a),
    }),
    measure: t.field({
      type: Measure,
      description: '度量 / Its measure',
      resolve: (a) =>
        a.measureKind && a.measureValue != null ? { kind: a.measureKind, value: a.measureValue } : null,
    }),
    evidence: t.field({
      type: [Evidence],
      nullable: false,
      description: '证据：涉及的记录 / The records involved',
      resolve: (a, _args, ctx) => a.evidence.map((e) => ({ ctx, dataset: e.dataset, key: { ...e.key } })),
    }),
    firstSeenAt: t.field({
      type: 'DateTime',
      nullable: false,
      description: '首次发现 / First found',
      resolve: (a) => new Date(a.firstSeenAt),
    }),
    lastSeenAt: t.field({
      type: 'DateTime',
      nullable: false,
      description: '最近一次发现 / Last found',
      resolve: (a) => new Date(a.lastSeenAt),
    }),
    resolvedAt: t.field({
      type: 'DateTime',
      description: '消除时间 / When it resolved',
      resolve: (a) => (a.resolvedAt ? new Date(a.resolvedAt) : null),
    }),
    resolvedReason: t.exposeString('resolvedReason', { description: '消除原因 / Why it resolved' }),
    reopenedCount: t.exposeInt('reopenedCount', {
      nullable: false,
      description: '重新打开次数 / Times reopened',
    }),
    events: t.field({
      type: [AlertEvent],
      nullable: false,
      description: '经过，从早到晚 / Its events, oldest first',
      resolve: (a, _args, ctx) => alertsOf(ctx).events(a.id),
    }),
  }),
});

const AlertConnection = connectionType(AlertType, 'Alert', '预警', 'alerts');

const AlertCount = builder
  .objectRef<{ rule: string; district: string | null; state: string; count: number }>('AlertCount')
  .implement({
    description: '按规则、区和状态的预警数 / Alerts by rule, district and state',
    fields: (t) => ({
      rule: t.exposeString('rule', { nullable: false, description: '规则编号 / Rule id' }),
      district: t.exposeString('district', { description: '区 / District' }),
      state: t.field({
        type: AlertState,
        nullable: false,
        description: '状态 / State',
        resolve: (c) => c.state as never,
      }),
      count: t.exposeInt('count', { nullable: false, description: '数量 / Count' }),
    }),
  });

const filterArgs = (t: Parameters<Parameters<typeof builder.queryField>[1]>[0]) => ({
  rule: t.arg.stringList({ description: '规则编号 / Rule ids', ...maxLength('name') }),
  severity: t.arg({ type: [Severity], description: '严重程度 / Severities' }),
  state: t.arg({ type: [AlertState], description: '状态 / States' }),
  district: t.arg.stringList({ description: '区划代码 / District codes', ...maxLength('name') }),
  department: t.arg.string({
    description: '须由该单位处置的 / Those this department or district must act on',
    ...maxLength('name'),
  }),
  firstSeenFrom: t.arg({ type: 'DateTime', description: '首次发现不早于 / First found at or after' }),
  firstSeenBefore: t.arg({ type: 'DateTime', description: '首次发现早于 / First found before' }),
});

const toFilter = (args: Record<string, unknown>): AlertFilter => args as AlertFilter;

builder.queryField('supervisionRules', (t) =>
  t.field({
    type: [RuleType],
    nullable: false,
    description: '联动监管规则 / The joint-supervision rules',
    resolve: () => [...rules],
  }),
);

builder.queryField('alerts', (t) =>
  t.field({
    type: AlertConnection,
    nullable: false,
    description:
      '可见的预警，按首次发现从新到旧：须本单位处置的、本区的；生态环境局与审计员可见全部；证据记录须可读 / The alerts you may see, newest first',
    args: {
      ...filterArgs(t),
      first: t.arg.int({
        description: `每页条数，默认 100，最多 ${MAX_PAGE_SIZE} / Page size (default 100, at most ${MAX_PAGE_SIZE})`,
      }),
      after: t.arg.string({
        description: '上一页的 endCursor / The endCursor of the previous page',
        ...maxLength('id'),
      }),
    },
    resolve: (_root, args, ctx) => alertsOf(ctx).list(toFilter(args)),
  }),
);

builder.queryField('alert', (t) =>
  t.field({
    type: AlertType,
    description: '一条预警；不存在或不可见则为空 / One alert; null when there is none you may see',
    args: { id: t.arg.id({ required: true, description: '预警编号 / Alert id', ...maxLength('id') }) },
    resolve: (_root, args, ctx) => alertsOf(ctx).byId(String(args.id)),
  }),
);

builder.queryField('alertSummary', (t) =>
  t.field({
    type: [AlertCount],
    nullable: false,
    description:
      '可见预警按规则、区和状态计数 / Counts of the alerts you may see, by rule, district and state',
    args: filterArgs(t),
    resolve: (_root, args, ctx) => alertsOf(ctx).summary(toFilter(args)),
  }),
);

const STEPS = {
  acknowledgeAlert: { step: 'ACKNOWLEDGED', zh: '确认预警', en: 'Acknowledge an open alert' },
  dismissAlert: { step: 'DISMISSED', zh: '驳回预警（须附理由）', en: 'Dismiss an alert, with a reason' },
  commentAlert: { step: 'COMMENTED', zh: '对预警添加说明', en: 'Comment on an alert' },
} as const;

for (const [name, { step, zh, en }] of Object.entries(STEPS)) {
  builder.mutationField(name, (t) =>
    t.field({
      type: AlertType,
      nullable: false,
      description: `${zh}：须由本单位处置的预警 / ${en} your department must act on`,
      args: {
        id: t.arg.id({ required: true, description: '预警编号 / Alert id', ...maxLength('id') }),
        note: t.arg.string({
          description: `${step === 'ACKNOWLEDGED' ? '说明（可选）' : '说明或理由（必填）'}，最多 ${MAX_NOTE_LENGTH} 字 / Note or reason, at most ${MAX_NOTE_LENGTH} characters`,
          ...maxLength('prose'),
        }),
      },
      resolve: async (_root, args, ctx) => {
        const alert = await alertsOf(ctx).act(String(args.id), step, args.note ?? null);
        ctx.audit.action({ action: step, alert: alert.id, rule: alert.rule, state: alert.state });
        return alert;
      },
    }),
  );
}
