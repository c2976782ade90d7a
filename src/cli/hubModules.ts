/**
 * What every database command of `jingtu` (migrate, seed, keys, audit, supervise, serve) uses, loaded when
 * one of them runs: the configuration, the database, keys and the audit. The server, the demo data and the
 * rules are loaded by the commands that need them (main.ts), so that `jingtu keys list` does not load
 * GraphQL; `jingtu sync` and `jingtu report`, HTTP clients that cron jobs start often, load none of these.
 */
export { createKey, listKeys, revokeKey, UnknownPrincipalError } from '../access/keys.js';
export { verifyAuditChain } from '../audit/chain.js';
export { AuditWriter } from '../audit/writer.js';
export { datasets } from '../catalog/registry.js';
export { ConfigError, loadConfig } from '../config.js';
export { openDatabase } from '../db/connection.js';
export { runMigrations } from '../db/migrate.js';
export { createLogger } from '../http/logger.js';
