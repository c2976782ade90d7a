/**
 * What every database command of `jingtu` (migrate, seed, keys, audit, supervise, serve) loads when one of
 * them runs: the configuration, the connection pool and the migrations, none of them drizzle (the migrator
 * loads it only when a migration is pending). `jingtu keys list` needs nothing more; the other commands add
 * drizzle and what uses it (hubModules.ts); `jingtu sync` and `jingtu report`, HTTP clients that cron jobs
 * start often, load none of these.
 */
export { ConfigError, loadConfig } from '../config.js';
export { runMigrations } from '../db/migrate.js';
export { openPool } from '../db/pool.js';
