import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Where Debian puts the PostgreSQL 15 server binaries (the version of the shared server here). */
export const PG_BIN = process.env.JINGTU_PG_BIN ?? '/usr/lib/postgresql/15/bin';

/** True when initdb and pg_ctl are installed, so a test can skip itself with a reason instead of failing. */
export const clusterToolsInstalled = () =>
  existsSync(join(PG_BIN, 'initdb')) && existsSync(join(PG_BIN, 'pg_ctl'));

/** A free TCP port on loopback (the OS picks it; nothing else is likely to take it in the next moment). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * Runs a PostgreSQL tool as the `postgres` OS user when we are root: initdb and postgres refuse to run as
 * root. As any other user, the tool runs as that user.
 */
async function pgTool(tool: string, args: string[]): Promise<string> {
  const binary = join(PG_BIN, tool);
  const [command, commandArgs] =
    process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', binary, ...args]] : [binary, args];
  try {
    const { stdout } = await execFileAsync(command, commandArgs, { timeout: 60_000 });
    return stdout;
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`${tool} ${args.join(' ')} failed:\n${stdout}${stderr}`);
  }
}

async function idOf(flag: '-u' | '-g'): Promise<number> {
  return Number((await execFileAsync('id', [flag, 'postgres'])).stdout.trim());
}

export interface ThrowawayCluster {
  port: number;
  /** postgres://postgres@127.0.0.1:PORT/postgres (trust authentication). */
  url: string;
  /**
   * `pg_ctl restart`: `fast` ends every session cleanly (FATAL 57P01 to each client); `immediate` kills the
   * server without a checkpoint, as a crash does, and the start runs WAL recovery.
   */
  restart(mode: 'fast' | 'immediate'): Promise<void>;
  /** Stops the server (fast), for an outage that lasts until `start`. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** The server log so far, to explain a failure. */
  log(): string;
  /** Stops the server at once and deletes its folder. */
  destroy(): Promise<void>;
}

/**
 * A PostgreSQL cluster of its own, in a temporary folder on a free port, for tests that restart or kill
 * the database: the shared server on 5432 serves every other test file at the same time and must never be
 * stopped. Durability settings are off (fsync, synchronous_commit, full-page writes): a restart, even
 * `immediate`, still goes through WAL recovery, which is what the tests exercise; only an OS crash would
 * lose data, and the cluster does not outlive the test.
 */
export async function startThrowawayCluster(): Promise<ThrowawayCluster> {
  const folder = mkdtempSync(join(tmpdir(), 'jingtu-pgcluster-'));
  if (process.getuid?.() === 0) chownSync(folder, await idOf('-u'), await idOf('-g'));
  const data = join(folder, 'data');
  const logFile = join(folder, 'server.log');
  const port = await freePort();
  await pgTool('initdb', [
    '-D',
    data,
    '-U',
    'postgres',
    '-A',
    'trust',
    '-E',
    'UTF8',
    '--locale=C.UTF-8',
    '--no-sync',
  ]);
  const options = [
    `-p ${port}`,
    '-c listen_addresses=127.0.0.1',
    `-c unix_socket_directories=${folder}`,
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    // A large publish should not trigger checkpoints of its own: the restarts are the faults under test.
    '-c max_wal_size=2GB',
  ].join(' ');
  // pg_ctl -w waits until the server accepts connections (or fails with the log's reason).
  const start = () => pgTool('pg_ctl', ['-D', data, '-l', logFile, '-o', options, '-w', '-t', '60', 'start']);
  await start();
  const log = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  return {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async restart(mode) {
      // restart reuses the options of the running server (postmaster.opts).
      await pgTool('pg_ctl', ['-D', data, '-l', logFile, '-m', mode, '-w', '-t', '60', 'restart']);
    },
    async stop() {
      await pgTool('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']);
    },
    async start() {
      await start();
    },
    log,
    async destroy() {
      await pgTool('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {});
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

export interface CuttableProxy {
  port: number;
  /** Connections open through the proxy now. */
  openConnections(): number;
  /** Connections accepted since the proxy started (refused ones included). */
  accepted(): number;
  /** Bytes that came from the target since the proxy started. */
  bytesFromTarget(): number;
  /** While on, every connection is cut and each new one closed at once, as by a database that is down. */
  refuse(on: boolean): void;
  /**
   * Cuts every connection (as `cut()`) once `bytes` more have come from the target, counted from now:
   * a database lost in the middle of whatever it was answering.
   */
  cutAfter(bytes: number): void;
  /**
   * Destroys every open connection on both sides at once, as a network cut or a firewall reset does; new
   * connections are forwarded as before. Returns how many were cut.
   */
  cut(): number;
  close(): Promise<void>;
}

/** A TCP proxy on a free loopback port that forwards to 127.0.0.1:targetPort and can cut connections. */
export async function startCuttableProxy(targetPort: number): Promise<CuttableProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let accepted = 0;
  let fromTarget = 0;
  let refusing = false;
  /** Bytes from the target still allowed before every connection is cut. */
  let budget = Number.POSITIVE_INFINITY;
  const cut = () => {
    const count = pairs.size;
    for (const [client, upstream] of [...pairs]) {
      // resetAndDestroy sends RST, as a cut network would, rather than an orderly FIN.
      client.resetAndDestroy();
      upstream.resetAndDestroy();
    }
    pairs.clear();
    return count;
  };
  const server: Server = createServer((client) => {
    accepted++;
    if (refusing) {
      client.resetAndDestroy();
      return;
    }
    const upstream = tcpConnect(targetPort, '127.0.0.1');
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    // Either side ending or failing (a refused upstream while the server restarts) ends the other.
    for (const socket of pair) socket.once('error', drop).once('close', drop);
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      fromTarget += chunk.length;
      budget -= chunk.length;
      if (budget <= 0) {
        budget = Number.POSITIVE_INFINITY;
        cut();
      }
    });
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    openConnections: () => pairs.size,
    accepted: () => accepted,
    bytesFromTarget: () => fromTarget,
    refuse(on) {
      refusing = on;
      if (on) cut();
    },
    cutAfter(bytes) {
      budget = bytes;
    },
    cut,
    close() {
      for (const [client, upstream] of pairs) {
        client.destroy();
        upstream.destroy();
      }
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
