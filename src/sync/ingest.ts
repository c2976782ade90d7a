import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify/sync';
import type postgres from 'postgres';
import { assertPublish, canPublishRecord } from '../access/actions.js';
import type { EffectiveAccess } from '../access/effectiveAccess.js';
import type { AuditTrail } from '../audit/trail.js';
import type { Dataset } from '../catalog/define.js';
import type { ReferenceData } from '../datasets/reference.js';
import type { Db } from '../db/connection.js';
import { columnName } from '../db/datasetTable.js';
import { userError } from '../errors.js';
import type { FieldKind } from '../fields/kind.js';
import { kindOf } from '../fields/registry.js';
import { rowScopeText } from '../records/records.js';
import { announcePublished } from './published.js';
import { publishLockName } from './publishLock.js';
import { checkPublishingScope } from './scope.js';
import { StagingSpool } from './spool.js';
import { type Rejection, type ValidRow, validateRecord } from './validate.js';

export type PublishMode = 'DELTA' | 'SNAPSHOT';

export interface PublishOptions {
  batchKey: string;
  /** DELTA: the rows sent (and tombstones sent as `deleted: true`); SNAPSHOT: also tombstone the rows not sent. */
  mode: PublishMode;
  /** All-or-nothing (default), or apply the valid rows and report the others. */
  atomic: boolean;
}

export interface PublishResult {
  dataset: string;
  batchKey: string;
  mode: PublishMode;
  status: 'APPLIED' | 'REJECTED';
  /** True when the batch had been applied before: this is the first result, and nothing changed now. */
  replayed: boolean;
  received: number;
  accepted: number;
  inserted: number;
  updated: number;
  unchanged: number;
  deleted: number;
  /** Records the owner took over from another publisher (the owner may correct any record of its dataset). */
  takenOver: number;
  /** Rows rejected (a row with three bad fields is one row). */
  rejectedCount: number;
  /** Errors over all rejected rows (a row may have several). */
  errorCount: number;
  /** The first errors (at most 1000), in line order: a row's errors one after the other. */
  rejections: Rejection[];
  note: string | null;
}

export interface Publisher {
  access: EffectiveAccess;
  reference: ReferenceData;
  /** The request's audit trail, told of the batch's outcome. */
  audit?: AuditTrail;
}

/** One published record before validation, with its line in the batch (1-based). */
export interface IncomingRecord {
  line: number;
  raw: unknown;
  /** Why the parser could not read the line (invalid JSON, a CSV row of the wrong width), if it could not. */
  problem?: string;
}

/**
 * Valid rows are staged by COPY in chunks of this many rows: one COPY statement each. A server would take one
 * COPY for the whole batch as well, but the embedded database holds a COPY's data in memory until its end
 * (src/db/pgliteServer.ts), so chunks keep memory flat on both.
 */
const STAGING_CHUNK = 20_000;
const MAX_REPORTED = 1000;

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Thrown inside the transaction to roll an all-or-nothing batch back, carrying its result out. */
class RejectedBatch extends Error {
  constructor(readonly result: PublishResult) {
    super('batch rejected');
  }
}

/**
 * Rows in COPY's CSV format: strings always quoted, so that an empty string stays one and an unquoted empty
 * field is NULL; booleans as t/f; each field's value in its kind's COPY form (a text list as an array literal).
 */
function copyCsv(
  rows: readonly ValidRow[],
  fields: readonly string[],
  kinds: readonly FieldKind<any>[],
): string {
  const records = rows.map((row) => [
    row.line,
    row.sourceRecordId,
    row.deleted,
    ...fields.map((f, i) => {
      const value = row.values[f];
      const toCopy = kinds[i].toCopy;
      return value == null || !toCopy ? value : toCopy(value);
    }),
  ]);
  return stringify(records, { quoted_string: true, cast: { boolean: (value) => (value ? 't' : 'f') } });
}

/** The SQL pieces of a dataset's merge, derived from its declaration. */
function mergeParts(dataset: Dataset) {
  const fields = Object.keys(dataset.fields);
  const columns = fields.map((f) => quote(columnName(f)));
  const keys = dataset.key.map((f) => quote(columnName(f)));
  const kinds = fields.map((f) => kindOf(dataset.fields[f]));
  const comparable = (alias: string) =>
    fields.map((f, i) => {
      const column = `${alias}.${quote(columnName(f))}`;
      return kinds[i].comparable?.(column) ?? column;
    });
  const staging = [
    'line integer',
    'source_record_id text',
    'deleted boolean',
    ...fields.map((f, i) => `${quote(columnName(f))} ${kinds[i].sqlType(dataset.fields[f])}`),
  ].join(', ');
  return { fields, kinds, columns, keys, comparable, staging, table: quote(dataset.table) };
}

/** The valid rows of a batch, spooled, and what was wrong with the others. */
interface ValidatedBatch {
  spool: StagingSpool;
  received: number;
  rejectedRows: number;
  errorCount: number;
  rejections: Rejection[];
}

/**
 * Reads and checks every record of a batch before any transaction begins: each row against the dataset's
 * declaration and the publisher's district, the valid ones written to a spool file as COPY CSV. A body
 * that breaks off, or is not valid in its charset, throws here, and nothing is applied.
 */
async function validateBatch(
  publisher: Publisher,
  dataset: Dataset,
  { fields, kinds }: Pick<ReturnType<typeof mergeParts>, 'fields' | 'kinds'>,
  records: AsyncIterable<IncomingRecord> | Iterable<IncomingRecord>,
): Promise<ValidatedBatch> {
  const { access, reference } = publisher;
  const spool = await StagingSpool.create();
  const batch: ValidatedBatch = { spool, received: 0, rejectedRows: 0, errorCount: 0, rejections: [] };
  const reject = (rejections: readonly Rejection[]) => {
    batch.rejectedRows++;
    batch.errorCount += rejections.length;
    for (const rejection of rejections) {
      if (batch.rejections.length < MAX_REPORTED) batch.rejections.push(rejection);
    }
  };
  try {
    let chunk: ValidRow[] = [];
    for await (const { line, raw, problem } of records) {
      batch.received++;
      if (problem !== undefined) {
        reject([{ line, field: null, reason: problem }]);
        continue;
      }
      const checked = validateRecord(dataset, raw, line, reference);
      if (!checked.ok) {
        reject(checked.rejections);
      } else if (!canPublishRecord(access.principal, dataset, checked.row.values)) {
        const reason = `${access.principal.code} publishes only rows of its own district`;
        reject([{ line, field: dataset.districtField ?? null, reason }]);
      } else {
        chunk.push(checked.row);
        if (chunk.length >= STAGING_CHUNK) {
          await spool.append(copyCsv(chunk, fields, kinds));
          chunk = [];
        }
      }
    }
    await spool.append(copyCsv(chunk, fields, kinds));
    return batch;
  } catch (error) {
    await spool.remove();
    throw error;
  }
}

/** The first result of a batch this publisher applied before under the same key, if it did. */
async function previousResult(
  sql: postgres.Sql | postgres.TransactionSql,
  dataset: Dataset,
  publisher: string,
  batchKey: string,
): Promise<PublishResult | undefined> {
  const [previous] = await sql<{ result: PublishResult }[]>`
    select result from sync_batch
    where dataset = ${dataset.name} and publisher = ${publisher} and batch_key = ${batchKey}`;
  return previous && { ...previous.result, replayed: true };
}

/**
 * Publishes a batch of records into a dataset. First the whole batch is received and checked, the valid
 * rows spooled to a temporary file (no transaction holds the database meanwhile); then one transaction
 * stages them (`COPY … FROM STDIN` into a temporary table, in chunks), checks the publishing scope
 * (src/sync/scope.ts) and merges set-wise by natural key: insert new records, update changed ones
 * (version + 1, next change sequence), leave unchanged ones alone, tombstone deleted ones (and, for a
 * snapshot, the publisher's rows that were not sent).
 *
 * A per-dataset lock is held until commit, so the change feed sees changes in commit order. The batch key
 * (the publisher's own, per dataset) makes it idempotent: a batch applied before returns its first result
 * and changes nothing, without reading the body again.
 */
async function publishUnaudited(
  db: Db,
  publisher: Publisher,
  dataset: Dataset,
  options: PublishOptions,
  records: AsyncIterable<IncomingRecord> | Iterable<IncomingRecord>,
): Promise<PublishResult> {
  const { access } = publisher;
  const principal = access.principal;
  assertPublish(principal, dataset);
  if (!/^[\w.:-]{1,200}$/.test(options.batchKey)) {
    throw userError('BAD_USER_INPUT', 'batchKey must be 1–200 letters, digits, ".", ":", "_" or "-"');
  }
  const replay = await previousResult(db.$client, dataset, principal.code, options.batchKey);
  if (replay) return replay;

  const parts = mergeParts(dataset);
  const batch = await validateBatch(publisher, dataset, parts, records);
  try {
    return await db.$client.begin(async (tx) => {
      // A batch of millions of rows takes longer than the statement timeout of the hub's connections
      // (src/db/connection.ts), which is for queries; here it would only cut a valid batch short.
      await tx`set local statement_timeout = 0`;
      await tx`select pg_advisory_xact_lock(hashtext(${publishLockName(dataset.name)}))`;
      // The same batch may have been applied by a request that ran while this one was validating.
      const applied = await previousResult(tx, dataset, principal.code, options.batchKey);
      if (applied) return applied;
      await tx.unsafe(`create temp table jt_staging (${parts.staging}) on commit drop`);
      for (const chunk of batch.spool.read()) {
        await pipeline(chunk, await tx.unsafe('copy jt_staging from stdin (format csv)').writable());
      }

      const scope = await checkPublishingScope(tx, dataset, access, MAX_REPORTED);
      const rejectedCount = batch.rejectedRows + scope.refusedRows;
      const result: PublishResult = {
        dataset: dataset.name,
        batchKey: options.batchKey,
        mode: options.mode,
        status: 'APPLIED',
        replayed: false,
        received: batch.received,
        accepted: 0,
        inserted: 0,
        updated: 0,
        unchanged: 0,
        deleted: 0,
        takenOver: 0,
        rejectedCount,
        errorCount: batch.errorCount + scope.refusedRows,
        // Both lists are in line order and hold their first MAX_REPORTED: so do these.
        rejections: [...batch.rejections, ...scope.rejections]
          .sort((a, b) => a.line - b.line)
          .slice(0, MAX_REPORTED),
        note: null,
      };
      if (rejectedCount > 0 && options.atomic) {
        throw new RejectedBatch({
          ...result,
          status: 'REJECTED',
          note: 'nothing was applied: all-or-nothing batch',
        });
      }

      const counts = await merge(tx, dataset, parts, principal.code, options, rejectedCount === 0, access);
      Object.assign(result, counts, { takenOver: scope.takenOver });
      if (options.mode === 'SNAPSHOT' && rejectedCount > 0) {
        result.note =
          'snapshot deletions skipped: some rows were rejected, so absent rows are not tombstoned';
      }
      await tx`insert into sync_batch (dataset, batch_key, publisher, mode, result)
            values (${dataset.name}, ${options.batchKey}, ${principal.code}, ${options.mode}, ${JSON.stringify(result)}::jsonb)`;
      return result;
    });
  } catch (error) {
    if (error instanceof RejectedBatch) return error.result;
    throw error;
  } finally {
    await batch.spool.remove();
  }
}

async function merge(
  tx: postgres.TransactionSql,
  dataset: Dataset,
  parts: ReturnType<typeof mergeParts>,
  publisher: string,
  options: PublishOptions,
  snapshotAllowed: boolean,
  access: EffectiveAccess,
) {
  const { columns, keys, table } = parts;
  const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;
  // Foreign records reach the merge only for the owner (src/sync/scope.ts), which takes them over.
  const mine = (alias: string) =>
    publisher === dataset.owner ? 'true' : `${alias}.publisher = ${literal(publisher)}`;
  const latest = `select distinct on (${keys.join(', ')}) * from jt_staging order by ${keys.join(', ')}, line desc`;
  const set = columns.map((c) => `${c} = excluded.${c}`).join(', ');
  const keyMatch = keys.map((k) => `d.${k} = t.${k}`).join(' and ');
  // The areas this publish moves, as they were (record_area_before): what a moved record no longer covers.
  const areas = parts.fields.filter((field) => dataset.fields[field].type === 'polygon');
  if (areas.length) {
    const moved = areas
      .map((field) => {
        const column = quote(columnName(field));
        return `(${literal(field)}, t.${column}, t.${column}::text is distinct from d.${column}::text)`;
      })
      .join(', ');
    await tx.unsafe(
      `with latest as (${latest})
        insert into record_area_before (dataset, field, area)
        select ${literal(dataset.name)}, f.field, f.area
        from latest d join ${table} t on ${keyMatch}
        cross join lateral (values ${moved}) f(field, area, changed)
        where not d.deleted and not t.deleted and ${mine('t')} and f.area is not null and f.changed`,
    );
  }
  const [upserted] = await tx.unsafe<{ inserted: number; updated: number; accepted: number }[]>(
    `with latest as (${latest}),
      up as (
        insert into ${table} as t (${columns.join(', ')}, publisher, source_record_id, sync_batch)
        select ${columns.join(', ')}, ${literal(publisher)}, source_record_id, ${literal(options.batchKey)}
        from latest where not deleted
        on conflict (${keys.join(', ')}) do update set ${set}, publisher = excluded.publisher,
          source_record_id = excluded.source_record_id, sync_batch = excluded.sync_batch,
          version = t.version + 1, last_changed_at = now(), deleted = false, change_seq = nextval('hub_change_seq')
        where ${mine('t')}
          and (t.deleted or t.publisher <> excluded.publisher
            or (${parts.comparable('t').join(', ')}) is distinct from (${parts.comparable('excluded').join(', ')}))
        returning (xmax = 0) as inserted
      )
      select (select count(*) from latest where not deleted)::int as accepted,
             count(*) filter (where inserted)::int as inserted,
             count(*) filter (where not inserted)::int as updated
      from up`,
  );
  const tombstone = `deleted = true, version = t.version + 1, last_changed_at = now(),
      change_seq = nextval('hub_change_seq'), sync_batch = ${literal(options.batchKey)},
      publisher = ${literal(publisher)}`;
  const deletedRows = await tx.unsafe<{ id: number }[]>(
    `with latest as (${latest})
      update ${table} t set ${tombstone}
      from latest d where d.deleted and ${keyMatch} and not t.deleted and ${mine('t')}
      returning t.id`,
  );
  const [{ tombstones }] = await tx<{ tombstones: number }[]>`
    select count(*)::int as tombstones from jt_staging where deleted`;
  let deleted = deletedRows.length;
  if (options.mode === 'SNAPSHOT' && snapshotAllowed) {
    const absent = await tx.unsafe<{ id: number }[]>(
      `update ${table} t set ${tombstone}
        where t.publisher = ${literal(publisher)} and not t.deleted and ${rowScopeText(access, dataset, 't')}
          and not exists (select 1 from jt_staging d where ${keyMatch} and not d.deleted)
        returning t.id`,
    );
    deleted += absent.length;
  }
  const accepted = upserted.accepted + tombstones;
  return {
    accepted,
    inserted: upserted.inserted,
    updated: upserted.updated,
    unchanged: upserted.accepted - upserted.inserted - upserted.updated,
    deleted,
  };
}

/** Publishes a batch (see publishUnaudited) and tells the request's audit trail what came of it. */
export async function publishBatch(...args: Parameters<typeof publishUnaudited>): Promise<PublishResult> {
  const [, publisher, dataset] = args;
  const result = await publishUnaudited(...args);
  const { batchKey, mode, status, replayed, received, inserted, updated, deleted, takenOver, rejectedCount } =
    result;
  if (status === 'APPLIED' && !replayed && inserted + updated + deleted + takenOver > 0) {
    announcePublished(dataset.name);
  }
  publisher.audit?.action({
    action: 'PUBLISH',
    dataset: dataset.name,
    batchKey,
    mode,
    status,
    replayed,
    received,
    inserted,
    updated,
    deleted,
    takenOver,
    rejected: rejectedCount,
  });
  return result;
}
