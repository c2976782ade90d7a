import { canSeeFreshness } from '../access/actions.js';
import { type Dataset, sharingOf } from '../catalog/define.js';
import { datasetByName, datasets } from '../catalog/registry.js';
import {
  type FieldDef,
  type Mandate,
  type PlanBasis,
  SHARING_CLASS_NAMES,
  SHARING_METHODS,
  type SharingClass as SharingClassName,
} from '../catalog/types.js';
import type { Context } from '../context.js';
import { type Freshness, readFreshness } from '../jobs/freshness.js';
import { builder } from './builder.js';

/** The publishing scope of a dataset in words, Chinese then English; null when it declares none. */
function describePublishingScope(dataset: Dataset): string | null {
  const scope = dataset.publishingScope;
  if (!scope) return null;
  const zh: string[] = [];
  const en: string[] = [];
  if (scope.codeNamesDistrict) {
    const { field, hint } = scope.codeNamesDistrict;
    zh.push(`${dataset.fields[field].zh}须标明本区`);
    en.push(`its ${field} names its own district (${hint})`);
  }
  for (const name of scope.entities ?? []) {
    const link = dataset.links?.[name];
    const target = link && datasetByName(link.to);
    if (link?.kind !== 'one' || !target) continue;
    const fields = Object.keys(link.on).join(', ');
    zh.push(`所指${target.zh}须为本单位可见（本区）的记录`);
    en.push(`the ${target.name} its ${fields} names is one it can read (of its own district)`);
  }
  return `${zh.join('；')} / A record qualifies when ${en.join(', and ')}`;
}

const SharingClass = builder.enumType('SharingClass', {
  description: '共享类别 / Sharing class',
  values: Object.fromEntries(
    Object.entries(SHARING_CLASS_NAMES).map(([name, { zh, en }]) => [name, { description: `${zh} / ${en}` }]),
  ) as Record<SharingClassName, { description: string }>,
});

const SharingMethod = builder.enumType('SharingMethod', {
  description: '共享方式 / Sharing method',
  values: {
    GRAPHQL_QUERY: { description: '接口查询 / GraphQL query' },
    CHANGE_FEED: { description: '增量变更订阅 / Change feed' },
    BULK_EXPORT: { description: '批量导出 / Bulk export' },
  },
});

const MASK_RULES: Record<string, string> = {
  name: '姓名保留首字（张*） / names keep their first character',
  phone: '电话保留前三后四位（138****1234） / phones keep the first three and last four digits',
  idNumber: '证件号保留前六后四位 / ID numbers keep the first six and last four characters',
};

export const PlanBasisType = builder.objectRef<PlanBasis>('PlanBasis').implement({
  description:
    '规划依据：哪部规划的哪一条、原文如何要求 / Where a plan orders it: the plan, its article, its words',
  fields: (t) => ({
    plan: t.exposeString('plan', { nullable: false, description: '规划名称 / The plan (its Chinese title)' }),
    article: t.exposeString('article', { nullable: false, description: '条款 / The article, e.g. 四(二)3' }),
    quote: t.exposeString('quote', {
      nullable: false,
      description: '规划原文（摘引） / The phrase of the plan that orders it, in Chinese',
    }),
  }),
});

/**
 * A plan's order to share fields (法定共享), the same object in `catalog` (every mandate of a dataset and of
 * a field) and in `myAccess` (the one a field is read under).
 */
export const MandateType = builder.objectRef<Mandate>('Mandate').implement({
  description:
    '法定共享：规划明确要求向指定单位共享的字段，如同无需申请、不可撤销的长期授权 / Mandated sharing: fields a plan orders shared with named recipients, read like a standing grant nobody applies for and the owner cannot revoke',
  fields: (t) => ({
    recipients: t.stringList({
      nullable: false,
      description:
        '接收单位：部门代码，或 DISTRICT 表示各区（仅本区记录） / Recipients: department codes, or DISTRICT for every district (its own rows only)',
      resolve: (m) => [...m.to],
    }),
    fields: t.stringList({
      nullable: false,
      description: '要求共享的字段 / The fields ordered shared',
      resolve: (m) => [...m.fields],
    }),
    basis: t.field({
      type: PlanBasisType,
      nullable: false,
      description: '规划依据 / The plan, article and words that order it',
      resolve: (m) => m.basis,
    }),
  }),
});

/** A field of the catalogue with its dataset, which its mandates are declared on. */
interface CatalogFieldOf {
  dataset: Dataset;
  name: string;
  field: FieldDef;
}

const CatalogField = builder.objectRef<CatalogFieldOf>('CatalogField').implement({
  description: '目录中的字段 / A field of a catalogue dataset',
  fields: (t) => ({
    name: t.string({ nullable: false, description: '字段名 / Field name', resolve: ({ name }) => name }),
    zh: t.string({
      nullable: false,
      description: '中文名称 / Chinese name',
      resolve: ({ field }) => field.zh,
    }),
    en: t.string({
      nullable: false,
      description: '英文名称 / English name',
      resolve: ({ field }) => field.en,
    }),
    type: t.string({
      nullable: false,
      description: '数据类型 / Data type',
      resolve: ({ field }) => field.type,
    }),
    required: t.boolean({
      nullable: false,
      description: '必填 / Required',
      resolve: ({ field: f }) => f.required ?? false,
    }),
    sharing: t.field({
      type: SharingClass,
      nullable: false,
      description: '共享类别 / Sharing class',
      resolve: ({ field }) => sharingOf(field),
    }),
    personal: t.boolean({
      nullable: false,
      description: '个人信息 / Personal data',
      resolve: ({ field }) => field.personal ?? false,
    }),
    mask: t.string({ description: '脱敏规则 / Masking rule', resolve: ({ field }) => field.mask ?? null }),
    maskDescription: t.string({
      description: '脱敏方式说明 / How masked values look',
      resolve: ({ field }) => (field.mask ? MASK_RULES[field.mask] : null),
    }),
    mandates: t.field({
      type: [MandateType],
      nullable: false,
      description:
        "规划要求共享本字段的法定共享（与数据集的 mandates 相同，只列涵盖本字段者） / The mandates that cover this field (those of the dataset's mandates that name it)",
      resolve: ({ dataset, name }) => (dataset.mandates ?? []).filter((m) => m.fields.includes(name)),
    }),
  }),
});

const DatasetFreshness = builder.objectRef<Freshness>('DatasetFreshness').implement({
  description:
    '数据时效：最近一次发布与声明的更新周期对比，由定时任务每小时检查 / Freshness against the declared update cycle, checked hourly',
  fields: (t) => ({
    lastPublishedAt: t.field({
      type: 'DateTime',
      description:
        '最近发布时间（批次或记录变更），从未发布为空 / Last batch or record change; null if never',
      resolve: (f) => f.lastPublishedAt,
    }),
    stale: t.boolean({
      nullable: false,
      description: '已超过更新周期未发布 / Not published within its update cycle',
      resolve: (f) => f.stale,
    }),
    checkedAt: t.field({
      type: 'DateTime',
      nullable: false,
      description: '检查时间 / When this was checked',
      resolve: (f) => f.checkedAt,
    }),
  }),
});

/** The stored freshness rows, read once per request however many datasets ask. */
const freshnessOfRequest = new WeakMap<Context, Promise<Map<string, Freshness>>>();

function freshnessFor(ctx: Context, dataset: Dataset): Promise<Freshness | null> | null {
  // Decided here, not by a shield rule: CatalogDataset is structural and its other fields are for all.
  if (!canSeeFreshness(ctx.principal, dataset)) return null;
  let rows = freshnessOfRequest.get(ctx);
  if (!rows) {
    rows = readFreshness(ctx.db);
    freshnessOfRequest.set(ctx, rows);
  }
  return rows.then((byDataset) => byDataset.get(dataset.name) ?? null);
}

const CatalogDataset = builder.objectRef<Dataset>('CatalogDataset').implement({
  description: '资源共享目录中的数据集 / A dataset of the resource-sharing catalogue',
  fields: (t) => ({
    name: t.exposeString('name', { nullable: false, description: '数据集标识 / Dataset id' }),
    zh: t.exposeString('zh', { nullable: false, description: '中文名称 / Chinese name' }),
    en: t.exposeString('en', { nullable: false, description: '英文名称 / English name' }),
    description: t.string({ description: '说明 / Description', resolve: (d) => d.description ?? null }),
    owner: t.exposeString('owner', { nullable: false, description: '责任部门 / Owning department' }),
    publishers: t.stringList({
      nullable: false,
      description: '其他发布部门 / Further publishing departments',
      resolve: (d) => [...(d.publishers ?? [])],
    }),
    districtPublishers: t.boolean({
      nullable: false,
      description: '各区发布本区数据 / Districts publish their own rows',
      resolve: (d) => d.districtPublishers ?? false,
    }),
    publishingScope: t.string({
      description:
        '发布范围：主管单位以外的发布单位可发布的记录（主管单位可更正并接管任何记录） / Publishing scope: what publishers other than the owner may write (the owner may correct and take over any record)',
      resolve: (d) => describePublishingScope(d),
    }),
    sharingMethods: t.field({
      type: [SharingMethod],
      nullable: false,
      description: '共享方式 / How it is shared',
      resolve: () => [...SHARING_METHODS],
    }),
    updateCycle: t.exposeString('updateCycle', {
      nullable: false,
      description: '更新周期（ISO 8601） / Declared update cycle (ISO 8601 duration)',
    }),
    naturalKey: t.stringList({
      nullable: false,
      description: '业务主键 / Natural key fields',
      resolve: (d) => [...d.key],
    }),
    queryField: t.string({
      nullable: false,
      description: '列表查询字段 / The query field that lists it',
      resolve: (d) => d.names.many,
    }),
    lookupField: t.string({
      nullable: false,
      description: '按主键查询字段 / The query field that reads one record by its natural key',
      resolve: (d) => d.names.one,
    }),
    typeName: t.string({
      nullable: false,
      description: '记录的 GraphQL 类型 / The GraphQL type of its records',
      resolve: (d) => d.names.type,
    }),
    geometryField: t.string({
      description:
        '空间字段（按 bbox 和 intersects 筛选），无则为空 / The point or polygon field its bbox and intersects filters test; null if none',
      resolve: (d) => d.geometryField ?? null,
    }),
    freshness: t.field({
      type: DatasetFreshness,
      description:
        '数据时效；仅责任部门、发布部门、生态环境部门和审计员可见，其他为空；尚未检查时为空 / Freshness: for the owner, its publishers, ECOLOGY and auditors (null for others, and before the first check)',
      resolve: (d, _args, ctx) => freshnessFor(ctx, d),
    }),
    mandates: t.field({
      type: [MandateType],
      nullable: false,
      description:
        '法定共享：规划要求向指定单位共享的字段及依据 / Mandated sharing: the fields a plan orders shared, with whom, and where it says so',
      resolve: (d) => [...(d.mandates ?? [])],
    }),
    fields: t.field({
      type: [CatalogField],
      nullable: false,
      description: '字段 / Fields',
      resolve: (dataset) => Object.entries(dataset.fields).map(([name, field]) => ({ dataset, name, field })),
    }),
  }),
});

builder.queryField('catalog', (t) =>
  t.field({
    type: [CatalogDataset],
    nullable: false,
    description: '资源共享目录 / The resource-sharing catalogue',
    resolve: () => [...datasets],
  }),
);
