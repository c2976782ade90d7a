import type { Logger } from 'pino';
import type postgres from 'postgres';
import type { HubLimits } from '../config.js';
import type { ReferenceData } from '../datasets/reference.js';
import type { Db } from '../db/connection.js';
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
  /** The interval of the public surface's aggregate audit records (src/public/counts.ts): a minute unless given (tests). */
  publicCountMs?: number;
}
