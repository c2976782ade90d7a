import type { DatasetRow } from '../datasets/store.js';
import { builder } from './builder.js';

const toDate = (value: unknown) => new Date(String(value));

/** Where a record came from and how it changed; every dataset record carries it. */
export const RecordProvenance = builder.objectRef<DatasetRow>('RecordProvenance').implement({
  description: '记录来源信息 / Provenance of a record',
  fields: (t) => ({
    publisher: t.string({
      description: '发布单位代码 / Code of the publishing department or district',
      resolve: (row) => row.publisher as string,
    }),
    sourceRecordId: t.string({
      description: '源系统记录编号 / Record id in the source system',
      resolve: (row) => row.sourceRecordId as string,
    }),
    syncBatch: t.string({
      description: '同步批次 / Sync batch that last wrote the record',
      resolve: (row) => row.syncBatch as string | null,
    }),
    firstSeenAt: t.field({
      type: 'DateTime',
      description: '首次接收时间 / When the hub first received the record',
      resolve: (row) => toDate(row.firstSeenAt),
    }),
    lastChangedAt: t.field({
      type: 'DateTime',
      description: '最后变更时间 / When the record last changed',
      resolve: (row) => toDate(row.lastChangedAt),
    }),
    version: t.int({
      description: '版本号 / Version, 1 for a new record',
      resolve: (row) => row.version as number,
    }),
    deleted: t.boolean({
      description: '是否已删除（墓碑） / Whether the record is a tombstone',
      resolve: (row) => row.deleted as boolean,
    }),
  }),
});
