import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createKey } from '../src/access/keys.js';
import { migrationsFolder } from '../src/db/migrate.js';
import { withTestDatabase } from './support/db.js';
import { uniqueId } from './support/records.js';

/**
 * Issue 11, item 15: `jingtu keys` and `jingtu migrate` say what they did. The real command runs against the
 * run's database (on PGlite through its socket, as a command beside a running embedded hub does).
 */

const database = withTestDatabase();
const folder = mkdtempSync(join(tmpdir(), 'jingtu-cli-keys-'));
const { JINGTU_KEY: _key, ...inherited } = process.env;

afterAll(() => rmSync(folder, { recursive: true, force: true }));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function jingtu(env: NodeJS.ProcessEnv, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      'node',
      ['bin/jingtu.js', ...args],
      { env: { ...inherited, LOG_LEVEL: 'warn', ...env } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const onRunDatabase = (...args: string[]) => jingtu({ DATABASE_URL: inject('databaseUrl') }, ...args);

const journal = (
  JSON.parse(readFileSync(join(migrationsFolder, 'meta/_journal.json'), 'utf8')) as {
    entries: { tag: string }[];
  }
).entries.map((entry) => entry.tag);

async function auditedRevocations(keyId: string): Promise<number> {
  const [{ count }] = await database.sql<{ count: number }[]>`
    select count(*)::int as count from audit_log where event = 'KEY_REVOKE' and key_id = ${keyId}`;
  return count;
}

describe('jingtu keys', { timeout: 120_000 }, () => {
  const name = `cli keys ${uniqueId()}`;

  it('lists keys under a header row, and revokes a key once: again is refused and not audited', async () => {
    const created = await onRunDatabase('keys', 'create', '--principal', 'WATER', '--name', name);
    expect(created, created.stderr).toMatchObject({ code: 0 });

    const listed = await onRunDatabase('keys', 'list');
    expect(listed.code).toBe(0);
    const lines = listed.stdout.trim().split('\n');
    expect(lines[0]).toBe('id\tprincipal\tname\tcreated\tstate\truns\tsso');
    const row = lines.find((line) => line.includes(name)) as string;
    const [id, principal, , , state, runs] = row.split('\t');
    expect([principal, state, runs]).toEqual(['WATER', 'active', 'any']);

    const first = await onRunDatabase('keys', 'revoke', id);
    expect(first, first.stderr).toMatchObject({ code: 0, stdout: `revoked key ${id}\n` });
    expect(await auditedRevocations(id)).toBe(1);

    const again = await onRunDatabase('keys', 'revoke', id);
    expect(again.code).toBe(1);
    expect(again.stdout).toBe('');
    expect(again.stderr).toMatch(
      new RegExp(`^jingtu: key ${id} was already revoked on .+: nothing changed\\n$`),
    );
    expect(await auditedRevocations(id)).toBe(1);
    const after = (await onRunDatabase('keys', 'list')).stdout
      .split('\n')
      .find((line) => line.includes(name));
    expect(after?.split('\t')[4]).toMatch(/^revoked /);

    const unknownId = '00000000-0000-4000-8000-000000000000';
    const [unknown, garbled] = await Promise.all([
      onRunDatabase('keys', 'revoke', unknownId),
      onRunDatabase('keys', 'revoke', 'not-a-key-id'),
    ]);
    for (const run of [unknown, garbled]) {
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^jingtu: no key with id \S+ \(see jingtu keys list\)\n$/);
    }
    expect(await auditedRevocations(unknownId)).toBe(0);
  });

  it('shows a single sign-on session: whose it is, and until when (then that it expired)', async () => {
    const subject = `https://id.example.gov.cn#cli-${uniqueId()}`;
    const { id } = await createKey(database.db, '110105', 'SSO 朝阳', {
      expiresInSeconds: 3600,
      ssoSubject: subject,
    });
    const row = async () =>
      (await onRunDatabase('keys', 'list')).stdout.split('\n').find((line) => line.startsWith(id)) as string;
    const [, principal, name, , state, runs, sso] = (await row()).split('\t');
    expect([principal, name, runs, sso]).toEqual(['110105', 'SSO 朝阳', 'any', subject]);
    expect(state).toMatch(/^active until \d{4}-\d\d-\d\d \d\d:\d\d/);
    await database.sql`update api_key set expires_at = now() - interval '1 minute' where id = ${id}`;
    expect((await row()).split('\t')[4]).toMatch(/^expired \d{4}-/);
  });
});

describe('jingtu migrate', { timeout: 180_000 }, () => {
  it('says that nothing was pending on a migrated database', async () => {
    const run = await onRunDatabase('migrate');
    expect(run, run.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toBe(`database up to date: no pending migrations (${journal.length} applied)\n`);
  });

  it('names the migrations it applied to a new database', async () => {
    let env: NodeJS.ProcessEnv;
    let drop = async () => {};
    if (inject('databaseKind') === 'server') {
      const name = `jt_cli_migrate_${uniqueId().toLowerCase()}`;
      const admin = postgres(inject('databaseUrl'), { max: 1, onnotice: () => {} });
      await admin.unsafe(`create database ${name}`);
      const url = new URL(inject('databaseUrl'));
      url.pathname = `/${name}`;
      env = { DATABASE_URL: url.href };
      drop = async () => {
        await admin.unsafe(`drop database if exists ${name} with (force)`);
        await admin.end();
      };
    } else {
      env = { DATABASE_URL: '', JINGTU_DATA_DIR: join(folder, 'new') };
    }
    try {
      const run = await jingtu(env, 'migrate');
      expect(run, run.stderr).toMatchObject({ code: 0, stderr: '' });
      expect(run.stdout).toBe(
        `applied ${journal.length} migrations: ${journal.join(', ')} (${journal.length} in all)\n`,
      );
      const again = await jingtu(env, 'migrate');
      expect(again.stdout).toBe(`database up to date: no pending migrations (${journal.length} applied)\n`);
    } finally {
      await drop();
    }
  });

  it('says which database it cannot reach, in one line, for every command', async () => {
    const env = { DATABASE_URL: 'postgres://jingtu:pw@127.0.0.1:1/jingtu' };
    const runs = await Promise.all([jingtu(env, 'migrate'), jingtu(env, 'keys', 'list')]);
    for (const run of runs) {
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        'jingtu: cannot connect to the database postgres://jingtu@127.0.0.1:1/jingtu: connection refused (ECONNREFUSED): is the server running, on that host and port?\n',
      );
    }
  });
});
