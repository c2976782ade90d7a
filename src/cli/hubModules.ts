/**
 * What the database commands of `jingtu` (serve, migrate, seed, keys, audit, supervise) use, loaded when one
 * of them runs: `jingtu sync` and `jingtu report`, HTTP clients that cron jobs start often, start without the
 * hub (about 0.1 s instead of 5 s).
 */
export { createKey, listKeys, revokeKey, UnknownPrincipalError } from '../access/keys.js';
export { verifyAuditChain } from '../audit/chain.js';
export { AuditWriter } from '../audit/writer.js';
export { datasets } from '../catalog/registry.js';
export { ConfigError, loadConfig } from '../config.js';
export { openDatabase } from '../db/connection.js';
export { runMigrations } from '../db/migrate.js';
export { seedDemo } from '../demo/seed.js';
export { createLogger } from '../http/logger.js';
export { serve } from '../http/serve.js';
export { evaluateChanged, evaluateRules } from '../supervision/evaluate.js';
export { ruleById, rules } from '../supervision/rules/index.js';
