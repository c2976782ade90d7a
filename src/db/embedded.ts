import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { StartupError } from '../startupError.js';
import { createPglite } from './pglite.js';
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

export class DataDirInUseError extends StartupError {}

/** What the file system said, for a person; errors not listed here are not the folder's. */
const FOLDER_PROBLEMS: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'read-only file system',
  ENOTDIR: 'part of the path is a file, not a folder',
  EEXIST: 'it is a file, not a folder',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the path is too long',
};

/** Runs `work` on the data folder; a file-system refusal becomes one line that says which folder and why. */
async function onDataDir<T>(dataDir: string, work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const { code, path } = error as NodeJS.ErrnoException;
    const problem = code ? FOLDER_PROBLEMS[code] : undefined;
    if (!problem) throw error;
    throw new StartupError(
      `cannot use the data folder ${dataDir}: ${problem} (${code}${path && path !== dataDir ? ` on ${path}` : ''}); ` +
        'set JINGTU_DATA_DIR to a folder this user can write',
    );
  }
}

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
  await onDataDir(dataDir, () => mkdirSync(dataDir, { recursive: true }));
  if (!(await lockfile.check(dataDir, { lockfilePath: join(dataDir, '.lock'), stale: 15_000 })))
    return undefined;
  const owner = readOwner(dataDir);
  return owner ? `postgres://postgres@127.0.0.1:${owner.port}/postgres` : undefined;
}

/** Opens the embedded database in `dataDir`, or fails with DataDirInUseError when another process has it. */
export async function openEmbedded(dataDir: string): Promise<EmbeddedDatabase> {
  let release: () => Promise<void>;
  try {
    // Taking the lock (a folder in dataDir) is also the check that the folder can be written, before
    // PGlite spends seconds creating a cluster in it.
    release = await onDataDir(dataDir, () => {
      mkdirSync(dataDir, { recursive: true });
      return lockfile.lock(dataDir, {
        lockfilePath: join(dataDir, '.lock'),
        stale: 15_000,
        update: 5_000,
        realpath: false,
      });
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
    const pglite = await createPglite(clusterDir(dataDir));
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
