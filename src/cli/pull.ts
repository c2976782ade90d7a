import { type FileHandle, open } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import { MAX_ALERT_CHANGES_LIMIT } from '../supervision/feedLimits.js';
import { checkKey, EXIT, endpoint, request, SyncFailure, statusFailure } from './hubClient.js';
import { createProgress } from './progress.js';
import { lockPullState, type PullState, readPullState, StateError, writePullState } from './syncState.js';

/**
 * `jingtu sync pull`: a dataset's change feed appended to a file, page by page, resumably; `--dataset alerts`
 * pulls the alert feed (GET /alerts/changes, src/supervision/feed.ts) the same way.
 */

/** The name that pulls the alert feed instead of a dataset's (no dataset is named so). */
export const ALERT_FEED_NAME = 'alerts';

function feedPath(name: string): string {
  return name === ALERT_FEED_NAME ? '/alerts/changes' : `/datasets/${encodeURIComponent(name)}/changes`;
}

export interface PullOptions {
  url: URL;
  key: string;
  dataset: string;
  state: string;
  out: string;
  page: number;
  timeout: number;
}

interface Change {
  cursor: string;
  operation: string;
}

interface PageEnd {
  endCursor: string;
  hasMore: boolean;
}

const isDigits = (value: string) => /^\d+$/.test(value);

/** `a < b` for change cursors: numerically when both are digits (older hubs'), otherwise not checked. */
function before(a: string | null, b: string): boolean {
  if (a === null) return true;
  if (isDigits(a) && isDigits(b)) return BigInt(a) < BigInt(b);
  return true;
}

/** Splits a response into lines as they arrive. */
async function* lines(response: IncomingMessage): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  for await (const chunk of response) {
    pending += decoder.write(chunk as Buffer);
    let newline = pending.indexOf('\n');
    while (newline >= 0) {
      yield pending.slice(0, newline).replace(/\r$/, '');
      pending = pending.slice(newline + 1);
      newline = pending.indexOf('\n');
    }
  }
  pending += decoder.end();
  if (pending.trim()) yield pending;
}

/**
 * A page whose answer began (HTTP 200) but stopped before its last line: the connection was lost, or the
 * hub failed part-way (its database restarted, say). Not "unreachable": the hub answered.
 */
function cutOff(changes: number, timeoutSeconds?: number): SyncFailure {
  const how = timeoutSeconds
    ? `the hub sent nothing for ${timeoutSeconds} s (--timeout)`
    : "the connection was lost, or the hub failed part-way: the hub's log says which";
  return new SyncFailure(
    `the hub's answer was cut off after ${changes} changes (${how}); run the pull again to resume`,
    EXIT.tryAgain,
  );
}

const WRITE_CHUNK = 1024 * 1024;

/**
 * One page: the change lines appended to `out` (not yet fsynced) as they arrive, checked for order. Returns
 * the page end and how many changes of each kind were written.
 */
async function pullPage(
  options: PullOptions,
  out: FileHandle,
  after: string | null,
  onChange: () => void,
): Promise<PageEnd & { upserts: number; deletes: number }> {
  const url = endpoint(options.url, feedPath(options.dataset), {
    after: after ?? undefined,
    limit: String(options.page),
  });
  const { response, timedOut } = await request(url, {
    method: 'GET',
    key: options.key,
    timeoutMs: options.timeout * 1000,
  });
  if (response.statusCode !== 200) throw await statusFailure(response, url, `pull of ${options.dataset}`);
  let buffer = '';
  let last = after;
  let end: PageEnd | null = null;
  let upserts = 0;
  let deletes = 0;
  const flush = async () => {
    try {
      if (buffer) await out.write(buffer);
    } catch (error) {
      throw new SyncFailure(`cannot write ${options.out}: ${(error as Error).message}`, EXIT.other);
    }
    buffer = '';
  };
  const unexpected = (line: string, why: string) =>
    new SyncFailure(`unexpected change line from the hub (${why}): ${line.slice(0, 200)}`, EXIT.other);
  try {
    for await (const line of lines(response)) {
      if (!line.trim()) continue;
      if (end) throw unexpected(line, 'after the final line');
      let parsed: Partial<Change & PageEnd>;
      try {
        parsed = JSON.parse(line);
      } catch {
        throw unexpected(line, 'not JSON');
      }
      if (typeof parsed.cursor === 'string') {
        if (!before(last, parsed.cursor)) throw unexpected(line, `cursor not after ${last}`);
        last = parsed.cursor;
        if (parsed.operation === 'DELETE') deletes++;
        else upserts++;
        buffer += `${line}\n`;
        if (buffer.length >= WRITE_CHUNK) await flush();
        onChange();
      } else if (typeof parsed.endCursor === 'string' && typeof parsed.hasMore === 'boolean') {
        end = { endCursor: parsed.endCursor, hasMore: parsed.hasMore };
      } else throw unexpected(line, 'neither a change nor the final line');
    }
  } catch (error) {
    if (error instanceof SyncFailure) throw error;
    throw cutOff(upserts + deletes, timedOut() ? options.timeout : undefined);
  }
  if (!end) throw cutOff(upserts + deletes);
  if (upserts + deletes > 0 && end.endCursor !== last) {
    throw new SyncFailure(
      `the hub's endCursor ${end.endCursor} is not the last change's ${last}`,
      EXIT.other,
    );
  }
  if (end.hasMore && upserts + deletes === 0) {
    throw new SyncFailure('the hub says there is more but sent no change', EXIT.other);
  }
  await flush();
  return { ...end, upserts, deletes };
}

export async function pull(options: PullOptions): Promise<number> {
  checkKey(options.key);
  if (options.dataset === ALERT_FEED_NAME && options.page > MAX_ALERT_CHANGES_LIMIT) {
    throw new SyncFailure(
      `--page: the alert feed gives at most ${MAX_ALERT_CHANGES_LIMIT} changes per request (got ${options.page})`,
      EXIT.badInput,
    );
  }
  const release = await lockPullState(options.state);
  let out: FileHandle | undefined;
  let state: PullState | null = null;
  try {
    state = await readPullState(options.state);
    if (state && state.dataset !== options.dataset) {
      throw new StateError(
        `state file ${options.state} is for dataset ${state.dataset}, not ${options.dataset}`,
      );
    }
    try {
      out = await open(options.out, 'a');
    } catch (error) {
      throw new StateError(`cannot open ${options.out}: ${(error as Error).message}`);
    }
    const size = (await out.stat()).size;
    if (!state) {
      if (size > 0) {
        throw new StateError(
          `${options.out} is not empty but ${options.state} does not exist: give the state file that goes with it, ` +
            'or move the file away to pull from the beginning',
        );
      }
      state = { dataset: options.dataset, cursor: null, outBytes: 0 };
      await writePullState(options.state, state);
    }
    if (size < state.outBytes) {
      throw new StateError(
        `${options.out} has ${size} bytes but ${options.state} says ${state.outBytes} were written: ` +
          'the file was cut or replaced; move both away to pull from the beginning',
      );
    }
    // Whatever follows outBytes is from a page whose state was never saved: it is fetched again.
    if (size > state.outBytes) await out.truncate(state.outBytes);

    let pulled = 0;
    let upserts = 0;
    let deletes = 0;
    const progress = createProgress({
      label: `pulling ${options.dataset}`,
      describe: (n) => `${n.toLocaleString('en')} changes`,
    });
    try {
      for (;;) {
        const page = await pullPage(options, out, state.cursor, () => progress.update(++pulled));
        upserts += page.upserts;
        deletes += page.deletes;
        await out.sync();
        const next: PullState = {
          dataset: options.dataset,
          cursor: page.endCursor,
          outBytes: (await out.stat()).size,
        };
        if (next.cursor !== state.cursor || next.outBytes !== state.outBytes) {
          await writePullState(options.state, next);
        }
        state = next;
        if (!page.hasMore) break;
      }
    } catch (error) {
      // Leave the file as the saved state describes it (the next run would cut it back anyway).
      await out.truncate(state.outBytes).catch(() => {});
      const saved = upserts + deletes;
      if (error instanceof SyncFailure && saved > 0) {
        throw new SyncFailure(`${error.message} (${saved} changes of this run are saved)`, error.exitCode);
      }
      throw error;
    } finally {
      progress.stop();
    }
    const total = upserts + deletes;
    process.stdout.write(
      total
        ? `pulled ${options.dataset}: ${total} changes (${upserts} upserts, ${deletes} deletes) into ${options.out}, cursor ${state.cursor}\n`
        : `pulled ${options.dataset}: no new changes (cursor ${state.cursor})\n`,
    );
    return EXIT.done;
  } finally {
    await out?.close();
    await release();
  }
}
