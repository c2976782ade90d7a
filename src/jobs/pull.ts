import { eq, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import { canPublish } from '../access/actions.js';
import { EffectiveAccess } from '../access/effectiveAccess.js';
import { principalFromRow } from '../access/principal.js';
import { AuditTrail } from '../audit/trail.js';
import type { AuditSink } from '../audit/writer.js';
import type { Dataset } from '../catalog/define.js';
import { datasetByName } from '../catalog/registry.js';
import type { PullJobConfig } from '../config.js';
import type { ReferenceData } from '../datasets/reference.js';
import type { Db } from '../db/connection.js';
import { principal as principalTable, pullState } from '../db/hubTables.js';
import { type IncomingRecord, publishBatch } from '../sync/ingest.js';

/**
 * Pull jobs: hubs share with each other by the protocol they offer everyone (county → city → province). A
 * run reads the remote hub's change feed over GraphQL from the remembered cursor, page by page, and
 * publishes each page locally as one DELTA, all-or-nothing batch, as the configured local principal.
 *
 * Exactly-once in effect, at-least-once in fact: the batch key `pull:<name>:<from>-<to>` makes a page
 * applied before a replay that changes nothing; the cursor is stored right after the page's batch commits,
 * so a crash between the two re-fetches the page, and publishing it again is harmless (a DELTA of the same
 * records changes nothing, and an identical page has the same key).
 *
 * Before the first page, the run asks the remote hub (`myAccess`) whether its key reads every field of the
 * dataset in clear: a masked or denied field would otherwise arrive as a masked value or a null, and be
 * published here as if it were the data.
 */

export const PULL_PAGE = 1000;

export interface PullDependencies {
  db: Db;
  reference: ReferenceData;
  logger: Logger;
  /** Aborted when the hub stops: the run ends between pages. */
  signal?: AbortSignal;
  /** A run stops after this long and the next scheduled run continues (default 5 minutes). */
  maxRunMs?: number;
  /** Changes per page (default and most: 1000). */
  pageSize?: number;
  fetch?: typeof fetch;
  /** Where each pulled page's publish is audited (event PULL_PUBLISH); the hub's, or none in some tests. */
  audit?: AuditSink;
}

export interface PullOutcome {
  pages: number;
  changes: number;
  upserts: number;
  deletes: number;
  inserted: number;
  updated: number;
  unchanged: number;
  deleted: number;
  cursor: string;
  /** More changes wait on the remote hub (the run hit its time limit or the hub stopped). */
  more: boolean;
}

export class PullError extends Error {}

interface RemoteChange {
  operation: 'UPSERT' | 'DELETE';
  record: Record<string, unknown> & { provenance?: { sourceRecordId?: string | null } | null };
}

interface RemotePage {
  endCursor: string;
  hasMore: boolean;
  changes: RemoteChange[];
}

/** The remote change-feed query for a dataset: every declared field of its type, and the source id. */
export function changesQuery(dataset: Dataset): string {
  const fields = Object.keys(dataset.fields).join(' ');
  return `query Pull($dataset: String!, $after: String, $first: Int) {
  changes(dataset: $dataset, after: $after, first: $first) {
    endCursor hasMore
    changes { operation record { ... on ${dataset.names.type} { ${fields} provenance { sourceRecordId } } } }
  }
}`;
}

const ACCESS_QUERY = '{ myAccess { dataset fields { field mode } } }';

/** A remote change as a record to publish: the fields as they came (GeoJSON included), or a tombstone. */
export function toIncoming(dataset: Dataset, change: RemoteChange): Record<string, unknown> {
  const { provenance, ...values } = change.record;
  const sourceRecordId = provenance?.sourceRecordId ?? undefined;
  if (change.operation === 'DELETE') {
    return { ...Object.fromEntries(dataset.key.map((k) => [k, values[k]])), sourceRecordId, deleted: true };
  }
  return { ...values, sourceRecordId };
}

async function remote<T>(
  job: PullJobConfig,
  deps: PullDependencies,
  query: string,
  variables?: Record<string, unknown>,
): Promise<T> {
  // The hub's base URL, or its /graphql endpoint: both work.
  const url = `${job.url.replace(/\/+$/, '').replace(/\/graphql$/, '')}/graphql`;
  const signal = deps.signal
    ? AbortSignal.any([deps.signal, AbortSignal.timeout(60_000)])
    : AbortSignal.timeout(60_000);
  let response: Response;
  try {
    response = await (deps.fetch ?? fetch)(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${job.key}` },
      body: JSON.stringify({ query, variables }),
      signal,
    });
  } catch (error) {
    throw new PullError(`pull ${job.name}: cannot reach ${url}: ${(error as Error).message}`);
  }
  let body: { data?: T; errors?: { message: string; path?: (string | number)[] }[] };
  try {
    body = (await response.json()) as typeof body;
  } catch {
    throw new PullError(`pull ${job.name}: ${url} answered HTTP ${response.status} without a GraphQL body`);
  }
  if (response.status === 401) {
    throw new PullError(`pull ${job.name}: ${url} refused the key (HTTP 401): ${body.errors?.[0]?.message}`);
  }
  if (body.errors?.length || !body.data) {
    const first = body.errors?.slice(0, 3).map((e) => `${e.path?.join('.') ?? ''} ${e.message}`.trim());
    throw new PullError(`pull ${job.name}: ${url} answered with errors: ${first?.join('; ') ?? 'no data'}`);
  }
  return body.data;
}

/** The remote key must read every field in clear, or the copy would hold masks and nulls. */
async function assertRemoteReadsAll(job: PullJobConfig, deps: PullDependencies, dataset: Dataset) {
  const data = await remote<{ myAccess: { dataset: string; fields: { field: string; mode: string }[] }[] }>(
    job,
    deps,
    ACCESS_QUERY,
  );
  const access = data.myAccess.find((d) => d.dataset === dataset.name);
  if (!access) throw new PullError(`pull ${job.name}: the remote hub has no dataset ${dataset.name}`);
  const modes = new Map(access.fields.map((f) => [f.field, f.mode]));
  const unreadable = Object.keys(dataset.fields).filter((f) => modes.get(f) !== 'CLEAR');
  if (unreadable.length) {
    throw new PullError(
      `pull ${job.name}: the remote key does not read ${dataset.name} in clear (${unreadable
        .map((f) => `${f}: ${modes.get(f) ?? 'missing'}`)
        .join(', ')}); use a key of the remote owner or an auditor`,
    );
  }
}

/** The local publisher: the principal `publishAs`, with no grants (publishing needs none). */
async function localPublisher(db: Db, job: PullJobConfig, dataset: Dataset): Promise<EffectiveAccess> {
  const [row] = await db.select().from(principalTable).where(eq(principalTable.code, job.publishAs));
  if (!row) throw new PullError(`pull ${job.name}: publishAs ${job.publishAs} is not a local principal`);
  const access = new EffectiveAccess(principalFromRow(row, `pull:${job.name}`), []);
  if (!canPublish(access.principal, dataset)) {
    throw new PullError(
      `pull ${job.name}: ${job.publishAs} may not publish ${dataset.name} here (owner ${dataset.owner})`,
    );
  }
  return access;
}

async function readCursor(db: Db, job: PullJobConfig): Promise<string | null> {
  const [state] = await db.select().from(pullState).where(eq(pullState.name, job.name));
  if (!state) return null;
  if (state.remoteUrl !== job.url || state.dataset !== job.dataset) {
    throw new PullError(
      `pull ${job.name}: its stored cursor is for ${state.dataset} at ${state.remoteUrl}, not ${job.dataset} at ${job.url}; ` +
        `give the job a new name, or delete its row in pull_state to pull from the beginning`,
    );
  }
  return state.cursor;
}

async function saveCursor(db: Db, job: PullJobConfig, cursor: string): Promise<void> {
  await db
    .insert(pullState)
    .values({ name: job.name, remoteUrl: job.url, dataset: job.dataset, cursor })
    .onConflictDoUpdate({ target: pullState.name, set: { cursor, updatedAt: sql`now()` } });
}

/** One run of a pull job. Idempotent; throws a PullError (nothing more applied) when a page cannot be. */
export async function runPull(job: PullJobConfig, deps: PullDependencies): Promise<PullOutcome> {
  const { db, logger } = deps;
  const dataset = datasetByName(job.dataset);
  if (!dataset) throw new PullError(`pull ${job.name}: unknown dataset ${job.dataset}`);
  const access = await localPublisher(db, job, dataset);
  let cursor = await readCursor(db, job);
  await assertRemoteReadsAll(job, deps, dataset);
  const query = changesQuery(dataset);
  const deadline = Date.now() + (deps.maxRunMs ?? 5 * 60_000);
  const outcome: PullOutcome = {
    pages: 0,
    changes: 0,
    upserts: 0,
    deletes: 0,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    deleted: 0,
    cursor: cursor ?? '0',
    more: false,
  };
  for (;;) {
    const { changes: page } = await remote<{ changes: RemotePage }>(job, deps, query, {
      dataset: dataset.name,
      after: cursor,
      first: deps.pageSize ?? PULL_PAGE,
    });
    if (page.hasMore && page.changes.length === 0) {
      throw new PullError(`pull ${job.name}: the remote hub says more changes follow but sent none`);
    }
    if (page.changes.length > 0) {
      const batchKey = `pull:${job.name}:${cursor ?? '0'}-${page.endCursor}`;
      const records: IncomingRecord[] = page.changes.map((change, index) => ({
        line: index + 1,
        raw: toIncoming(dataset, change),
      }));
      const trail = new AuditTrail();
      let result: Awaited<ReturnType<typeof publishBatch>> | undefined;
      try {
        result = await publishBatch(
          db,
          { access, reference: deps.reference, audit: trail },
          dataset,
          { batchKey, mode: 'DELTA', atomic: true },
          records,
        );
      } finally {
        // One record per pulled page, whatever came of it, as for a publish over HTTP (BULK_PUBLISH).
        await deps.audit?.write({
          event: 'PULL_PUBLISH',
          principal: job.publishAs,
          keyId: null,
          requestId: batchKey,
          operationName: `pull ${job.name} from ${job.url}`,
          documentHash: null,
          outcome: result?.status === 'APPLIED' ? 'OK' : 'FAILED',
          detail: trail.detail([]),
        });
      }
      if (result.status !== 'APPLIED') {
        const reasons = result.rejections
          .slice(0, 3)
          .map((r) => `change ${r.line}${r.field ? ` ${r.field}` : ''}: ${r.reason}`);
        throw new PullError(
          `pull ${job.name}: batch ${batchKey} was rejected (${result.rejectedCount} changes), nothing applied: ${reasons.join('; ')}`,
        );
      }
      outcome.pages++;
      outcome.changes += page.changes.length;
      for (const change of page.changes) {
        if (change.operation === 'DELETE') outcome.deletes++;
        else outcome.upserts++;
      }
      if (!result.replayed) {
        outcome.inserted += result.inserted;
        outcome.updated += result.updated;
        outcome.unchanged += result.unchanged;
        outcome.deleted += result.deleted;
      }
      logger.debug({ batchKey, replayed: result.replayed }, 'pulled page applied');
    }
    if (page.endCursor !== (cursor ?? '0') || cursor === null) {
      cursor = page.endCursor;
      await saveCursor(db, job, cursor);
    }
    outcome.cursor = cursor;
    if (!page.hasMore) break;
    if (deps.signal?.aborted || Date.now() > deadline) {
      outcome.more = true;
      break;
    }
  }
  return outcome;
}
