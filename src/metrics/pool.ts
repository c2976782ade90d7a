import type postgres from 'postgres';
import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * What the hub's patch of postgres.js (patches/postgres+3.4.9.patch: postgres.js releases no pool statistics,
 * porsager/postgres#443) exposes of a pool as `sql.poolStatistics`: its connections by state, the queries
 * waiting for a connection, and counters of statements sent and of the waits. Read at scrape time only: the
 * pool counts with one addition per statement, and nothing else runs per request.
 */
interface PoolStatistics {
  max: number;
  /** Open with nothing to do. */
  idle: number;
  /** Running statements (postgres.js pipelines several on one connection). */
  busy: number;
  /** Its pipeline full: takes no more until one ends. */
  full: number;
  /** Held by a transaction (or `sql.reserve()`): serves nothing else until it ends. */
  reserved: number;
  connecting: number;
  /** Not connected: opened when needed. */
  closed: number;
  ended: number;
  /** Queries waiting for a connection now. */
  queued: number;
  /** Statements sent by the pool's connections since it was opened. */
  statements: number;
  /** Queries that waited for a connection, and how long they waited in all (milliseconds). */
  waits: number;
  waitMs: number;
}

/** The states a connection is counted in (`ended`: the pool is closing). */
const STATES = ['idle', 'busy', 'full', 'reserved', 'connecting', 'closed'] as const;

/** The pool's statistics; undefined for a postgres.js without the hub's patch (its metrics then are absent). */
export function poolStatisticsOf(sql: postgres.Sql): PoolStatistics | undefined {
  const statistics = (sql as { poolStatistics?: PoolStatistics }).poolStatistics;
  return typeof statistics?.statements === 'number' ? statistics : undefined;
}

/** The pool's metrics in `registry`, read from `sql` when scraped. */
export function registerPoolMetrics(registry: Registry, sql: postgres.Sql): void {
  const registers = [registry];
  new Gauge({
    name: 'jingtu_db_pool_connections',
    help: "Connections of the hub process's database pool by state (in use: busy, full and reserved, a transaction holding one)",
    labelNames: ['state'],
    registers,
    collect() {
      const pool = poolStatisticsOf(sql);
      if (pool) for (const state of STATES) this.set({ state }, pool[state]);
    },
  });
  new Gauge({
    name: 'jingtu_db_pool_max_connections',
    help: "Size of the hub process's database pool (JINGTU_DB_POOL; 1 on the embedded database)",
    registers,
    collect() {
      const pool = poolStatisticsOf(sql);
      if (pool) this.set(pool.max);
    },
  });
  new Gauge({
    name: 'jingtu_db_pool_queued_queries',
    help: 'Queries waiting for a connection of the pool now',
    registers,
    collect() {
      const pool = poolStatisticsOf(sql);
      if (pool) this.set(pool.queued);
    },
  });
  /** A counter kept by the pool, set to the pool's value at each scrape. */
  const poolCounter = (name: string, help: string, value: (pool: PoolStatistics) => number) =>
    new Counter({
      name,
      help,
      registers,
      collect() {
        const pool = poolStatisticsOf(sql);
        if (!pool) return;
        this.reset();
        this.inc(value(pool));
      },
    });
  poolCounter(
    'jingtu_db_statements_total',
    "SQL statements the pool sent (requests, audit, jobs; statements per request: its rate over jingtu_requests_total's)",
    (pool) => pool.statements,
  );
  poolCounter(
    'jingtu_db_pool_waits_total',
    'Queries that waited for a connection of the pool',
    (pool) => pool.waits,
  );
  poolCounter(
    'jingtu_db_pool_wait_seconds_total',
    'Time queries waited for a connection of the pool, in all',
    (pool) => pool.waitMs / 1000,
  );
}
