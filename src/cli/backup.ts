import { createWriteStream, existsSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pino } from 'pino';
import postgres from 'postgres';
import { verifyAuditChain } from '../audit/chain.js';
import { AuditWriter } from '../audit/writer.js';
import {
  clusterDir,
  DataDirInUseError,
  hasCluster,
  lockDataDir,
  openEmbedded,
  readOwner,
} from '../db/embedded.js';
import { createPglite } from '../db/pglite.js';
import { servePglite } from '../db/pgliteServer.js';
import { StartupError } from '../startupError.js';

/**
 * Backup and restore of the embedded database (`jingtu backup FILE`, `jingtu restore FILE`). A backup is
 * PGlite's own copy of its folder (dumpDataDir: a gzipped tar), taken between two transactions by the
 * process that has the folder open: the running hub when there is one (asked through its control endpoint,
 * src/db/embeddedControl.ts), else this command. A restore needs the hub stopped: it opens the backup in a
 * new folder, verifies its audit chain, and only then puts it in place of the database, whose folder is
 * kept beside it. Both are audited in the database they leave: the backup's record is in the copy, the
 * restore's in the restored database. A server's database is backed up with PostgreSQL's own tools
 * (README › Operations › Backups).
 */

export class BackupError extends StartupError {}

export interface BackupReport {
  file: string;
  bytes: number;
  /** Whether the hub was running (and took the copy). */
  hubRunning: boolean;
}

export interface RestoreReport {
  /** The audit records of the restored database, their chain verified. */
  auditRecords: number;
  /** Where the database the restore replaced was kept (none when the folder held none). */
  replacedKeptAt?: string;
}

/** An operator's command, in the audit of the database at `url` (who ran it on this machine, and what). */
async function auditCommand(url: string, event: string, detail: Record<string, unknown>): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const writer = new AuditWriter(sql, pino({ level: 'warn' }));
    await writer.write({
      event,
      principal: null,
      keyId: null,
      requestId: null,
      operationName: `jingtu ${event.toLowerCase()} (${userInfo().username}@cli)`,
      documentHash: null,
      outcome: 'OK',
      detail,
    });
    await writer.close();
  } finally {
    await sql.end();
  }
}

/** Writes a stream to `file` through `file.partial`, on disk before the rename: never a half-written FILE. */
async function writeWhole(file: string, source: Readable): Promise<number> {
  const partial = `${file}.partial`;
  try {
    await pipeline(source, createWriteStream(partial, { flags: 'w', mode: 0o600 }));
    const handle = await open(partial, 'r+');
    try {
      await handle.datasync();
    } finally {
      await handle.close();
    }
    renameSync(partial, file);
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
  return statSync(file).size;
}

/** Backs up the embedded database in `dataDir` to `file`, whether the hub is running or not. */
export async function backupEmbedded(
  dataDir: string,
  file: string,
  { force = false }: { force?: boolean } = {},
): Promise<BackupReport> {
  if (existsSync(file) && !force) {
    throw new BackupError(`${file} exists: give another file, or --force to replace it`);
  }
  if (!existsSync(dirname(file))) throw new BackupError(`no folder ${dirname(file)} to write ${file} in`);
  if (!hasCluster(dataDir)) throw new BackupError(`no embedded database in ${dataDir} to back up`);
  let embedded: Awaited<ReturnType<typeof openEmbedded>> | undefined;
  try {
    embedded = await openEmbedded(dataDir);
  } catch (error) {
    if (!(error instanceof DataDirInUseError)) throw error;
  }
  if (embedded) {
    try {
      await auditCommand(embedded.url, 'BACKUP', { file, hubRunning: false });
      const copy = await embedded.backup();
      const bytes = await writeWhole(file, Readable.fromWeb(copy.stream() as never));
      return { file, bytes, hubRunning: false };
    } finally {
      await embedded.close();
    }
  }
  const owner = readOwner(dataDir);
  const control = owner?.control;
  if (!owner || !control) {
    throw new BackupError(
      `the process that has ${dataDir} open offers no backup (a hub older than this command?): stop it and run the backup again`,
    );
  }
  await auditCommand(`postgres://postgres@127.0.0.1:${owner.port}/postgres`, 'BACKUP', {
    file,
    hubRunning: true,
  });
  const response = await fetch(`http://127.0.0.1:${control.port}/backup`, {
    method: 'POST',
    headers: { authorization: `Bearer ${control.token}` },
  }).catch((error: Error) => {
    throw new BackupError(`cannot reach the running hub's control endpoint: ${error.message}`);
  });
  if (!response.ok || !response.body) {
    throw new BackupError(
      `the running hub refused the backup: ${response.status} ${(await response.text()).trim()}`,
    );
  }
  const bytes = await writeWhole(file, Readable.fromWeb(response.body as never));
  return { file, bytes, hubRunning: true };
}

/** The gzip magic number: a backup is a gzipped tar. */
function isGzip(head: Buffer): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/**
 * Restores `file` (a backup of `backupEmbedded`) into the embedded database in `dataDir`; the hub must be
 * stopped. Nothing is replaced unless the backup opens and its audit chain verifies.
 */
export async function restoreEmbedded(dataDir: string, file: string): Promise<RestoreReport> {
  if (!existsSync(file)) throw new BackupError(`no file ${file}`);
  const bytes = readFileSync(file);
  if (!isGzip(bytes)) throw new BackupError(`${file} is not a backup of the embedded database (not gzip)`);
  let release: () => Promise<void>;
  try {
    release = await lockDataDir(dataDir);
  } catch (error) {
    if (error instanceof DataDirInUseError) {
      throw new BackupError(
        `the hub is running on ${dataDir}: stop it first, a restore replaces its database`,
      );
    }
    throw error;
  }
  const restoring = join(dataDir, 'pgdata.restoring');
  try {
    rmSync(restoring, { recursive: true, force: true }); // an earlier restore that did not finish
    const auditRecords = await openAndVerify(restoring, new Blob([bytes]), file, dataDir);
    const current = clusterDir(dataDir);
    let replacedKeptAt: string | undefined;
    if (existsSync(current)) {
      replacedKeptAt = join(
        dataDir,
        `pgdata.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`,
      );
      renameSync(current, replacedKeptAt);
    }
    renameSync(restoring, current);
    return { auditRecords, replacedKeptAt };
  } catch (error) {
    rmSync(restoring, { recursive: true, force: true });
    throw error;
  } finally {
    await release();
  }
}

/**
 * Opens the backup in `folder`, verifies its audit chain and audits the restore there; resolves with the
 * records checked.
 */
async function openAndVerify(folder: string, backup: Blob, file: string, dataDir: string): Promise<number> {
  const pglite = await createPglite(folder, backup).catch((error: Error) => {
    throw new BackupError(`${file} is not a backup of the embedded database: ${error.message}`);
  });
  try {
    const server = await servePglite(pglite);
    const sql = postgres(server.url, { max: 1, onnotice: () => {} });
    try {
      const verified = await verifyAuditChain(sql);
      if (!verified.intact) {
        throw new BackupError(
          `the audit chain of ${file} is broken at record ${verified.firstBroken?.seq} (${verified.firstBroken?.reason}): nothing restored`,
        );
      }
      // The change feed's cursors given out after the backup point past its changes: new changes would
      // take their sequence numbers and a puller holding one would skip them. A new cursor secret makes
      // every cursor given out before invalid (src/datasets/cursorSeal.ts): pullers start again from the
      // beginning, and applying a page again changes nothing.
      await sql`delete from cursor_secret`;
      await auditCommand(server.url, 'RESTORE', {
        file,
        dataDir,
        auditRecordsVerified: verified.checked,
        cursorsInvalidated: true,
      });
      return verified.checked;
    } finally {
      await sql.end();
      await server.stop();
    }
  } finally {
    await pglite.close();
  }
}
