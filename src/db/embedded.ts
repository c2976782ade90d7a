import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { StartupError } from '../startupError.js';
import { serveControl } from './embeddedControl.js';
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
  /**
   * A consistent copy of the folder's database (a gzipped tar, PGlite's dumpDataDir), taken between two
   * transactions: what a restore gives back (src/db/backup.ts).
   */
  backup(): Promise<Blob>;
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

/** What the owning process tells other processes in owner.json (readable by the folder's user only). */
export interface OwnerInfo {
  pid: number;
  /** Its PGlite socket. */
  port: number;
  /** Its control endpoint (src/db/embeddedControl.ts) and the token a caller shows there. */
  control?: { port: number; token: string };
}

const ownerFile = (dataDir: string) => join(dataDir, 'owner.json');
/** The PostgreSQL cluster's folder inside the data folder. */
export const clusterDir = (dataDir: string) => join(dataDir, 'pgdata');
const lockPath = (dataDir: string) => join(dataDir, '.lock');

export function readOwner(dataDir: string): OwnerInfo | undefined {
  try {
    return JSON.parse(readFileSync(ownerFile(dataDir), 'utf8')) as OwnerInfo;
  } catch {
    return undefined;
  }
}

/** The socket URL of the process that owns the folder now, if any. */
export async function runningOwnerUrl(dataDir: string): Promise<string | undefined> {
  await onDataDir(dataDir, () => mkdirSync(dataDir, { recursive: true }));
  if (!(await lockfile.check(dataDir, { lockfilePath: lockPath(dataDir), stale: 15_000 }))) return undefined;
  const owner = readOwner(dataDir);
  return owner ? `postgres://postgres@127.0.0.1:${owner.port}/postgres` : undefined;
}

/**
 * Takes the data folder for this process (a lock folder in it, kept fresh while the process lives), or
 * fails with DataDirInUseError when another process has it. Resolves with the release.
 */
export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  try {
    // Taking the lock (a folder in dataDir) is also the check that the folder can be written, before
    // PGlite spends seconds creating a cluster in it.
    return await onDataDir(dataDir, () => {
      mkdirSync(dataDir, { recursive: true });
      return lockfile.lock(dataDir, {
        lockfilePath: lockPath(dataDir),
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
}

/** Opens the embedded database in `dataDir`, or fails with DataDirInUseError when another process has it. */
export async function openEmbedded(dataDir: string): Promise<EmbeddedDatabase> {
  const release = await lockDataDir(dataDir);
  try {
    const created = !hasCluster(dataDir);
    const pglite = await createPglite(clusterDir(dataDir));
    const server = await servePglite(pglite);
    // Between two transactions, with every change in the data files (PGlite's dump reads them as they are).
    const backup = () =>
      server.between(async () => {
        await pglite.exec('CHECKPOINT');
        return pglite.dumpDataDir('gzip');
      });
    const control = await serveControl({ backup });
    rmSync(ownerFile(dataDir), { force: true }); // a crashed owner's: the mode applies to a new file only
    writeFileSync(
      ownerFile(dataDir),
      JSON.stringify({
        pid: process.pid,
        port: server.port,
        control: { port: control.port, token: control.token },
      } satisfies OwnerInfo),
      { mode: 0o600 },
    );
    return {
      url: server.url,
      created,
      backup,
      async close() {
        await control.stop();
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

/** Whether the folder holds a database cluster. */
export function hasCluster(dataDir: string): boolean {
  try {
    readFileSync(join(clusterDir(dataDir), 'PG_VERSION'));
    return true;
  } catch {
    return false;
  }
}
