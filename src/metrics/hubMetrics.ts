import type postgres from 'postgres';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { AuditWriterObserver } from '../audit/writer.js';
import { datasets } from '../catalog/registry.js';
import type { JobObserver } from '../jobs/scheduler.js';
import { DatabaseGauges, type PulledFeed } from './databaseGauges.js';
import {
  ANONYMOUS,
  BoundedNames,
  MAX_OPERATION_NAMES,
  NONE,
  OPERATION_NAME,
  OTHER,
  oneOf,
} from './labels.js';
import { registerPoolMetrics } from './pool.js';

/**
 * A hub process's metrics, in the Prometheus format (prom-client), in a registry of its own: several hubs in
 * one process (the tests) count apart, and nothing lands in prom-client's global registry. Everything a
 * request adds is a few counter and histogram updates in memory; the pool's statistics are read, and the
 * database gauges queried, only when /metrics is scraped (src/metrics/databaseGauges.ts). Every label value
 * is bounded (src/metrics/labels.ts). Who may read them: src/http/metricsAccess.ts.
 */

export interface HubMetricsOptions {
  /** The hub's pool: its statistics, and the connection the scrape-time gauges are read on. */
  sql: postgres.Sql;
  /** The configured pull jobs and their queues (their change-feed lag). */
  pullJobs?: readonly PulledFeed[];
  /** pg-boss's schema (`pgboss`). */
  jobsSchema?: string;
  /** Database gauges reused for this long, in milliseconds (5000 unless given; the tests read them fresh). */
  databaseCacheMs?: number;
  /** Distinct GraphQL operation names counted apart (MAX_OPERATION_NAMES unless given). */
  maxOperationNames?: number;
  /** The process's own metrics (prom-client's defaults: CPU, memory, event loop, GC); on unless false. */
  processMetrics?: boolean;
}

/** One answered request, as its labels are worked out (src/http/requestMetrics.ts). */
export interface RequestObservation {
  /** GRAPHQL, PUBLIC, BULK_PUBLISH, BULK_EXPORT, BULK_CHANGES, BULK_ALERT_CHANGES, REPORT. */
  event: string;
  /** The GraphQL operation's name; null for an anonymous operation, undefined when there is none or it is unknown. */
  operation: string | null | undefined;
  /** The principal's kind; undefined for a request without a valid key. */
  principalKind: string | undefined;
  outcome: string;
  seconds: number;
}

/** A publish as the audit trail records it (src/sync/ingest.ts, action PUBLISH). */
export interface PublishAction {
  dataset?: unknown;
  status?: unknown;
  replayed?: unknown;
  inserted?: unknown;
  updated?: unknown;
  deleted?: unknown;
  rejected?: unknown;
}

const EVENTS = new Set([
  'GRAPHQL',
  'PUBLIC',
  'BULK_PUBLISH',
  'BULK_EXPORT',
  'BULK_CHANGES',
  'BULK_ALERT_CHANGES',
  'REPORT',
]);
/** The audit's outcomes, and for a request answered before it had one, its HTTP status's (requestMetrics.ts). */
const OUTCOMES = new Set([
  'OK',
  'PARTIAL',
  'FAILED',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'BAD_REQUEST',
  'RATE_LIMITED',
  'UNAVAILABLE',
  'TIMEOUT',
  'CUT_SHORT',
]);
const PRINCIPAL_KINDS = new Set(['DEPARTMENT', 'DISTRICT', 'AUDITOR']);
const DATASETS = new Set(datasets.map((dataset) => dataset.name));
/** What became of a publish's rows (its audit action's counts). */
const ROW_OUTCOMES = ['inserted', 'updated', 'deleted', 'rejected'] as const;

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export class HubMetrics {
  readonly registry = new Registry();
  private readonly operations: BoundedNames;
  private readonly database: DatabaseGauges;
  private readonly requests: Counter;
  private readonly requestSeconds: Histogram;
  private readonly publishes: Counter;
  private readonly publishRows: Counter;
  private readonly jobRuns: Counter;
  private readonly jobSeconds: Histogram;

  /** Told by the audit writers (src/audit/writer.ts) how their batches go. */
  readonly audit: AuditWriterObserver;
  /** Told by the scheduler (src/jobs/scheduler.ts) of each job run in this process. */
  readonly jobs: JobObserver;

  constructor(options: HubMetricsOptions) {
    const registers = [this.registry];
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
    this.operations = new BoundedNames(options.maxOperationNames ?? MAX_OPERATION_NAMES, OPERATION_NAME);

    this.requests = new Counter({
      name: 'jingtu_requests_total',
      help: `Requests answered, by event, GraphQL operation name (the first ${options.maxOperationNames ?? MAX_OPERATION_NAMES} names seen with a valid key; later ones ${OTHER}), outcome and the principal's kind (NONE: no valid key)`,
      labelNames: ['event', 'operation', 'outcome', 'principal_kind'],
      registers,
    });
    this.requestSeconds = new Histogram({
      name: 'jingtu_request_duration_seconds',
      help: "Time from a request's arrival to the end of its answer, by event and GraphQL operation name",
      labelNames: ['event', 'operation'],
      buckets: SECONDS,
      registers,
    });

    this.publishes = new Counter({
      name: 'jingtu_publishes_total',
      help: 'Batches published (HTTP, GraphQL and pull jobs), by dataset and status: APPLIED, REJECTED (nothing applied), REPLAYED (sent again: nothing changed)',
      labelNames: ['dataset', 'status'],
      registers,
    });
    this.publishRows = new Counter({
      name: 'jingtu_publish_rows_total',
      help: 'Rows of the batches published, by dataset and what became of them: inserted, updated, deleted (tombstoned), rejected (unchanged rows are not counted)',
      labelNames: ['dataset', 'outcome'],
      registers,
    });

    const batchRecords = new Histogram({
      name: 'jingtu_audit_batch_records',
      help: 'Audit records committed in one INSERT (group commit)',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 512, 2048],
      registers,
    });
    const auditLag = new Histogram({
      name: 'jingtu_audit_write_lag_seconds',
      help: "Time from an audit record's writing to its commit: what its response waited for it",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30],
      registers,
    });
    const auditHeld = new Gauge({
      name: 'jingtu_audit_held_records',
      help: "Audit records held in memory while the database is unavailable (by the process's audit writers), written once it is back",
      registers,
    });
    const auditLost = new Counter({
      name: 'jingtu_audit_unwritten_records_total',
      help: 'Audit records that could not be written for another reason than an outage (they are in the log)',
      registers,
    });
    this.audit = {
      committed(waited) {
        batchRecords.observe(waited.length);
        for (const seconds of waited) auditLag.observe(seconds);
      },
      held(change) {
        auditHeld.inc(change);
      },
      lost(records) {
        auditLost.inc(records);
      },
    };

    this.jobRuns = new Counter({
      name: 'jingtu_job_runs_total',
      help: 'Runs of the scheduled jobs in this process, by queue and outcome (completed, failed)',
      labelNames: ['queue', 'outcome'],
      registers,
    });
    this.jobSeconds = new Histogram({
      name: 'jingtu_job_run_duration_seconds',
      help: 'Time a scheduled job ran in this process, by queue',
      labelNames: ['queue'],
      buckets: [0.01, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600],
      registers,
    });
    const jobQueues = new BoundedNames(100, /^[\w.:-]{1,100}$/);
    this.jobs = {
      ran: (queue, outcome, seconds) => {
        const label = jobQueues.label(queue, true);
        this.jobRuns.inc({ queue: label, outcome });
        this.jobSeconds.observe({ queue: label }, seconds);
      },
    };

    registerPoolMetrics(this.registry, options.sql);
    this.database = new DatabaseGauges(this.registry, options.sql, {
      jobsSchema: options.jobsSchema,
      pullJobs: options.pullJobs,
      cacheMs: options.databaseCacheMs,
    });
  }

  /** Counts an answered request and its time. */
  request(request: RequestObservation): void {
    const event = oneOf(EVENTS, request.event);
    const admitted = request.principalKind !== undefined;
    const operation =
      request.operation === undefined
        ? NONE
        : request.operation === null
          ? ANONYMOUS
          : this.operations.label(request.operation, admitted);
    this.requests.inc({
      event,
      operation,
      outcome: oneOf(OUTCOMES, request.outcome),
      principal_kind: admitted ? oneOf(PRINCIPAL_KINDS, request.principalKind) : 'NONE',
    });
    this.requestSeconds.observe({ event, operation }, request.seconds);
  }

  /** Counts a publish and its rows (replayed: the batch only, its rows were counted when it was applied). */
  published(action: PublishAction): void {
    const dataset = oneOf(DATASETS, typeof action.dataset === 'string' ? action.dataset : undefined);
    const status =
      action.replayed === true ? 'REPLAYED' : action.status === 'APPLIED' ? 'APPLIED' : 'REJECTED';
    this.publishes.inc({ dataset, status });
    if (status === 'REPLAYED') return;
    for (const outcome of ROW_OUTCOMES) {
      const rows = action[outcome];
      if (typeof rows === 'number' && rows > 0) this.publishRows.inc({ dataset, outcome }, rows);
    }
  }

  /** The exposition: the database gauges read (or their recent reading reused), then every metric. */
  async exposition(): Promise<string> {
    await this.database.refresh();
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
