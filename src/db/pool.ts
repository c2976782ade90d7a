import postgres from 'postgres';
import { type Config, DEFAULT_STATEMENT_TIMEOUT_MS } from '../config.js';
import type { EmbeddedDatabase } from './embedded.js';
import { ConnectBreaker, reconnectBackoff } from './failFast.js';

/**
 * The hub's connection pool (postgres.js) to a server or the embedded folder, without drizzle: what
 * connection.ts builds its database on, and what a command that only runs plain SQL opens (`jingtu keys
 * list` starts without loading drizzle). Drizzle changes how the pool reads dates and times (as the
 * server's text, src/db/connection.ts); a pool opened here alone returns them as postgres.js does.
 */
export interface Pool {
  /** Where the data lives: a PostgreSQL server, or the embedded PGlite folder. */
  mode: 'server' | 'embedded';
  /** True when the embedded folder was empty and this process created the cluster. */
  createdEmpty: boolean;
  /** Connection URL (for the embedded database, its loopback socket). */
  url: string;
  sql: postgres.Sql;
  close(): Promise<void>;
}

export interface OpenOptions {
  /**
   * Commands (migrate, keys, seed) may use the embedded database of a hub that is running, through its
   * socket; the hub itself must own its folder.
   */
  shareRunningHub?: boolean;
  /** Called with every SQL statement (tests count statements with it). */
  onQuery?: (query: string) => void;
}

/**
 * The role the hub's statements run as (migration 0009): it reads and writes the datasets and the hub's
 * tables, may only read and append to the audit log, and owns nothing. Migrations run as the login user.
 */
export const APP_ROLE = 'jingtu_app';

/**
 * Session settings of every hub connection. `role` makes each connection the hub's role from its start
 * (and again after a reconnect), whatever user it logs in as. `statement_timeout` stops one slow statement from holding a
 * connection (and its locks) while other requests wait; publishing lifts it inside its own transaction
 * (src/sync/ingest.ts), since a batch of millions of rows may take longer. PGlite accepts the setting but
 * has no timer to enforce it, and its socket ignores startup parameters: the embedded hub has no statement
 * timeout (it runs one statement at a time anyway), and runs as PGlite's one user (its one session is
 * shared by the hub and its CLI commands, so it cannot hold two roles).
 */
export function sessionParameters(statementTimeoutMs: number): Partial<postgres.ConnectionParameters> {
  return {
    application_name: 'jingtu-hub',
    role: APP_ROLE,
    // JIT compiles a plan whose estimated cost passes jit_above_cost, often for longer than the query then
    // runs (a rule's set-based query, a wide aggregate); the hub's statements are short and planned often.
    jit: 'off',
    ...(statementTimeoutMs > 0 ? { statement_timeout: statementTimeoutMs } : {}),
  };
}

/**
 * Whether a connection URL names one server. postgres.js tries the hosts of a multi-host URL in turn and
 * never fails a query for a refused one, so the fail-fast breaker (which fails them) is for one host only.
 */
function namesOneHost(url: string): boolean {
  const authority = url.slice(url.indexOf('://') + 3).split(/[?/]/)[0];
  return !authority.slice(authority.indexOf('@') + 1).includes(',');
}

function connect(
  url: string,
  poolSize: number,
  statementTimeoutMs: number,
  onQuery?: (query: string) => void,
): { sql: postgres.Sql; breaker?: ConnectBreaker } {
  // Fail fast while the database is down (src/db/failFast.ts); reconnect within 0.1 s once it is back.
  const breaker = namesOneHost(url) ? new ConnectBreaker() : undefined;
  const sql = postgres(url, {
    max: poolSize,
    onnotice: () => {},
    connection: sessionParameters(statementTimeoutMs),
    debug: onQuery ? (_connection, query) => onQuery(query) : undefined,
    backoff: breaker?.backoff ?? reconnectBackoff,
    // the TCP connection is bounded by the breaker's own timeout; this bounds the session's start after it
    connect_timeout: 10,
    // documented (README, "Custom socket") but missing from postgres.js's types
    ...({ socket: breaker?.socket } as object),
  });
  return { sql, breaker };
}

export async function openPool(config: Config, options: OpenOptions = {}): Promise<Pool> {
  let embedded: EmbeddedDatabase | undefined;
  let url = config.databaseUrl;
  if (!url) {
    // PGlite is loaded only for the embedded database: a command against a server starts without it.
    const { DataDirInUseError, openEmbedded, runningOwnerUrl } = await import('./embedded.js');
    try {
      embedded = await openEmbedded(config.dataDir);
      url = embedded.url;
    } catch (error) {
      const shared = error instanceof DataDirInUseError && options.shareRunningHub;
      url = shared ? await runningOwnerUrl(config.dataDir) : undefined;
      if (!url) throw error;
    }
  }
  // PGlite is one session that runs one statement at a time: more connections from the hub would only
  // queue behind each other (src/db/pgliteServer.ts), so the embedded hub uses one.
  const { sql, breaker } = connect(
    url,
    config.databaseUrl ? config.poolSize : 1,
    config.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS,
    options.onQuery,
  );
  return {
    mode: config.databaseUrl ? 'server' : 'embedded',
    createdEmpty: embedded?.created ?? false,
    url,
    sql,
    async close() {
      await sql.end({ timeout: 5 });
      breaker?.shutdown();
      await embedded?.close();
    },
  };
}
