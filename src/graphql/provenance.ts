import type { DatasetRow } from '../datasets/store.js';
import { builder } from './builder.js';

const toDate = (value: unknown) => new Date(String(value));

/** Where a record came from and how it changed; every dataset record carries it. */
export const RecordProvenance = builder.objectRef<DatasetRow>('RecordProvenance').implement({
  description: '记录来源信息 / Provenance of a record',
  fields: (t) => {
    /** Each field reads the record's column of its name. */
    const text = (column: 'publisher' | 'sourceRecordId' | 'syncBatch', description: string) =>
      t.string({ description, resolve: (row) => row[column] as string | null });
    const timestamp = (column: 'firstSeenAt' | 'lastChangedAt', description: string) =>
      t.field({ type: 'DateTime', description, resolve: (row) => toDate(row[column]) });
    return {
      publisher: text('publisher', '发布单位代码 / Code of the publishing department or district'),
      sourceRecordId: text('sourceRecordId', '源系统记录编号 / Record id in the source system'),
      syncBatch: text('syncBatch', '同步批次 / Sync batch that last wrote the record'),
      firstSeenAt: timestamp('firstSeenAt', '首次接收时间 / When the hub first received the record'),
      lastChangedAt: timestamp('lastChangedAt', '最后变更时间 / When the record last changed'),
      version: t.int({
        description: '版本号 / Version, 1 for a new record',
        resolve: (row) => row.version as number,
      }),
      deleted: t.boolean({
        description: '是否已删除（墓碑） / Whether the record is a tombstone',
        resolve: (row) => row.deleted as boolean,
      }),
    };
  },
});
