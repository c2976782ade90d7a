import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { count, eq, inArray, or } from 'drizzle-orm';
import type { Logger } from 'pino';
import { createKey } from '../access/keys.js';
import { auditConfiguration } from '../audit/configuration.js';
import { AuditWriter } from '../audit/writer.js';
import type { Config } from '../config.js';
import { loadReference } from '../datasets/reference.js';
import { type Database, openDatabase } from '../db/connection.js';
import { apiKey, principal } from '../db/hubTables.js';
import { runMigrations } from '../db/migrate.js';
import { seedDemo } from '../demo/seed.js';
import type { PgBoss } from '../jobs/boss.js';
import {
  hubJobs,
  JOBS_TIME_ZONE,
  pullQueue,
  type RunningJobs,
  SUPERVISION_QUEUE,
  startJobs,
} from '../jobs/scheduler.js';
import { startWebhookJobs, WEBHOOK_DISPATCH_QUEUE } from '../jobs/webhooks.js';
import { measuredAudit } from '../metrics/auditTap.js';
import { HubMetrics } from '../metrics/hubMetrics.js';
import { onAlertsChanged } from '../supervision/alertsChanged.js';
import { WebhookTargets } from '../supervision/webhookTargets.js';
import { onPublished } from '../sync/published.js';
import { stopTracing } from '../tracing/spans.js';
import { createHub } from './app.js';
import { reservePort } from './portReservation.js';

/** The district whose key the demo prints too (朝阳区): a district sees its own rows and alerts. */
const DEMO_DISTRICT = '110105';

/**
 * The first start of an empty embedded hub loads the demo data and prints a key per department, one
 * district's and the auditor's, so that a newcomer can explore at once. A hub on a server, or one that
 * already has keys, is left as it is.
 */
async function welcomeNewcomer(database: Database, config: Config, logger: Logger): Promise<void> {
  if (database.mode !== 'embedded') return;
  const [{ keys }] = await database.db.select({ keys: count() }).from(apiKey);
  if (Number(keys) > 0) return;
  logger.info('empty embedded hub: loading the demo data set');
  const counts = await seedDemo(database.db);
  logger.info({ counts }, 'demo data loaded');
  // A key for every department, one district, then every auditor (the principals' table says which).
  const kinds = ['DEPARTMENT', 'DISTRICT', 'AUDITOR'];
  const principals = await database.db
    .select()
    .from(principal)
    .where(or(inArray(principal.kind, ['DEPARTMENT', 'AUDITOR']), eq(principal.code, DEMO_DISTRICT)));
  principals.sort((a, b) => kinds.indexOf(a.kind) - kinds.indexOf(b.kind));
  const lines: string[] = [];
  for (const who of principals) {
    const { key } = await createKey(database.db, who.code, 'demo');
    lines.push(`${who.code.padEnd(12)} ${who.nameZh}\n  Authorization: Bearer ${key}`);
  }
  const text = `演示密钥 Demo API keys (also saved in ${join(config.dataDir, 'demo-keys.txt')}):\n\n${lines.join('\n')}\n`;
  writeFileSync(join(config.dataDir, 'demo-keys.txt'), text, { mode: 0o600 });
  process.stdout.write(`\n${text}\n`);
}

/**
 * `jingtu serve`: hold the port, open and migrate the database, then serve until SIGTERM or SIGINT. What
 * stops a start (the port, the data folder, the database) is found in that order, each before the work it
 * would make useless, and thrown as a StartupError (one line).
 */
export async function serve(config: Config, logger: Logger): Promise<void> {
  const held = await reservePort(config.host, config.port);
  const database = await openDatabase(config).catch(async (error) => {
    await held.release();
    throw error;
  });
  const migrations = await runMigrations(database.url).catch(async (error) => {
    await Promise.all([held.release(), database.close().catch(() => {})]);
    throw error;
  });
  if (migrations.applied.length) logger.info({ applied: migrations.applied }, 'migrations applied');
  await welcomeNewcomer(database, config, logger);
  const reference = await loadReference(database.db);
  // The process's metrics (JINGTU_METRICS), shared by the server, this audit writer and the jobs.
  const metrics =
    config.metrics?.enabled === false
      ? undefined
      : new HubMetrics({
          sql: database.sql,
          pullJobs: (config.pullJobs ?? []).map((job) => ({ job: job.name, queue: pullQueue(job.name) })),
        });
  // The process's own audit records: its configuration at start, and the pull jobs' publishes.
  const writer = new AuditWriter(database.sql, logger, metrics?.audit);
  const audit = metrics ? measuredAudit(writer, metrics) : writer;
  const changed = await auditConfiguration(database.sql, audit, config);
  if (changed?.length) logger.info({ changed }, 'configuration changed since the last start (audited)');
  const hub = await createHub({
    db: database.db,
    sql: database.sql,
    reference,
    logger,
    limits: config.limits,
    trustedProxies: config.trustedProxies,
    jit: config.jit,
    metrics: metrics ?? false,
    metricsAccess: config.metrics,
    sso: config.sso,
  });
  await held.handOver(hub.httpServer);
  // Scheduled jobs (pg-boss, schema pgboss) run in every hub process, embedded or server: pg-boss shares
  // the hub's connection pool (src/jobs/boss.ts), and one job per schedule slot runs across processes.
  // Embedded, pg-boss polls every 30 s instead of 5: CLI commands share the PGlite socket with the hub,
  // and an idle hub should stay (nearly) idle.
  let jobs: RunningJobs | undefined;
  if (config.jobs !== false) {
    const definitions = hubJobs({
      db: database.db,
      reference,
      logger,
      pullJobs: config.pullJobs ?? [],
      auditRetentionDays: config.auditRetentionDays,
      audit,
    });
    const timing =
      database.mode === 'embedded' ? { pollingIntervalSeconds: 30, cronWorkerIntervalSeconds: 30 } : {};
    const webhooks = (boss: PgBoss, pollingIntervalSeconds: number) =>
      startWebhookJobs(boss, {
        db: database.db,
        logger,
        pollingIntervalSeconds,
        tz: JOBS_TIME_ZONE,
        targets: new WebhookTargets(config.webhookNetworks),
      });
    jobs = await startJobs({
      sql: database.sql,
      logger,
      definitions,
      timing,
      workers: [webhooks],
      observer: metrics?.jobs,
    });
    const { boss } = jobs;
    // A publish that changed records queues an incremental supervision run (the queue keeps one waiting).
    onPublished(() => {
      boss
        .send(SUPERVISION_QUEUE, {})
        .catch((error) => logger.warn({ err: error }, 'supervision run not queued'));
    });
    // Alerts that changed queue the webhook dispatch now (stately: one waiting); its minute schedule stays
    // for the changes other processes make.
    onAlertsChanged(() => {
      boss
        .send(WEBHOOK_DISPATCH_QUEUE, {})
        .catch((error) => logger.warn({ err: error }, 'webhook dispatch not queued'));
    });
  } else {
    logger.info('scheduled jobs are off in this process (JINGTU_JOBS=off)');
  }
  // Stoppable before it says it is ready: a supervisor may signal as soon as it reads the address.
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing requests in flight');
    try {
      await Promise.all([hub.stop(), jobs?.stop()]);
      await audit.close();
      await database.close();
      // the spans of the last requests, sent before the process ends
      await stopTracing();
      logger.info('stopped');
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  const port = held.port;
  logger.info(
    { url: `http://${config.host}:${port}/graphql`, database: database.mode },
    'Jingtu Hub is listening',
  );
  const base = `http://${config.host}:${port}`;
  process.stdout.write(
    `\nGraphiQL: ${base}/graphql\n一张图 Map: ${base}/map\n监管看板 Dashboard: ${base}/dashboard\n`,
  );
}
