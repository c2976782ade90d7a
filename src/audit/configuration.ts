import os from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import type postgres from 'postgres';
import {
  type Config,
  DEFAULT_AUDIT_RETENTION_DAYS,
  DEFAULT_LIMITS,
  DEFAULT_STATEMENT_TIMEOUT_MS,
} from '../config.js';
import type { AuditSink } from './writer.js';

/**
 * The configuration a hub process runs with, as the audit keeps it: every setting that decides what the
 * hub allows (limits, trusted proxies, retention, jobs, pull jobs, who reads metrics, single sign-on), nothing secret: no
 * API key of a pull job, no metrics key, no client secret, no password of the database URL.
 */
export function auditedConfiguration(config: Config): Record<string, unknown> {
  return {
    database: config.databaseUrl ? withoutCredentials(config.databaseUrl) : `embedded:${config.dataDir}`,
    listen: `${config.host}:${config.port}`,
    poolSize: config.poolSize,
    logLevel: config.logLevel,
    jobs: config.jobs !== false,
    pullJobs: (config.pullJobs ?? []).map(({ name, url, dataset, every, publishAs }) => ({
      name,
      url,
      dataset,
      every,
      publishAs,
    })),
    limits: config.limits ?? DEFAULT_LIMITS,
    trustedProxies: config.trustedProxies ?? [],
    // who may read /metrics; of the key only whether there is one
    metrics: {
      enabled: config.metrics?.enabled !== false,
      networks: config.metrics?.networks ?? [],
      key: Boolean(config.metrics?.key),
    },
    statementTimeoutMs: config.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS,
    // who may sign in and as whom; of the client secret only whether there is one
    sso: config.sso ? { ...config.sso, clientSecret: Boolean(config.sso.clientSecret) } : null,
    auditRetentionDays: config.auditRetentionDays ?? DEFAULT_AUDIT_RETENTION_DAYS,
  };
}

function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return 'postgres (unparsable URL)';
  }
}

/**
 * Audits the configuration a hub process starts with (event CONFIG, 等保: changes of security settings):
 * the settings, and which of them differ from the last start's on this machine and address (`changed`;
 * null for the first start on record). The hub's configuration changes only by restarting it with other settings, so each start is
 * where a change shows. Returns the names of the changed settings.
 */
export async function auditConfiguration(
  sql: postgres.Sql,
  audit: AuditSink,
  config: Config,
): Promise<string[] | null> {
  const configuration = auditedConfiguration(config);
  const hostname = os.hostname();
  // The last start of this hub: the same machine and address (other processes on the database keep theirs).
  const [last] = await sql<{ configuration: Record<string, unknown> | null }[]>`
    select detail -> 'configuration' as configuration from audit_log
    where event = 'CONFIG' and detail ->> 'hostname' = ${hostname}
      and detail -> 'configuration' ->> 'listen' = ${String(configuration.listen)}
    order by seq desc limit 1`;
  const changed = last?.configuration
    ? Object.keys({ ...last.configuration, ...configuration }).filter(
        (name) => !isDeepStrictEqual(last.configuration?.[name], configuration[name]),
      )
    : null;
  await audit.write({
    event: 'CONFIG',
    principal: null,
    keyId: null,
    requestId: `${hostname}:${process.pid}`,
    operationName: 'jingtu serve',
    documentHash: null,
    outcome: 'OK',
    detail: { hostname, configuration, changed },
  });
  return changed;
}
