import type { Logger } from 'pino';
import type postgres from 'postgres';
import { purgeAuditLog } from '../audit/chain.js';
import type { AuditSink } from '../audit/writer.js';
import { DEFAULT_AUDIT_RETENTION_DAYS, type PullJobConfig } from '../config.js';
import type { ReferenceData } from '../datasets/reference.js';
import type { Db } from '../db/connection.js';
import { evaluateChanged, evaluateRules, type RuleOutcome } from '../supervision/evaluate.js';
import { inSpan } from '../tracing/spans.js';
import { PgBoss, postgresJsExecutor } from './boss.js';
import { checkFreshness } from './freshness.js';
import { grantHousekeeping } from './grants.js';
import { runPull } from './pull.js';

/**
 * The scheduled jobs, run by pg-boss in the hub's own database (schema `pgboss`). Every hub process that
 * runs them registers the same schedules and workers; pg-boss creates one job per schedule slot across all
 * of them (the slot is a singleton key of the minute), and a queue's `stately` policy keeps at most one job
 * waiting and one running, so a slow run is never overtaken by the next. Jobs are at-least-once: every
 * handler is idempotent.
 */

/** Cron expressions are read in China Standard Time. */
export const JOBS_TIME_ZONE = 'Asia/Shanghai';
const PULL_PREFIX = 'jingtu-pull-';

/** The pg-boss queue of a pull job (its runs, their outputs: src/metrics reads the change-feed lag there). */
export function pullQueue(name: string): string {
  return `${PULL_PREFIX}${name}`;
}
/** The incremental supervision run's queue: a publish that changed a dataset sends a job here. */
export const SUPERVISION_QUEUE = 'jingtu-supervision';

function outcomeSummary(outcomes: readonly RuleOutcome[]) {
  return {
    rules: outcomes.length,
    opened: outcomes.reduce((n, o) => n + o.opened, 0),
    resolved: outcomes.reduce((n, o) => n + o.resolved, 0),
  };
}

export interface JobDefinition {
  /** The pg-boss queue, and the name of its schedule. */
  queue: string;
  cron: string;
  /** Also run once right after the start (replicas starting together run it once). */
  atStart?: boolean;
  /** How long a run may take before pg-boss counts it failed and retries it (default 15 minutes). */
  expireInSeconds?: number;
  /** The handler; its result is kept as the job's output. The signal aborts when the hub stops. */
  run(signal: AbortSignal): Promise<unknown>;
}

export interface HubJobDependencies {
  db: Db;
  reference: ReferenceData;
  logger: Logger;
  pullJobs: readonly PullJobConfig[];
  /** Days audit records are kept (at least 6 months: the database refuses to remove younger ones). */
  auditRetentionDays?: number;
  /** Where the pull jobs' publishes are audited. */
  audit?: AuditSink;
}

/** The hub's jobs: audit retention, grant housekeeping, dataset freshness, supervision, and one per pull job. */
export function hubJobs({
  db,
  reference,
  logger,
  pullJobs,
  auditRetentionDays = DEFAULT_AUDIT_RETENTION_DAYS,
  audit,
}: HubJobDependencies): JobDefinition[] {
  return [
    {
      queue: 'jingtu-audit-retention',
      cron: '30 3 * * *',
      run: async () => ({ removed: await purgeAuditLog(db.$client, auditRetentionDays), auditRetentionDays }),
    },
    {
      queue: 'jingtu-grants',
      cron: '*/10 * * * *',
      atStart: true,
      run: () => grantHousekeeping(db, logger.child({ job: 'jingtu-grants' })),
    },
    {
      queue: 'jingtu-freshness',
      cron: '5 * * * *',
      atStart: true,
      run: async () => {
        const results = await checkFreshness(db);
        return { checked: results.length, stale: results.filter((r) => r.stale).map((r) => r.dataset) };
      },
    },
    {
      // After publishes (serve.ts queues a run when a publish changes a dataset), and every ten minutes.
      queue: SUPERVISION_QUEUE,
      cron: '*/10 * * * *',
      atStart: true,
      run: async () => outcomeSummary(await evaluateChanged(db.$client)),
    },
    {
      // Every rule, also those the date alone changes (deadlines, update cycles).
      queue: 'jingtu-supervision-full',
      cron: '30 2 * * *',
      expireInSeconds: 60 * 60,
      run: async () => outcomeSummary(await evaluateRules(db.$client)),
    },
    ...pullJobs.map(
      (job): JobDefinition => ({
        queue: pullQueue(job.name),
        cron: job.every,
        run: (signal) =>
          runPull(job, {
            db,
            reference,
            logger: logger.child({ job: `${PULL_PREFIX}${job.name}` }),
            signal,
            audit,
          }),
      }),
    ),
  ];
}

/** Who is told of each run of a scheduled job in this process (the hub's metrics, src/metrics). */
export interface JobObserver {
  ran(queue: string, outcome: 'completed' | 'failed', seconds: number): void;
}

export interface StartJobsOptions {
  /** The hub's pool: pg-boss runs its SQL there (see boss.ts). */
  sql: postgres.Sql;
  logger: Logger;
  definitions: readonly JobDefinition[];
  /** Queues with workers of their own beyond the scheduled definitions (the webhooks': src/jobs/webhooks.ts). */
  workers?: readonly ((boss: PgBoss, pollingIntervalSeconds: number) => Promise<void>)[];
  /** pg-boss's schema (default `pgboss`). */
  schema?: string;
  /** Told of every run of the definitions' jobs. */
  observer?: JobObserver;
  /** pg-boss intervals in seconds; tests shorten them. */
  timing?: {
    cronMonitorIntervalSeconds?: number;
    cronWorkerIntervalSeconds?: number;
    pollingIntervalSeconds?: number;
  };
}

/**
 * pg-boss 10 creates a queue as a partition of its job table with a foreign key to its queue table: two
 * processes creating different queues at once (replicas starting together on a new database, or with a
 * new pull job) each hold the queue table's row lock that the other's foreign key needs, and PostgreSQL
 * ends one of them with a deadlock error. Creating a queue is idempotent, so the loser tries again.
 */
async function retryOnDeadlock(create: () => Promise<void>, logger: Logger, queue: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await create();
    } catch (error) {
      if ((error as { code?: string }).code !== '40P01' || attempt >= 5) throw error;
      logger.debug({ job: queue, attempt }, 'queue creation deadlocked with another hub process: retrying');
      await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 400));
    }
  }
}

export interface RunningJobs {
  boss: PgBoss;
  /** Stops fetching, lets running jobs finish (up to `timeoutMs`, then aborts them) and stops pg-boss. */
  stop(timeoutMs?: number): Promise<void>;
}

export async function startJobs(options: StartJobsOptions): Promise<RunningJobs> {
  const { logger, definitions, timing = {} } = options;
  const { pollingIntervalSeconds = 5, ...intervals } = timing;
  // pg-boss checks `name in config`: an interval given as undefined would fail its assertions.
  const executor = postgresJsExecutor(options.sql);
  const boss = new PgBoss({
    db: executor,
    schema: options.schema ?? 'pgboss',
    ...Object.fromEntries(Object.entries(intervals).filter(([, value]) => value !== undefined)),
  });
  boss.on('error', (error) => logger.error({ err: error }, 'job scheduler error'));
  await boss.start();

  const stopping = new AbortController();
  try {
    await register(boss, definitions, logger, pollingIntervalSeconds, stopping.signal, options.observer);
    for (const start of options.workers ?? []) await start(boss, pollingIntervalSeconds);
  } catch (error) {
    await boss.stop({ graceful: false, close: false }).catch(() => {});
    throw error;
  }
  logger.info({ jobs: definitions.map((d) => `${d.queue} (${d.cron})`) }, 'scheduled jobs started');

  let stopped: Promise<void> | undefined;
  return {
    boss,
    stop(timeoutMs = 20_000) {
      stopped ??= (async () => {
        const abort = setTimeout(() => stopping.abort(), Math.max(0, timeoutMs - 2_000));
        try {
          await boss.stop({ graceful: true, wait: true, close: false, timeout: timeoutMs });
        } finally {
          clearTimeout(abort);
          stopping.abort();
          // The completions pg-boss sent without awaiting them, before the caller closes the pool.
          await executor.settled();
        }
      })();
      return stopped;
    },
  };
}

/** Queues, schedules and workers of the definitions; removes the schedules of pull jobs no longer configured. */
async function register(
  boss: PgBoss,
  definitions: readonly JobDefinition[],
  logger: Logger,
  pollingIntervalSeconds: number,
  signal: AbortSignal,
  observer: JobObserver | undefined,
): Promise<void> {
  const configured = new Set(definitions.map((d) => d.queue));
  for (const schedule of await boss.getSchedules()) {
    if (schedule.name.startsWith(PULL_PREFIX) && !configured.has(schedule.name)) {
      await boss.unschedule(schedule.name);
      logger.info({ job: schedule.name }, 'pull job no longer configured: its schedule is removed');
    }
  }
  for (const definition of definitions) {
    const queue = {
      name: definition.queue,
      policy: 'stately' as const,
      retryLimit: 2,
      retryDelay: 60,
      expireInSeconds: definition.expireInSeconds ?? 15 * 60,
    };
    await retryOnDeadlock(() => boss.createQueue(definition.queue, queue), logger, definition.queue);
    await boss.updateQueue(definition.queue, queue);
    await boss.schedule(definition.queue, definition.cron, {}, { tz: JOBS_TIME_ZONE });
    // Sent before the worker starts, so that its first fetch finds it.
    if (definition.atStart) {
      await boss.send(definition.queue, {}, { singletonKey: 'start', singletonSeconds: 300 });
    }
    await boss.work(definition.queue, { pollingIntervalSeconds }, async ([job]) => {
      // A fetch in flight when the hub began to stop returns its job afterwards: not run on a closing pool,
      // but failed, and so left to a retry (by this process when it is back, or by another).
      if (signal.aborted) throw new Error('the hub is stopping: the job is left to a retry');
      const started = Date.now();
      try {
        // a span (src/tracing) under which the job's statements are
        const run = () => definition.run(signal);
        const result = await inSpan(`job ${definition.queue}`, { 'jingtu.job.id': job.id }, run, true);
        logger.info({ job: definition.queue, id: job.id, ms: Date.now() - started, result }, 'job done');
        observer?.ran(definition.queue, 'completed', (Date.now() - started) / 1000);
        return result;
      } catch (error) {
        logger.error({ job: definition.queue, id: job.id, err: error }, 'job failed');
        observer?.ran(definition.queue, 'failed', (Date.now() - started) / 1000);
        throw error;
      }
    });
  }
}
