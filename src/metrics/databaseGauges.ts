import type postgres from 'postgres';
import { Gauge, type Registry } from 'prom-client';
import { datasets } from '../catalog/registry.js';
import { rules } from '../supervision/rules/index.js';
import { oneOf } from './labels.js';

/**
 * The gauges read from the database when /metrics is scraped: pg-boss's queues, open alerts by rule, dataset
 * freshness and the pull jobs' change-feed lag. Each is one small statement on indexed or small tables (the
 * job queue by state, the alert index by rule and state, one row per dataset, the pull jobs' runs), run at
 * most once per `cacheMs` however many scrapes come (a scrape while one runs shares it), each bounded by
 * TIMEOUT_MS. One that fails (the database down, pg-boss not installed yet) leaves its gauges empty and says
 * so in jingtu_metrics_collector_success; the rest of the scrape is answered.
 */

/** Longest a collector's statement is waited for, in milliseconds. */
const TIMEOUT_MS = 3000;

/** Distinct pg-boss queues reported (they come from the code and the configured pull jobs). */
const MAX_QUEUES = 100;

/** The job states reported: waiting (created, retry), running, and failed (until pg-boss archives them). */
const JOB_STATES = ['created', 'retry', 'active', 'failed'] as const;

/** A pull job, and the pg-boss queue its runs are in. */
export interface PulledFeed {
  job: string;
  queue: string;
}

export interface DatabaseGaugeOptions {
  /** pg-boss's schema (`pgboss`). */
  jobsSchema?: string;
  /** The configured pull jobs (JINGTU_PULL_JOBS). */
  pullJobs?: readonly PulledFeed[];
  /** Results reused for this long, in milliseconds (5000 unless given). */
  cacheMs?: number;
}

interface Collector {
  name: string;
  /** Its gauges: emptied when a reading fails, so that no stale value is reported. */
  gauges: Gauge[];
  /** Reads the database and replaces its gauges' values (clearing them first, so that a gone series goes). */
  collect(sql: postgres.Sql): Promise<void>;
}

const DATASETS = new Set(datasets.map((dataset) => dataset.name));
const RULES = new Set(rules.map((rule) => rule.id));
const ALERT_STATES = ['OPEN', 'ACKNOWLEDGED'] as const;

function withTimeout<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
    timer.unref();
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export class DatabaseGauges {
  private readonly collectors: Collector[];
  private readonly success: Gauge;
  private readonly seconds: Gauge;
  private running: Promise<void> | undefined;
  private collectedAt = Number.NEGATIVE_INFINITY;
  private readonly cacheMs: number;

  constructor(
    registry: Registry,
    private readonly sql: postgres.Sql,
    options: DatabaseGaugeOptions = {},
  ) {
    const registers = [registry];
    this.cacheMs = options.cacheMs ?? 5000;
    this.success = new Gauge({
      name: 'jingtu_metrics_collector_success',
      help: 'Whether the database gauges of a collector were read at the last scrape (1) or not (0: its gauges are absent)',
      labelNames: ['collector'],
      registers,
    });
    this.seconds = new Gauge({
      name: 'jingtu_metrics_collector_duration_seconds',
      help: 'How long a collector took to read its gauges from the database at the last scrape',
      labelNames: ['collector'],
      registers,
    });
    const schema = options.jobsSchema ?? 'pgboss';
    this.collectors = [
      jobQueues(registers, schema),
      pullLag(registers, schema, options.pullJobs ?? []),
      openAlerts(registers),
      freshness(registers),
    ];
  }

  /** Reads every collector's gauges (or reuses the last reading, if recent); never throws. */
  refresh(): Promise<void> {
    if (performance.now() - this.collectedAt < this.cacheMs) return Promise.resolve();
    this.running ??= this.collectAll().finally(() => {
      this.collectedAt = performance.now();
      this.running = undefined;
    });
    return this.running;
  }

  private async collectAll(): Promise<void> {
    await Promise.all(
      this.collectors.map(async ({ name, gauges, collect }) => {
        const started = performance.now();
        try {
          await withTimeout(collect(this.sql), name);
          this.success.set({ collector: name }, 1);
        } catch {
          for (const gauge of gauges) gauge.reset();
          this.success.set({ collector: name }, 0);
        }
        this.seconds.set({ collector: name }, (performance.now() - started) / 1000);
      }),
    );
  }
}

/** Whether pg-boss's tables are there (pg-boss creates them at its first start; JINGTU_JOBS=off never does). */
async function jobsInstalled(sql: postgres.Sql, schema: string): Promise<boolean> {
  const [{ installed }] = await sql<{ installed: boolean }[]>`
    select to_regclass(${`${schema}.job`}) is not null as installed`;
  return installed;
}

function jobQueues(registers: Registry[], schema: string): Collector {
  const gauge = new Gauge({
    name: 'jingtu_job_queue_jobs',
    help: "pg-boss jobs by queue and state: created and retry wait (the queue's depth), active run, failed failed (kept until pg-boss archives them, 12 h)",
    labelNames: ['queue', 'state'],
    registers,
  });
  return {
    name: 'jobs',
    gauges: [gauge],
    async collect(sql) {
      const installed = await jobsInstalled(sql, schema);
      const rows = installed
        ? await sql<{ queue: string; state: string; jobs: number }[]>`
            select name as queue, state::text as state, count(*)::int as jobs
            from ${sql(schema)}.job
            where state in ('created', 'retry', 'active', 'failed')
            group by name, state`
        : [];
      gauge.reset();
      const queues = new Set<string>();
      for (const row of rows) {
        if (!queues.has(row.queue) && queues.size >= MAX_QUEUES) continue;
        queues.add(row.queue);
      }
      // every reported queue has each state, 0 when it has no such job
      for (const queue of queues) for (const state of JOB_STATES) gauge.set({ queue, state }, 0);
      for (const row of rows)
        if (queues.has(row.queue)) gauge.set({ queue: row.queue, state: row.state }, row.jobs);
    },
  };
}

function pullLag(registers: Registry[], schema: string, feeds: readonly PulledFeed[]): Collector {
  const gauge = new Gauge({
    name: 'jingtu_pull_lag_seconds',
    help: 'Per pull job: seconds since the start of its last run that read the remote change feed to its end (absent: none on record, 7 days)',
    labelNames: ['job'],
    registers,
  });
  const jobOfQueue = new Map(feeds.map((feed) => [feed.queue, feed.job]));
  const queues = [...jobOfQueue.keys()];
  return {
    name: 'pull',
    gauges: [gauge],
    async collect(sql) {
      const rows =
        queues.length && (await jobsInstalled(sql, schema))
          ? await sql<{ queue: string; lag: number }[]>`
              select name as queue, extract(epoch from now() - max(started_on))::float8 as lag
              from (
                select name, started_on, output from ${sql(schema)}.job
                where name = any(${queues}::text[]) and state = 'completed'
                union all
                select name, started_on, output from ${sql(schema)}.archive
                where name = any(${queues}::text[]) and state = 'completed'
              ) runs
              where coalesce(output ->> 'more', 'false') <> 'true'
              group by name`
          : [];
      gauge.reset();
      for (const row of rows) {
        const job = jobOfQueue.get(row.queue);
        if (job) gauge.set({ job }, Math.max(0, row.lag));
      }
    },
  };
}

function openAlerts(registers: Registry[]): Collector {
  const gauge = new Gauge({
    name: 'jingtu_alerts_open',
    help: 'Alerts not yet resolved or dismissed, by supervision rule and state (OPEN, ACKNOWLEDGED)',
    labelNames: ['rule', 'state'],
    registers,
  });
  return {
    name: 'alerts',
    gauges: [gauge],
    async collect(sql) {
      const rows = await sql<{ rule: string; state: string; alerts: number }[]>`
        select rule, state, count(*)::int as alerts from alert
        where state in ('OPEN', 'ACKNOWLEDGED')
        group by rule, state`;
      gauge.reset();
      for (const rule of RULES) for (const state of ALERT_STATES) gauge.set({ rule, state }, 0);
      for (const row of rows) gauge.inc({ rule: oneOf(RULES, row.rule), state: row.state }, row.alerts);
    },
  };
}

function freshness(registers: Registry[]): Collector {
  const published = new Gauge({
    name: 'jingtu_dataset_last_published_timestamp_seconds',
    help: 'When each dataset was last published (its last applied batch or changed record), as the hourly freshness job found; absent: never',
    labelNames: ['dataset'],
    registers,
  });
  const stale = new Gauge({
    name: 'jingtu_dataset_stale',
    help: 'Whether each dataset is overdue for its declared update cycle (1) or not (0), as the hourly freshness job found',
    labelNames: ['dataset'],
    registers,
  });
  return {
    name: 'freshness',
    gauges: [published, stale],
    async collect(sql) {
      const rows = await sql<{ dataset: string; published: number | null; stale: boolean }[]>`
        select dataset, extract(epoch from last_published_at)::float8 as published, stale
        from dataset_freshness`;
      published.reset();
      stale.reset();
      for (const row of rows) {
        if (!DATASETS.has(row.dataset)) continue;
        if (row.published != null) published.set({ dataset: row.dataset }, row.published);
        stale.set({ dataset: row.dataset }, row.stale ? 1 : 0);
      }
    },
  };
}
