/**
 * What the database commands of `jingtu` other than `keys list` and `migrate` add to poolModules.ts, loaded
 * when one of them runs: drizzle on the pool, keys and the audit. The server, the demo data, the rules and
 * the catalogue are loaded by the commands that need them (main.ts).
 */
export { createKey, revokeKey, UnknownPrincipalError } from '../access/keys.js';
export { verifyAuditChain } from '../audit/chain.js';
export { AuditWriter } from '../audit/writer.js';
export { withOrm } from '../db/connection.js';
export { createLogger } from '../http/logger.js';
