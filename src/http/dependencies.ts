import type { Logger } from 'pino';
import type postgres from 'postgres';
import type { HubLimits, SsoConfig } from '../config.js';
import type { ReferenceData } from '../datasets/reference.js';
import type { Db } from '../db/connection.js';
import type { HubMetrics } from '../metrics/hubMetrics.js';
import type { MetricsAccessOptions } from './metricsAccess.js';
import type { PrincipalRateLimit } from './rateLimit.js';

/** What the hub's HTTP server is built from (createHub), and what its routes read. */
export interface HubDependencies {
  db: Db;
  sql: postgres.Sql;
  reference: ReferenceData;
  logger: Logger;
  /** Field-level permissions (graphql-shield); off only in the benchmark that measures what they cost. */
  permissions?: boolean;
  /** Queries compiled by graphql-jit (src/graphql/executor.ts); false: graphql-js runs every operation. */
  jit?: boolean;
  /** Runs of a query before it is compiled (1 unless given; the tests' hubs compile at once). */
  jitRunsBeforeCompiling?: number;
  /**
   * A key's principal and grants read from the database on every request (true unless false); false only
   * in the benchmark that measures what that read costs: each key is then read once per process, so a
   * revocation would never take effect.
   */
  keyCheckEveryRequest?: boolean;
  /** The audit trail; off only in the benchmark that measures what it costs. */
  audit?: boolean;
  /** Query, body, rate and time limits (DEFAULT_LIMITS when absent). */
  limits?: HubLimits;
  /** Requests per principal; createHub makes one from `limits` when absent. */
  rateLimit?: PrincipalRateLimit;
  /**
   * Reverse proxies (addresses, subnets, or Express's loopback / linklocal / uniquelocal) whose
   * X-Forwarded-For names the client; none when absent: the peer is the client.
   */
  trustedProxies?: readonly string[];
  /**
   * The hub's metrics (src/metrics): createHub makes them when absent; given, to share them with the jobs and
   * audit writer of `jingtu serve`; false, none kept and no /metrics (JINGTU_METRICS=off).
   */
  metrics?: HubMetrics | false;
  /** Who may read /metrics besides loopback (JINGTU_METRICS_NETWORKS, JINGTU_METRICS_KEY). */
  metricsAccess?: MetricsAccessOptions;
  /** Single sign-on for analysts (JINGTU_OIDC_*, src/http/sso.ts); off when absent. */
  sso?: SsoConfig;
  /** The interval of the public surface's aggregate audit records (src/public/counts.ts): a minute unless given (tests). */
  publicCountMs?: number;
}
