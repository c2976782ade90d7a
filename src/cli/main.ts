import { userInfo } from 'node:os';
import { Command } from 'commander';
import { createKey, listKeys, revokeKey, UnknownPrincipalError } from '../access/keys.js';
import { verifyAuditChain } from '../audit/chain.js';
import { AuditWriter } from '../audit/writer.js';
import { datasets } from '../catalog/registry.js';
import { type Config, ConfigError, loadConfig } from '../config.js';
import { type Database, openDatabase } from '../db/connection.js';
import { type MigrationReport, runMigrations } from '../db/migrate.js';
import { seedDemo } from '../demo/seed.js';
import { createLogger } from '../http/logger.js';
import { serve } from '../http/serve.js';
import { StartupError } from '../startupError.js';
import { registerSyncCommands } from './sync.js';

/** The `jingtu` command. Database commands work whether the hub is running or not. */
const program = new Command('jingtu').description('Jingtu Hub 净土数据共享枢纽').showHelpAfterError();

function fail(message: string, exitCode = 1): never {
  process.stderr.write(`jingtu: ${message}\n`);
  process.exit(exitCode);
}

/** A command that could not do what it was asked: one line and exit 1, once its database is closed. */
class CommandRefused extends Error {}

function config(): Config {
  try {
    return loadConfig(process.env, { datasets: datasets.map((dataset) => dataset.name) });
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message, 2);
    throw error;
  }
}

/** Runs a command against the database (the embedded one through a running hub's socket if need be). */
async function withDatabase(
  work: (database: Database, migrations: MigrationReport) => Promise<void>,
): Promise<void> {
  const database = await openDatabase(config(), { shareRunningHub: true });
  try {
    await work(database, await runMigrations(database.url));
  } finally {
    await database.close();
  }
}

/** Key management is audited (等保): who ran the command on this machine, and what changed. */
async function auditKeyChange(database: Database, event: string, detail: Record<string, unknown>) {
  const writer = new AuditWriter(database.sql, createLogger('warn'));
  await writer.write({
    event,
    principal: null,
    keyId: typeof detail.keyId === 'string' ? detail.keyId : null,
    requestId: null,
    operationName: `jingtu keys (${userInfo().username}@cli)`,
    documentHash: null,
    outcome: 'OK',
    detail,
  });
  await writer.close();
}

program
  .command('serve')
  .description('run the hub (migrates first; an empty embedded hub gets the demo data)')
  .action(async () => {
    const settings = config();
    await serve(settings, createLogger(settings.logLevel));
  });

program
  .command('migrate')
  .description('apply pending database migrations')
  .action(() =>
    withDatabase(async (_database, { applied, total }) =>
      console.log(
        applied.length
          ? `applied ${applied.length} migration${applied.length === 1 ? '' : 's'}: ${applied.join(', ')} (${total} in all)`
          : `database up to date: no pending migrations (${total} applied)`,
      ),
    ),
  );

program
  .command('seed')
  .description('load data into the database')
  .requiredOption('--demo', 'the deterministic demo data set')
  .action(() =>
    withDatabase(async (database) => {
      const counts = await seedDemo(database.db);
      console.log(
        Object.keys(counts).length ? JSON.stringify(counts) : 'demo data already present: nothing loaded',
      );
    }),
  );

const keys = program.command('keys').description('manage API keys');
keys
  .command('create')
  .description('create a key; the key is printed alone on the last line')
  .requiredOption('--principal <code>', 'department code, district code (e.g. 110105) or AUDITOR')
  .option('--name <name>', 'what the key is for')
  .action((options: { principal: string; name?: string }) =>
    withDatabase(async (database) => {
      const { id, key } = await createKey(database.db, options.principal, options.name);
      await auditKeyChange(database, 'KEY_CREATE', {
        keyId: id,
        principal: options.principal,
        name: options.name,
      });
      console.log(`created key ${id} for ${options.principal}`);
      console.log(key);
    }),
  );
keys
  .command('list')
  .description('list keys (never the keys themselves)')
  .action(() =>
    withDatabase(async (database) => {
      // Tab-separated with a header row, for people and for `cut`/`awk` alike.
      console.log(['id', 'principal', 'name', 'created', 'state'].join('\t'));
      for (const key of await listKeys(database.db)) {
        const state = key.revokedAt ? `revoked ${key.revokedAt}` : 'active';
        console.log([key.id, key.principalCode, key.name ?? '', key.createdAt, state].join('\t'));
      }
    }),
  );
keys
  .command('revoke <id>')
  .description('revoke a key by id')
  .action((id: string) =>
    withDatabase(async (database) => {
      const revocation = await revokeKey(database.db, id);
      if (revocation.outcome === 'UNKNOWN') {
        throw new CommandRefused(`no key with id ${id} (see jingtu keys list)`);
      }
      if (revocation.outcome === 'ALREADY_REVOKED') {
        throw new CommandRefused(`key ${id} was already revoked on ${revocation.revokedAt}: nothing changed`);
      }
      await auditKeyChange(database, 'KEY_REVOKE', { keyId: id });
      console.log(`revoked key ${id}`);
    }),
  );

program
  .command('audit')
  .description('the audit trail')
  .command('verify')
  .description('check the audit hash chain; exits 1 and names the first broken record if it is not intact')
  .action(() =>
    withDatabase(async (database) => {
      const result = await verifyAuditChain(database.sql);
      if (result.intact) {
        console.log(`audit chain intact: ${result.checked} records checked`);
        return;
      }
      throw new CommandRefused(
        `audit chain broken at record ${result.firstBroken?.seq}: ${result.firstBroken?.reason} (${result.checked} records checked)`,
      );
    }),
  );

registerSyncCommands(program);

/**
 * Any other failure is one line too, never a stack trace: the error's own first line (a database's message
 * says what it refused). LOG_LEVEL=debug adds the stack, for a bug report.
 */
function unexpected(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause;
  const message = (cause instanceof Error ? cause : error instanceof Error ? error : undefined)?.message;
  if (['debug', 'trace'].includes(process.env.LOG_LEVEL ?? '')) {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  }
  return `${(message ?? String(error)).split('\n')[0]} (LOG_LEVEL=debug shows where)`;
}

try {
  await program.parseAsync();
} catch (error) {
  if (
    error instanceof StartupError ||
    error instanceof CommandRefused ||
    error instanceof UnknownPrincipalError
  ) {
    fail(error.message);
  }
  fail(unexpected(error));
}
