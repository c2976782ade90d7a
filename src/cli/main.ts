import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { Command } from 'commander';
import type { Config } from '../config.js';
import type { Database } from '../db/connection.js';
import type { MigrationReport } from '../db/migrate.js';
import type { Pool } from '../db/pool.js';
import { StartupError } from '../startupError.js';
import { registerDocumentsCommands } from './documents.js';
import { listKeys } from './keyList.js';
import { createProgress } from './progress.js';
import { registerReportCommand } from './report.js';
import { registerSyncCommands } from './sync.js';

/** The modules of the commands that use the database (poolModules.ts, hubModules.ts), loaded as they run. */
const base = () => import('./poolModules.js');
const hub = () => import('./hubModules.js');
/** The catalogue, for the datasets that pull jobs name: GraphQL, zod and drizzle come with it. */
const catalogue = () => import('../catalog/registry.js');
/** The server (GraphQL, HTTP, jobs), the demo data and the rules: loaded by the commands that need them. */
const server = () => import('../http/serve.js');
const demo = () => import('../demo/seed.js');
const supervision = () => import('./supervisionModules.js');

/** The `jingtu` command. Database commands work whether the hub is running or not. */
const program = new Command('jingtu').description('Jingtu Hub 净土数据共享枢纽').showHelpAfterError();

function fail(message: string, exitCode = 1): never {
  process.stderr.write(`jingtu: ${message}\n`);
  process.exit(exitCode);
}

/** A command that could not do what it was asked: one line and exit 1, once its database is closed. */
class CommandRefused extends Error {}

async function config(): Promise<Config> {
  const { ConfigError, loadConfig } = await base();
  // Only pull jobs name datasets: without them, the catalogue is not loaded to check their names against.
  const datasets = process.env.JINGTU_PULL_JOBS ? (await catalogue()).datasets : undefined;
  try {
    return loadConfig(process.env, datasets && { datasets: datasets.map((dataset) => dataset.name) });
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message, 2);
    throw error;
  }
}

/**
 * Runs a command against the database's pool, migrated first (the embedded database through a running hub's
 * socket if need be). The pool has no drizzle: its dates and times are postgres.js's (src/db/pool.ts).
 */
async function withPool(work: (pool: Pool, migrations: MigrationReport) => Promise<void>): Promise<void> {
  const { openPool, runMigrations } = await base();
  const pool = await openPool(await config(), { shareRunningHub: true });
  try {
    await work(pool, await runMigrations(pool.url));
  } finally {
    await pool.close();
  }
}

/** withPool, with drizzle on the pool from before its first statement (the migrations have their own). */
async function withDatabase(
  work: (database: Database, migrations: MigrationReport) => Promise<void>,
): Promise<void> {
  const { withOrm } = await hub();
  await withPool((pool, migrations) => work(withOrm(pool), migrations));
}

/** Key management is audited (等保): who ran the command on this machine, and what changed. */
async function auditKeyChange(database: Database, event: string, detail: Record<string, unknown>) {
  const { AuditWriter, createLogger } = await hub();
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
    const [{ createLogger }, { serve }] = await Promise.all([hub(), server()]);
    const settings = await config();
    await serve(settings, createLogger(settings.logLevel));
  });

program
  .command('migrate')
  .description('apply pending database migrations')
  .action(() =>
    withPool(async (_pool, { applied, total }) =>
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
      const { seedDemo } = await demo();
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
  .option(
    '--documents-only',
    "a system's key: it runs only the principal's registered documents, no query text",
  )
  .action((options: { principal: string; name?: string; documentsOnly?: boolean }) =>
    withDatabase(async (database) => {
      const { createKey, UnknownPrincipalError } = await hub();
      const documentsOnly = options.documentsOnly === true;
      const created = await createKey(database.db, options.principal, options.name, { documentsOnly }).catch(
        (error) => {
          throw error instanceof UnknownPrincipalError ? new CommandRefused(error.message) : error;
        },
      );
      const { id, key } = created;
      await auditKeyChange(database, 'KEY_CREATE', {
        keyId: id,
        principal: options.principal,
        name: options.name,
        documentsOnly,
      });
      console.log(
        `created key ${id} for ${options.principal}${documentsOnly ? ' (runs only registered documents)' : ''}`,
      );
      console.log(key);
    }),
  );
keys
  .command('list')
  .description('list keys (never the keys themselves)')
  .action(() =>
    withPool(async (pool) => {
      // Tab-separated with a header row, for people and for `cut`/`awk` alike.
      // `sso`: whose single sign-on session a key is (issuer#subject); empty for an API key.
      console.log(['id', 'principal', 'name', 'created', 'state', 'runs', 'sso'].join('\t'));
      for (const key of await listKeys(pool.sql)) {
        const state = key.revokedAt
          ? `revoked ${key.revokedAt}`
          : key.expired
            ? `expired ${key.expiresAt}`
            : key.expiresAt
              ? `active until ${key.expiresAt}`
              : 'active';
        const runs = key.documentsOnly ? 'documents-only' : 'any';
        const row = [
          key.id,
          key.principalCode,
          key.name ?? '',
          key.createdAt,
          state,
          runs,
          key.ssoSubject ?? '',
        ];
        console.log(row.join('\t'));
      }
    }),
  );
keys
  .command('revoke <id>')
  .description('revoke a key by id')
  .action((id: string) =>
    withDatabase(async (database) => {
      const { revokeKey } = await hub();
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
      const { verifyAuditChain } = await hub();
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

program
  .command('supervise')
  .description('joint-supervision rules (联动监管)')
  .command('run')
  .description('evaluate the rules now and bring the alerts in step with what they find')
  .option('--rule <id...>', 'only these rules (ids as `supervisionRules` lists them)')
  .option('--changed', 'only the rules whose datasets changed since they last ran')
  .action((options: { rule?: string[]; changed?: boolean }) =>
    withDatabase(async (database) => {
      const { evaluateChanged, evaluateRules, ruleById, rules } = await supervision();
      const chosen = (options.rule ?? rules.map((r) => r.id)).map((id) => {
        const rule = ruleById(id);
        if (!rule) throw new CommandRefused(`no rule ${id} (rules: ${rules.map((r) => r.id).join(', ')})`);
        return rule;
      });
      const progress = createProgress({
        label: 'supervise',
        total: chosen.length,
        describe: (n) => `${n} rules`,
      });
      const evaluate = options.changed ? evaluateChanged : evaluateRules;
      const outcomes = await evaluate(database.sql, chosen, {
        onRule: (_outcome, done) => progress.update(done),
      });
      progress.stop();
      for (const o of outcomes) {
        console.log(
          `${o.rule}: ${o.found} found, ${o.opened} opened, ${o.reopened} reopened, ${o.resolved} resolved (${o.ms} ms)`,
        );
      }
      console.log(`${outcomes.length} of ${chosen.length} rules evaluated`);
    }),
  );

/** The embedded database's backup and restore; a server's are PostgreSQL's own (README › Operations › Backups). */
async function embeddedDataDir(command: string): Promise<string> {
  const settings = await config();
  if (settings.databaseUrl) {
    throw new CommandRefused(
      `${command} is for the embedded database; with DATABASE_URL set, use pg_dump or continuous archiving (README › Operations › Backups)`,
    );
  }
  return settings.dataDir;
}

program
  .command('backup <file>')
  .description('copy the embedded database to FILE (a gzipped tar), consistent while the hub runs')
  .option('--force', 'replace FILE if it exists')
  .action(async (file: string, options: { force?: boolean }) => {
    const dataDir = await embeddedDataDir('backup');
    const { backupEmbedded } = await import('./backup.js');
    const started = Date.now();
    const done = await backupEmbedded(dataDir, resolve(file), { force: options.force });
    console.log(
      `backed up ${dataDir} to ${done.file}: ${(done.bytes / 2 ** 20).toFixed(1)} MiB in ${((Date.now() - started) / 1000).toFixed(1)} s` +
        (done.hubRunning ? ' (taken by the running hub)' : ''),
    );
  });

program
  .command('restore <file>')
  .description('replace the embedded database with the backup in FILE (the hub stopped; the old one is kept)')
  .action(async (file: string) => {
    const dataDir = await embeddedDataDir('restore');
    const { restoreEmbedded } = await import('./backup.js');
    const done = await restoreEmbedded(dataDir, resolve(file));
    console.log(
      `restored ${resolve(file)} into ${dataDir}: audit chain intact, ${done.auditRecords} records`,
    );
    if (done.replacedKeptAt) console.log(`the database it replaced is kept in ${done.replacedKeptAt}`);
    console.log(
      'change-feed cursors given out before are no longer valid: pullers start again from the beginning',
    );
  });

registerSyncCommands(program);
registerReportCommand(program);
registerDocumentsCommands(program, {
  withDatabase,
  config,
  refused: (message) => new CommandRefused(message),
});

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
  if (error instanceof StartupError || error instanceof CommandRefused) fail(error.message);
  fail(unexpected(error));
}
