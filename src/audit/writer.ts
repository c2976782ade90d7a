import type { Logger } from 'pino';
import type postgres from 'postgres';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import type { AuditDetail } from './trail.js';

/** One audit record as written; the database adds its sequence number and the chain's hashes. */
export interface AuditRecord {
  at?: string;
  event: string;
  principal: string | null;
  keyId: string | null;
  requestId: string | null;
  operationName: string | null;
  documentHash: string | null;
  outcome: string;
  detail: AuditDetail | Record<string, unknown>;
}

/** Where audit records go: the database (AuditWriter), or nowhere (benchmarks only: discardAudit). */
export interface AuditSink {
  /** `expected`: the record of a request announced with expect(). */
  write(record: AuditRecord, options?: { expected?: boolean }): Promise<void>;
  /** A request has begun whose record will follow: a batch being gathered waits for it (a little). */
  expect(): void;
  close(): Promise<void>;
}

/** Drops every record: for the benchmark that measures what the audit costs, never for a hub. */
export const discardAudit: AuditSink = { write: async () => {}, expect: () => {}, close: async () => {} };

/** A record as its columns are sent: the detail as JSON text. */
interface AuditRow {
  at: string;
  event: string;
  principal: string | null;
  key_id: string | null;
  request_id: string | null;
  operation_name: string | null;
  document_hash: string | null;
  outcome: string;
  detail: string;
}

interface Queued {
  row: AuditRow;
  done: () => void;
  /** When write() was called (performance.now()): how long the request waits for its record. */
  since: number;
}

/** Who is told how the writing goes (the hub's metrics, src/metrics): nothing the records hold. */
export interface AuditWriterObserver {
  /** A batch was committed: how long each of its records waited, from write() to the commit, in seconds. */
  committed(waitedSeconds: readonly number[]): void;
  /** Records held in memory for later (the database is unavailable): how many more (or fewer) there are now. */
  held(change: number): void;
  /** Records that could not be written for another reason than an outage (logged only). */
  lost(records: number): void;
}

/** Records kept in memory while the database is out of reach; past this, the oldest are only logged. */
const MAX_HELD = 100_000;
const RETRY_MS = 2_000;

/**
 * Longest the first record of a batch waits for the records of requests still running before the batch is
 * written; with none running, it is written at once. On the benchmark's list (bench/permissions.ts, 10
 * connections) writing at the next turn of the event loop made batches of 2.4 records and the audit cost 18%
 * of the throughput (+26% CPU per request); waiting up to 2 ms, 6.7% (+17%). A response leaves at most
 * this much later.
 */
export const GROUP_COMMIT_MS = 2;

/**
 * Writes audit records with group commit: the records of requests that end together go in one INSERT
 * (the chain trigger links them one by one), and each request waits for its own record's commit before
 * its response leaves. While the database is unavailable, records are held in memory and written when it
 * is back, in order, with the time they happened; each held record is also logged (pino) so that not even
 * a crash during an outage loses it without a trace.
 */
export class AuditWriter implements AuditSink {
  private queue: Queued[] = [];
  private held: AuditRow[] = [];
  private flushing: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Requests announced (expect) whose records have not come yet. */
  private running = 0;
  /** Ends the wait of the batch being gathered. */
  private gathered: (() => void) | undefined;

  constructor(
    private readonly sql: postgres.Sql,
    private readonly logger: Logger,
    private readonly observer?: AuditWriterObserver,
  ) {}

  expect(): void {
    this.running++;
  }

  /** Resolves once the record is committed, or held for later because the database is unavailable. */
  write(record: AuditRecord, options: { expected?: boolean } = {}): Promise<void> {
    if (options.expected) this.running = Math.max(0, this.running - 1);
    const row: AuditRow = {
      at: record.at ?? new Date().toISOString(),
      event: record.event,
      principal: record.principal,
      key_id: record.keyId,
      request_id: record.requestId,
      operation_name: record.operationName,
      document_hash: record.documentHash,
      outcome: record.outcome,
      detail: JSON.stringify(record.detail),
    };
    return new Promise((done) => {
      this.queue.push({ row, done, since: performance.now() });
      this.flushing ??= this.flush();
      if (this.running === 0) this.gathered?.();
    });
  }

  private async flush(): Promise<void> {
    // Let the requests still running join this INSERT, for a moment at most (group commit, like PostgreSQL's
    // commit_delay): each statement and commit costs far more than a record in it.
    await new Promise<void>((resolve) => {
      if (this.running === 0) {
        setImmediate(resolve);
        return;
      }
      const timer = setTimeout(resolve, GROUP_COMMIT_MS);
      this.gathered = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.gathered = undefined;
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      const written = await this.insert(batch.map((q) => q.row));
      if (written && this.observer) {
        const now = performance.now();
        this.observer.committed(batch.map((q) => (now - q.since) / 1000));
      }
      for (const q of batch) q.done();
    }
    this.flushing = undefined;
  }

  /**
   * Inserts rows (held ones first, to keep the order); on an outage, holds them. Never throws; true when the
   * rows were committed.
   */
  private async insert(rows: AuditRow[]): Promise<boolean> {
    const all = this.held.length > 0 ? [...this.held, ...rows] : rows;
    try {
      // One statement for the batch, its rows in order (the chain trigger links them in that order), one
      // array per column: the detail is parsed once, as jsonb. (Times go as text: drizzle's postgres.js client
      // passes timestamptz[] parameters through unserialized.)
      const column = (name: keyof AuditRow) => all.map((row) => row[name]);
      await this.sql`
        insert into audit_log (at, event, principal, key_id, request_id, operation_name, document_hash, outcome, detail)
        select r.at::timestamptz, r.event, r.principal, r.key_id, r.request_id, r.operation_name, r.document_hash, r.outcome,
               r.detail::jsonb
        from unnest(${column('at')}::text[], ${column('event')}::text[], ${column('principal')}::text[],
          ${column('key_id')}::uuid[], ${column('request_id')}::text[], ${column('operation_name')}::text[],
          ${column('document_hash')}::text[], ${column('outcome')}::text[], ${column('detail')}::text[])
          with ordinality as r(at, event, principal, key_id, request_id, operation_name, document_hash, outcome,
          detail, n)
        order by n`;
      if (this.held.length > 0) {
        this.logger.info({ records: this.held.length }, 'held audit records written');
        this.observer?.held(-this.held.length);
      }
      this.held = [];
      return true;
    } catch (error) {
      if (!isDatabaseUnavailable(error)) {
        // Not an outage: a bug. The records go to the log; the request is not made to fail for it.
        this.logger.error({ err: error, audit: rows }, 'audit records could not be written');
        this.observer?.lost(rows.length);
        return false;
      }
      for (const row of rows) this.logger.warn({ audit: row }, 'audit record held: database unavailable');
      const before = this.held.length;
      this.held = all.slice(-MAX_HELD);
      this.observer?.held(this.held.length - before);
      this.retryTimer ??= setTimeout(() => {
        this.retryTimer = undefined;
        this.flushing ??= this.flush();
      }, RETRY_MS);
      this.retryTimer.unref();
      return false;
    }
  }

  /** Records held during an outage, not yet written. */
  get pending(): number {
    return this.held.length + this.queue.length;
  }

  /** Writes what is queued or held, once more (at shutdown). */
  async close(): Promise<void> {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    await this.flushing;
    if (this.held.length > 0) await this.insert([]);
  }
}
