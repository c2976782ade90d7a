import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { extname } from 'node:path';
import { Transform } from 'node:stream';
import type { PublishResult as HubPublishResult } from '../sync/ingest.js';
import { checkKey, EXIT, endpoint, readBody, request, SyncFailure, statusFailure } from './hubClient.js';
import { createProgress, formatBytes } from './progress.js';

/** `jingtu sync push`: a file to POST /datasets/{dataset}/batches/{batchKey}, streamed, and its result. */

export type Format = 'ndjson' | 'csv';

const CONTENT_TYPES: Record<Format, string> = { ndjson: 'application/x-ndjson', csv: 'text/csv' };
const FORMAT_BY_EXTENSION: Record<string, Format> = {
  '.ndjson': 'ndjson',
  '.jsonl': 'ndjson',
  '.csv': 'csv',
};

export interface PushOptions {
  url: URL;
  key: string;
  dataset: string;
  file: string;
  format?: Format;
  /** The file's character encoding, a WHATWG label (utf-8, gb18030, gbk); sent as Content-Type's charset. */
  encoding: string;
  mode: 'delta' | 'snapshot';
  batchKey?: string;
  acceptValid?: boolean;
  timeout: number;
}

/**
 * The hub's answer to a batch (the contract of POST /datasets/{name}/batches/{batchKey}). A hub before
 * issue 11 sends no `errorCount` (its `rejectedCount` counts errors) and no `takenOver`.
 */
export type PublishResult = Omit<HubPublishResult, 'errorCount' | 'takenOver'> & {
  errorCount?: number;
  takenOver?: number;
};

/** Rejected rows listed on stderr; the rest are counted. */
const SHOWN_ROWS = 20;

/** The file's lines are read apart (to say which is not text) only up to this long; the hub refuses longer. */
const LONGEST_CHECKED_LINE = 64 * 1024 * 1024;
const NEWLINE = 0x0a;

/** Index of the first line of `bytes` (complete lines) that is not text in `encoding`, if any. */
function firstUndecodableLine(bytes: Uint8Array, encoding: string): number | undefined {
  const decoder = new TextDecoder(encoding, { fatal: true });
  try {
    decoder.decode(bytes);
    return undefined;
  } catch {
    // Found one: which line? In UTF-8 and GB18030 alike, a newline byte is never part of a character.
  }
  for (let index = 0, start = 0; start < bytes.length; index++) {
    const end = bytes.indexOf(NEWLINE, start);
    const stop = end < 0 ? bytes.length : end + 1;
    try {
      decoder.decode(bytes.subarray(start, stop));
    } catch {
      return index;
    }
    start = stop;
  }
  return undefined;
}

function countLines(bytes: Uint8Array): number {
  let lines = 0;
  for (let at = bytes.indexOf(NEWLINE); at >= 0; at = bytes.indexOf(NEWLINE, at + 1)) lines++;
  return lines;
}

/**
 * Reads the file once before it is sent: its SHA-256 (for the default batch key) and the first line that is
 * not text in the encoding given, so that a GB18030 file sent as UTF-8 is refused here, with the option to
 * use, rather than by the hub after the upload.
 */
async function inspectFile(
  path: string,
  encoding: string,
  hashIt: boolean,
): Promise<{ hash?: string; badLine?: number }> {
  const hash = hashIt ? createHash('sha256') : undefined;
  let line = 1;
  let pending: Uint8Array = new Uint8Array(0);
  let checking = true;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    hash?.update(chunk);
    if (!checking) continue;
    const lastNewline = chunk.lastIndexOf(NEWLINE);
    if (lastNewline < 0) {
      pending = Buffer.concat([pending, chunk]);
      // A line this long is the hub's to refuse; the check stops there.
      if (pending.length > LONGEST_CHECKED_LINE) checking = false;
      continue;
    }
    const lines = Buffer.concat([pending, chunk.subarray(0, lastNewline + 1)]);
    pending = chunk.subarray(lastNewline + 1);
    const bad = firstUndecodableLine(lines, encoding);
    if (bad !== undefined) return { badLine: line + bad };
    line += countLines(lines);
  }
  if (checking && pending.length && firstUndecodableLine(pending, encoding) !== undefined) {
    return { badLine: line };
  }
  return { hash: hash?.digest('hex') };
}

function notText(file: string, encoding: string, line: number): SyncFailure {
  const utf8 = new TextDecoder(encoding).encoding === 'utf-8';
  return new SyncFailure(
    utf8
      ? `${file} is not UTF-8 text (line ${line}): if it is GB18030, as Chinese Excel saves a CSV, pass --encoding gb18030`
      : `${file} is not ${encoding} text (line ${line}): pass --encoding with the encoding it was saved in`,
    EXIT.badInput,
  );
}

/** A pass-through that counts bytes and hashes them. */
function meter(onBytes: (total: number) => void) {
  const hash = createHash('sha256');
  let total = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      total += chunk.length;
      hash.update(chunk);
      onBytes(total);
      done(null, chunk);
    },
  });
  return { stream, digest: () => hash.digest('hex') };
}

function parseResult(text: string): PublishResult {
  try {
    const result = JSON.parse(text) as PublishResult;
    if (typeof result.received === 'number' && Array.isArray(result.rejections)) return result;
  } catch {
    // reported below
  }
  throw new SyncFailure(`unexpected answer from the hub: ${text.slice(0, 200)}`, EXIT.other);
}

/**
 * "2 rows rejected (3 errors)". An older hub, whose rejectedCount counts errors and which sends no
 * errorCount, gets "3 rejected".
 */
function rejectedRows(result: PublishResult): string {
  if (result.rejectedCount === 0) return '0 rows rejected';
  if (result.errorCount === undefined) return `${result.rejectedCount} rejected`;
  return `${result.rejectedCount} rows rejected (${result.errorCount} errors)`;
}

/** The summary line: what happened now, and for a replay, what the batch did when it was first applied. */
function summary(result: PublishResult): string {
  const counts = [
    `${result.received} received`,
    `${result.inserted} inserted`,
    `${result.updated} updated`,
    `${result.unchanged} unchanged`,
    `${result.deleted} deleted`,
    rejectedRows(result),
  ].join(', ');
  const headline =
    result.status === 'REJECTED'
      ? `rejected ${result.dataset}, nothing applied: `
      : result.replayed
        ? `replayed ${result.dataset}: nothing changed now; when first applied: `
        : `pushed ${result.dataset}: `;
  return `${headline}${counts} (batch ${result.batchKey})${result.note ? `; ${result.note}` : ''}`;
}

/** The rejected rows on stderr, one line each with all of its errors: `  line 3 closedOn: …; name: …`. */
function listRejections(result: PublishResult) {
  const rows = new Map<number, string[]>();
  for (const { line, field, reason } of [...result.rejections].sort((a, b) => a.line - b.line)) {
    const errors = rows.get(line) ?? [];
    errors.push(field ? `${field}: ${reason}` : reason);
    rows.set(line, errors);
  }
  let shown = 0;
  let errorsShown = 0;
  for (const [line, errors] of rows) {
    if (shown === SHOWN_ROWS) break;
    process.stderr.write(`  line ${line} ${errors.join('; ')}\n`);
    shown++;
    errorsShown += errors.length;
  }
  // An older hub's rejectedCount counts errors (see rejectedRows).
  const [hidden, what] =
    result.errorCount === undefined
      ? [result.rejectedCount - errorsShown, 'errors']
      : [result.rejectedCount - shown, 'rejected rows'];
  if (hidden > 0) process.stderr.write(`  … and ${hidden} more ${what}\n`);
}

export async function push(options: PushOptions): Promise<number> {
  checkKey(options.key);
  const format = options.format ?? FORMAT_BY_EXTENSION[extname(options.file).toLowerCase()];
  if (!format) {
    throw new SyncFailure(
      `cannot tell the format of ${options.file} from its extension: pass --format ndjson or --format csv`,
      EXIT.badInput,
    );
  }
  let size: number;
  let hash: string | undefined;
  try {
    const info = await stat(options.file);
    if (!info.isFile()) throw new SyncFailure(`${options.file} is not a file`, EXIT.badInput);
    size = info.size;
    const inspected = await inspectFile(options.file, options.encoding, !options.batchKey);
    if (inspected.badLine !== undefined) throw notText(options.file, options.encoding, inspected.badLine);
    hash = inspected.hash;
  } catch (error) {
    if (error instanceof SyncFailure) throw error;
    throw new SyncFailure(`cannot read ${options.file}: ${(error as Error).message}`, EXIT.badInput);
  }
  const batchKey = options.batchKey ?? `${options.dataset}.${options.mode}.sha256-${hash}`;
  const url = endpoint(
    options.url,
    `/datasets/${encodeURIComponent(options.dataset)}/batches/${encodeURIComponent(batchKey)}`,
    { mode: options.mode, atomic: options.acceptValid ? 'false' : 'true' },
  );

  const progress = createProgress({
    label: `pushing ${options.dataset}`,
    total: size,
    describe: formatBytes,
  });
  const counted = meter((sent) => {
    progress.update(sent);
    if (sent >= size) progress.status('sent; waiting for the hub…');
  });
  const file = createReadStream(options.file);
  // A read error is the file's, not the network's.
  file.on('error', (error) => counted.stream.destroy(Object.assign(error, { local: true })));
  file.pipe(counted.stream);

  let response: IncomingMessage;
  let abort: () => void;
  try {
    ({ response, abort } = await request(
      url,
      {
        method: 'POST',
        key: options.key,
        headers: { 'content-type': `${CONTENT_TYPES[format]}; charset=${options.encoding}` },
        timeoutMs: options.timeout * 1000,
        body: counted.stream,
      },
      `; the batch may or may not have been applied: re-running the same push is safe (batch ${batchKey})`,
    ));
  } catch (error) {
    if ((error as { local?: boolean }).local) {
      throw new SyncFailure(`cannot read ${options.file}: ${(error as Error).message}`, EXIT.badInput);
    }
    throw error;
  } finally {
    progress.stop();
  }
  if (response.statusCode !== 200) {
    const failure = await statusFailure(response, url, `push to ${options.dataset}`);
    abort();
    file.destroy();
    throw failure;
  }
  const result = parseResult(await readBody(response, url));
  // A replay is answered without reading the body: what is left of the upload is not needed.
  abort();
  file.destroy();
  process.stdout.write(`${summary(result)}\n`);

  // A replay applied nothing now, whatever was sent; otherwise the hub applied exactly the bytes sent.
  if (!result.replayed && hash && counted.digest() !== hash) {
    throw new SyncFailure(
      `${options.file} changed while it was being pushed: the hub has what was sent, under batch key ${batchKey}; ` +
        'write the file completely before pushing it',
      EXIT.other,
    );
  }
  if (result.rejectedCount === 0) return EXIT.done;
  listRejections(result);
  // Its first run said so (exit 2); the replay changed nothing, and a job retrying until 0 stops.
  if (result.replayed) return EXIT.done;
  throw new SyncFailure(
    result.status === 'REJECTED'
      ? `${rejectedRows(result)}, nothing applied: fix them, or pass --accept-valid to apply the valid rows`
      : `${rejectedRows(result)}; the ${result.accepted} valid rows were applied`,
    EXIT.rejectedRows,
  );
}
