import { open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Where `jingtu sync pull` is: the last change cursor written to the output file, and that file's size. */
export interface PullState {
  dataset: string;
  /** The cursor of the last change in the output file; null before the first change. */
  cursor: string | null;
  /** The output file's size once that change was written: anything after it is from an unfinished page. */
  outBytes: number;
}

/** A problem with local input (state file, output file, lock): exit code 5 or 1, decided by the caller. */
export class StateError extends Error {}

const errnoCode = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code;

/** Reads a state file; a missing file is `null` (start from the beginning). */
export async function readPullState(path: string): Promise<PullState | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return null;
    throw new StateError(`cannot read state file ${path}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new StateError(`state file ${path} is not JSON: ${JSON.stringify(text.slice(0, 60))}`);
  }
  const state = parsed as Partial<PullState> | null;
  if (
    !state ||
    typeof state !== 'object' ||
    typeof state.dataset !== 'string' ||
    !(state.cursor === null || typeof state.cursor === 'string') ||
    typeof state.outBytes !== 'number' ||
    !Number.isSafeInteger(state.outBytes) ||
    state.outBytes < 0
  ) {
    throw new StateError(
      `state file ${path} is not a pull state ({"dataset": "…", "cursor": "…" or null, "outBytes": N})`,
    );
  }
  return { dataset: state.dataset, cursor: state.cursor, outBytes: state.outBytes };
}

/** Writes the state atomically: a temporary file, fsynced, renamed over the old one, then the folder fsynced. */
export async function writePullState(path: string, state: PullState): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const handle = await open(temporary, 'w');
  try {
    await handle.writeFile(`${JSON.stringify(state)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, path);
  await syncFolder(dirname(path));
}

async function syncFolder(folder: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(folder, 'r');
    await handle.sync();
  } catch {
    // Some file systems refuse fsync on a folder; the rename is still atomic.
  } finally {
    await handle?.close();
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoCode(error) === 'EPERM';
  }
};

/**
 * Takes `STATE.lock` (holding this process id) so that two pulls never write one output file at once. A lock
 * left by a process that no longer runs (killed) is taken over. Returns the release function.
 */
export async function lockPullState(statePath: string): Promise<() => Promise<void>> {
  const lockPath = `${statePath}.lock`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(lockPath, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return () => rm(lockPath, { force: true });
    } catch (error) {
      if (errnoCode(error) !== 'EEXIST') {
        throw new StateError(`cannot create lock file ${lockPath}: ${(error as Error).message}`);
      }
    }
    const holder = Number.parseInt(await readFile(lockPath, 'utf8').catch(() => ''), 10);
    if (Number.isSafeInteger(holder) && holder > 0 && holder !== process.pid && alive(holder)) {
      throw new StateError(`another pull (process ${holder}) is using ${statePath}; lock file ${lockPath}`);
    }
    await rm(lockPath, { force: true });
  }
  throw new StateError(`cannot take lock file ${lockPath}`);
}
