import { JSONObjectResolver } from 'graphql-scalars';
import type { Dataset } from '../catalog/define.js';
import { datasetByName } from '../catalog/registry.js';
import type { DatasetRow } from '../datasets/store.js';
import { badInput } from '../errors.js';
import { type ChangePage, MAX_CHANGES_PAGE } from '../sync/changes.js';
import { type PublishResult, publishBatch } from '../sync/ingest.js';
import { withPublishSlot } from '../sync/publishSlots.js';
import { builder } from './builder.js';
import { datasetTypes } from './datasetTypes.js';
import { maxLength } from './inputLengths.js';

/** Records per GraphQL publish; larger batches go through the streaming endpoint. */
export const MAX_GRAPHQL_BATCH = 5000;

builder.addScalarType('JSONObject', JSONObjectResolver, {
  description: 'JSON 对象 / A JSON object',
});

const PublishMode = builder.enumType('PublishMode', {
  description: '发布方式 / How a batch applies',
  values: {
    DELTA: {
      description: '增量：发送的记录（含 deleted: true 的删除） / The records sent, and tombstones sent',
    },
    SNAPSHOT: {
      description:
        '全量：未发送的本单位记录将被标记删除 / A full snapshot: your rows not sent become tombstones',
    },
  },
});

const RejectionType = builder.objectRef<PublishResult['rejections'][number]>('PublishRejection').implement({
  description: '被拒绝的记录 / A rejected record',
  fields: (t) => ({
    line: t.exposeInt('line', {
      nullable: false,
      description: '行号（从 1 起） / Line in the batch, from 1',
    }),
    field: t.exposeString('field', { description: '字段 / Field' }),
    reason: t.exposeString('reason', { nullable: false, description: '原因 / Reason' }),
  }),
});

/** The batch's counts, each a non-null Int as the result holds it. */
const COUNTS = {
  received: '收到的记录数 / Records received',
  accepted: '通过校验的记录数 / Records accepted',
  inserted: '新增 / Inserted',
  updated: '更新 / Updated',
  unchanged: '未变化 / Unchanged',
  deleted: '标记删除 / Tombstoned',
  takenOver:
    '接管的记录数：数据集主管单位更正其他发布单位的记录 / Records the owner took over from another publisher',
  rejectedCount: '被拒绝的记录（行）数 / Rows rejected (a row with several errors counts once)',
  errorCount: '被拒绝记录的错误总数 / Errors over all rejected rows',
} satisfies Partial<Record<keyof PublishResult, string>>;

const PublishResultType = builder.objectRef<PublishResult>('PublishResult').implement({
  description: '批次发布结果 / The result of publishing a batch',
  fields: (t) => ({
    dataset: t.exposeString('dataset', { nullable: false, description: '数据集 / Dataset' }),
    batchKey: t.exposeString('batchKey', { nullable: false, description: '批次幂等键 / Idempotency key' }),
    mode: t.field({
      type: PublishMode,
      nullable: false,
      description: '发布方式 / Mode',
      resolve: (r) => r.mode,
    }),
    status: t.exposeString('status', {
      nullable: false,
      description: '结果：APPLIED 已应用，REJECTED 未应用 / APPLIED or REJECTED (nothing applied)',
    }),
    replayed: t.exposeBoolean('replayed', {
      nullable: false,
      description: '重复提交：返回首次结果，未作改动 / Sent before: the first result, nothing changed now',
    }),
    ...Object.fromEntries(
      Object.entries(COUNTS).map(([name, description]) => [
        name,
        t.exposeInt(name as keyof typeof COUNTS, { nullable: false, description }),
      ]),
    ),
    rejections: t.field({
      type: [RejectionType],
      nullable: false,
      description: '错误明细，按行排列（最多 1000 条） / Errors, row by row in line order (the first 1000)',
      resolve: (r) => r.rejections,
    }),
    note: t.exposeString('note', { description: '说明 / Note' }),
  }),
});

function datasetNamed(name: string): Dataset {
  const dataset = datasetByName(name);
  if (!dataset) throw badInput(`unknown dataset ${JSON.stringify(name)}; see the catalogue for the names`);
  return dataset;
}

builder.mutationField('publish', (t) =>
  t.field({
    type: PublishResultType,
    nullable: false,
    description: `发布一批记录（最多 ${MAX_GRAPHQL_BATCH} 条；更大批次请用 /datasets/{name}/batches 流式接口） / Publish a batch of up to ${MAX_GRAPHQL_BATCH} records (larger ones: the streaming endpoint)`,
    args: {
      dataset: t.arg.string({ required: true, description: '数据集标识 / Dataset id', ...maxLength('name') }),
      batchKey: t.arg.string({
        required: true,
        description: '批次幂等键，重发同一批次不会重复写入 / Idempotency key',
      }),
      mode: t.arg({ type: PublishMode, defaultValue: 'DELTA', description: '发布方式 / Mode' }),
      atomic: t.arg.boolean({
        defaultValue: true,
        description:
          '全部成功或全部不应用（默认）；false 时应用有效记录并报告其余 / All-or-nothing (default)',
      }),
      records: t.arg({ type: ['JSONObject'], required: true, description: '记录 / Records' }),
    },
    resolve: (_root, args, ctx) => {
      if (args.records.length > MAX_GRAPHQL_BATCH) {
        throw badInput(`at most ${MAX_GRAPHQL_BATCH} records per GraphQL batch; use the streaming endpoint`);
      }
      const records = args.records.map((raw, index) => ({ line: index + 1, raw }));
      // One of the process's publish slots, as the streaming endpoint takes (503 when none is free).
      return withPublishSlot(ctx.db, () =>
        publishBatch(
          ctx.db,
          ctx,
          datasetNamed(args.dataset),
          { batchKey: args.batchKey, mode: args.mode ?? 'DELTA', atomic: args.atomic ?? true },
          records,
        ),
      );
    },
  }),
);

type ChangeRow = DatasetRow & { datasetName: string; changeCursor: string };

const DatasetRecord = builder.unionType('DatasetRecord', {
  description: '任一数据集的记录 / A record of any dataset',
  types: [...datasetTypes.values()],
  resolveType: (row) => (datasetByName((row as ChangeRow).datasetName) as Dataset).names.type,
});

const ChangeOperation = builder.enumType('ChangeOperation', {
  description: '变更类型 / Kind of change',
  values: {
    UPSERT: { description: '新增或更新 / Inserted or updated' },
    DELETE: { description: '删除（墓碑） / Tombstoned' },
  },
});

const Change = builder.objectRef<ChangeRow>('Change').implement({
  description: '一条变更 / One change',
  fields: (t) => ({
    cursor: t.string({
      nullable: false,
      description: '变更游标 / Cursor of this change',
      resolve: (row) => row.changeCursor,
    }),
    operation: t.field({
      type: ChangeOperation,
      nullable: false,
      description: '变更类型 / Kind of change',
      resolve: (row) => (row.deleted ? 'DELETE' : 'UPSERT'),
    }),
    record: t.field({
      type: DatasetRecord,
      nullable: false,
      description: '记录（按权限脱敏） / The record, as you may read it',
      resolve: (row) => row,
    }),
  }),
});

const ChangePageType = builder.objectRef<ChangePage & { datasetName: string }>('ChangePage').implement({
  description: '一页变更 / A page of changes',
  fields: (t) => ({
    changes: t.field({
      type: [Change],
      nullable: false,
      description: '变更，按发生顺序 / Changes in order',
      resolve: (page) =>
        page.rows.map((row) => ({
          ...row,
          datasetName: page.datasetName,
          changeCursor: page.cursorOf(row),
        })),
    }),
    endCursor: t.exposeString('endCursor', {
      nullable: false,
      description: '下次从此游标继续 / Continue after this cursor',
    }),
    hasMore: t.exposeBoolean('hasMore', {
      nullable: false,
      description: '还有更多变更 / More changes follow',
    }),
  }),
});

builder.queryField('changes', (t) =>
  t.field({
    type: ChangePageType,
    nullable: false,
    description:
      '数据集的增量变更（新增、更新、删除），按顺序、无遗漏、无重复 / The changes of a dataset after a cursor',
    args: {
      dataset: t.arg.string({ required: true, description: '数据集标识 / Dataset id', ...maxLength('name') }),
      after: t.arg.string({ description: '上次读到的游标 / The last cursor you read' }),
      first: t.arg.int({ description: `条数，默认 100，最多 ${MAX_CHANGES_PAGE} / Page size` }),
    },
    resolve: async (_root, args, ctx) => {
      const dataset = datasetNamed(args.dataset);
      const page = await ctx.records.changes(dataset, args.after, args.first);
      return { ...page, datasetName: dataset.name };
    },
  }),
);
