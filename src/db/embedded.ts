import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import lockfile from 'proper-lockfile';
import { servePglite } from './pgliteServer.js';

/**
 * The embedded database: PGlite in a folder, served on a loopback socket so that the hub talks to it with
 * the same postgres.js driver as to a server. PGlite does not lock its folder, so the hub does: one
 * process owns the folder; others (CLI commands while the hub runs) connect through the owner's socket.
 */

export interface EmbeddedDatabase {
  /** postgres:// URL of the loopback socket. */
  url: string;
  /** Whether the folder was empty and PGlite created a new cluster. */
  created: boolean;
  close(): Promise<void>;
}

export class DataDirInUseError extends Error {}

interface OwnerInfo {
  pid: number;
  port: number;
}

const ownerFile = (dataDir: string) => join(dataDir, 'owner.json');
const clusterDir = (dataDir: string) => join(dataDir, 'pgdata');

function readOwner(dataDir: string): OwnerInfo | undefined {
  try {
    return JSON.parse(readFileSync(ownerFile(dataDir), 'utf8')) as OwnerInfo;
  } catch {
    return undefined;
  }
}

/** The socket URL of the process that owns the folder now, if any. */
export async function runningOwnerUrl(dataDir: string): Promise<string | undefined> {
  mkdirSync(dataDir, { recursive: true });
  if (!(await lockfile.check(dataDir, { lockfilePath: join(dataDir, '.lock'), stale: 15_000 })))
    return undefined;
  const owner = readOwner(dataDir);
  return owner ? `postgres://postgres@127.0.0.1:${owner.port}/postgres` : undefined;
}

/** Opens the embedded database in `dataDir`, or fails with DataDirInUseError when another process has it. */
export async function openEmbedded(dataDir: string): Promise<EmbeddedDatabase> {
  mkdirSync(dataDir, { recursive: true });
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(dataDir, {
      lockfilePath: join(dataDir, '.lock'),
      stale: 15_000,
      update: 5_000,
      realpath: false,
    });
  } catch (error) {
    if ((error as { code?: string }).code !== 'ELOCKED') throw error;
    const owner = readOwner(dataDir);
    throw new DataDirInUseError(
      `the embedded database in ${dataDir} is in use by another Jingtu Hub process${owner ? ` (pid ${owner.pid})` : ''}; ` +
        'stop it, or set JINGTU_DATA_DIR to another folder',
    );
  }
  try {
    const created = !readOwnerCluster(dataDir);
    const pglite = await PGlite.create(clusterDir(dataDir));
    const server = await servePglite(pglite);
    writeFileSync(
      ownerFile(dataDir),
      JSON.stringify({ pid: process.pid, port: server.port } satisfies OwnerInfo),
    );
    return {
      url: server.url,
      created,
      async close() {
        await server.stop();
        await pglite.close();
        rmSync(ownerFile(dataDir), { force: true });
        await release();
      },
    };
  } catch (error) {
    await release();
    throw error;
  }
}

function readOwnerCluster(dataDir: string): boolean {
  try {
    readFileSync(join(clusterDir(dataDir), 'PG_VERSION'));
    return true;
  } catch {
    return false;
  }
}
