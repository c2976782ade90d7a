import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type CuttableProxy, freePort, startCuttableProxy } from './support/pgCluster.js';

/**
 * Issue 11, item 9: `jingtu serve` that cannot start says why in one line, with a non-zero exit, before it
 * does the work the failure makes useless (creating and migrating a database, loading the demo data,
 * printing keys). The real command is started, as a newcomer or a service manager starts it.
 */

const folder = mkdtempSync(join(tmpdir(), 'jingtu-startup-'));
const { JINGTU_KEY: _key, DATABASE_URL: _url, JINGTU_DATA_DIR: _dir, ...inherited } = process.env;

afterAll(() => rmSync(folder, { recursive: true, force: true }));

/**
 * How long `jingtu --help` takes here: loading the command's modules, which every start pays (seconds on a
 * busy machine). A failed start may take this plus the time to find its failure, nothing more.
 */
let loading = 0;
beforeAll(async () => {
  const started = Date.now();
  const child = spawn('node', ['bin/jingtu.js', '--help'], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('close', resolve));
  loading = Date.now() - started;
}, 60_000);

interface Start {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs `jingtu serve` (as `user` when given) until it exits, or kills it after `limitMs`. */
function serve(env: NodeJS.ProcessEnv, options: { user?: string; limitMs?: number } = {}): Promise<Start> {
  const started = Date.now();
  const command = ['node', 'bin/jingtu.js', 'serve'];
  const [file, ...args] = options.user ? ['runuser', '-u', options.user, '--', ...command] : command;
  const child = spawn(file, args, {
    env: { ...inherited, LOG_LEVEL: 'warn', JINGTU_JOBS: 'off', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk;
  });
  const limit = setTimeout(() => child.kill('SIGKILL'), options.limitMs ?? 60_000);
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearTimeout(limit);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    }),
  );
}

/** One `jingtu:` line on stderr, nothing else: no stack trace, no keys on stdout. */
function expectOneLine(start: Start, pattern: RegExp) {
  const lines = start.stderr.trim().split('\n');
  expect(lines, start.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^jingtu: /);
  expect(lines[0]).toMatch(pattern);
  expect(start.stdout).not.toMatch(/Bearer|GraphiQL/);
  expect(start.code).toBe(1);
}

describe('jingtu serve on a port already taken', { timeout: 90_000 }, () => {
  let taken: Server;
  let port: number;
  /** Server run: the database, behind a proxy that counts the connections made to it. */
  let database: CuttableProxy | undefined;

  beforeAll(async () => {
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    port = (taken.address() as { port: number }).port;
    if (inject('databaseKind') === 'server') {
      database = await startCuttableProxy(Number(new URL(inject('databaseUrl')).port));
    }
  });
  afterAll(async () => {
    taken?.close();
    await database?.close();
  });

  it('stops at once with one line, before it opens, creates or migrates a database', async () => {
    const dataDir = join(folder, 'port-taken');
    const url = database && new URL(inject('databaseUrl'));
    if (url && database) url.port = String(database.port);
    const start = await serve({
      PORT: String(port),
      HOST: '127.0.0.1',
      JINGTU_DATA_DIR: dataDir,
      DATABASE_URL: url?.href ?? '',
    });
    expectOneLine(start, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use.*PORT`));
    expect(start.ms).toBeLessThan(loading + 5_000);
    // Nothing was done first: no embedded database created, no connection to the server.
    expect(existsSync(join(dataDir, 'pgdata'))).toBe(false);
    expect(database?.accepted() ?? 0).toBe(0);
  });

  it('says so for an address that is not this machine’s', async () => {
    const start = await serve({
      PORT: '0',
      HOST: '192.0.2.1',
      JINGTU_DATA_DIR: join(folder, 'foreign-host'),
      DATABASE_URL: '',
    });
    expectOneLine(start, /192\.0\.2\.1 is not an address of this machine.*HOST/);
    expect(existsSync(join(folder, 'foreign-host', 'pgdata'))).toBe(false);
  });
});

describe('jingtu serve with a database it cannot reach', { timeout: 90_000 }, () => {
  it('names the server (never its password) and the reason, for a refused connection', async () => {
    const closed = await freePort();
    const start = await serve({
      PORT: '0',
      DATABASE_URL: `postgres://jingtu:s3cret-pw@127.0.0.1:${closed}/jingtu`,
    });
    expectOneLine(
      start,
      new RegExp(
        `cannot connect to the database postgres://jingtu@127\\.0\\.0\\.1:${closed}/jingtu: connection refused`,
      ),
    );
    expect(start.stderr).not.toContain('s3cret');
    expect(start.ms).toBeLessThan(loading + 5_000);
  });

  it('for a host name that does not resolve', async () => {
    const start = await serve({ PORT: '0', DATABASE_URL: 'postgres://jingtu@no-such-host.invalid/jingtu' });
    expectOneLine(start, /cannot connect to the database .*no-such-host\.invalid.*: cannot resolve/);
  });

  it('for a server that accepts the connection but never answers, within 10 s', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const silentPort = (silent.address() as { port: number }).port;
      const start = await serve({ PORT: '0', DATABASE_URL: `postgres://jingtu@127.0.0.1:${silentPort}/x` });
      expectOneLine(start, /cannot connect to the database .*: no answer within 10 s/);
      expect(start.ms).toBeLessThan(loading + 15_000);
    } finally {
      silent.close();
    }
  });

  it.skipIf(inject('databaseKind') === 'embedded')('for a database that does not exist', async () => {
    const url = new URL(inject('databaseUrl'));
    url.pathname = '/jt_no_such_database';
    const start = await serve({ PORT: '0', DATABASE_URL: url.href });
    expectOneLine(
      start,
      /cannot connect to the database .*jt_no_such_database: database "jt_no_such_database" does not exist/,
    );
  });
});

describe.skipIf(inject('databaseKind') === 'server')(
  'jingtu serve with a data folder it cannot use',
  {
    timeout: 90_000,
  },
  () => {
    it('a path through a file', async () => {
      writeFileSync(join(folder, 'a-file'), 'not a folder');
      const dataDir = join(folder, 'a-file', 'data');
      const start = await serve({ PORT: '0', JINGTU_DATA_DIR: dataDir });
      expectOneLine(start, new RegExp(`cannot use the data folder ${dataDir}: .*JINGTU_DATA_DIR`));
    });

    it('a folder this user may not write', async () => {
      const dataDir = join(folder, 'read-only');
      mkdirSync(dataDir);
      chmodSync(dataDir, 0o555);
      chmodSync(folder, 0o755);
      // root writes anywhere: the hub then runs as an ordinary user, as a service would.
      const start = await serve(
        { PORT: '0', JINGTU_DATA_DIR: dataDir, HOME: '/tmp' },
        process.getuid?.() === 0 ? { user: 'nobody' } : {},
      );
      expectOneLine(
        start,
        new RegExp(`cannot use the data folder ${dataDir}: permission denied.*JINGTU_DATA_DIR`),
      );
      expect(readdirSync(dataDir)).toEqual([]);
    });
  },
);
