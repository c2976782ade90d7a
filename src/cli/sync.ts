import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { type FileHandle, open, stat } from 'node:fs/promises';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { extname } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import { type Command, type CommanderError, InvalidArgumentError, Option } from 'commander';
import { createProgress, formatBytes } from './progress.js';
import { lockPullState, type PullState, readPullState, StateError, writePullState } from './syncState.js';

/** Exit codes of `jingtu sync`, for cron jobs to act on. */
export const EXIT = {
  done: 0,
  other: 1,
  rejectedRows: 2,
  auth: 3,
  unreachable: 4,
  badInput: 5,
} as const;

/** A failure that ends the command with one `jingtu: …` line and an exit code. */
export class SyncFailure extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

const EXIT_CODES_HELP = `
Exit codes:
  0  done
  2  (push) rows were rejected: nothing applied (all or nothing), or the valid rows applied (--accept-valid)
  3  authentication or permission: key missing, unknown or revoked (401), or not allowed (403)
  4  hub unreachable: connection refused, DNS, timeout, connection lost, 502/503/504 from a proxy, or
     429 (the hub's rate limit); try again later
  5  bad local input: missing or unreadable file, bad state file, bad arguments, or arguments the hub
     refuses (400, unknown dataset)
  1  anything else (409 conflict, a server error, an unexpected answer)
Errors are one line on stderr starting with "jingtu:".`;

const PUSH_HELP = `
The file is streamed to POST {url}/datasets/{dataset}/batches/{batchKey}, never read whole into memory.

Batch key: unless --batch-key is given, it is {dataset}.{mode}.sha256-{hash}, the SHA-256 of the file (read
once to hash it, then streamed). Re-running the same command (a cron job after a timeout, a lost
connection or a crash) therefore replays the hub's first result instead of applying the batch twice. The
other side of it: a file with the same content is applied only once per dataset and mode; to apply it again
on purpose (say, an older snapshot restored), pass a new --batch-key.

Output: a progress bar on a terminal (bytes sent); one summary line on stdout; the rejected rows (the
first 20: line, field, reason) on stderr.

The key can come from JINGTU_KEY instead of --key, which keeps it out of the process list.
${EXIT_CODES_HELP}

Example (crontab):
  15 2 * * * JINGTU_KEY=jt_… jingtu sync push --url https://hub.example --dataset constructionPermit \\
               --file /exports/permits-$(date +\\%F).ndjson || alert "permit sync failed: $?"`;

const PULL_HELP = `
Appends the dataset's changes (GET {url}/datasets/{dataset}/changes) to FILE, one JSON line per change:
{"cursor": "…", "operation": "UPSERT" | "DELETE", "record": {…}}, in change order, with the hub's masking
for your key.

State: STATE.json holds {"dataset", "cursor", "outBytes"}. A missing state file starts from the
beginning (FILE must then be missing or empty). Each run first cuts FILE back to outBytes, then, page by
page: appends the page's changes, fsyncs FILE, and replaces STATE.json atomically (temporary file, fsync,
rename). A pull that is killed or loses its connection resumes on the next run with no gap and no change
twice. Run it again with the same --state and --out to fetch only what changed since. STATE.json.lock keeps
two pulls from writing at once (a lock left by a killed pull is taken over).

Output: a count of changes on a terminal; one summary line on stdout.

The key can come from JINGTU_KEY instead of --key, which keeps it out of the process list.
${EXIT_CODES_HELP}`;

const errnoCode = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code;

// --- arguments -------------------------------------------------------------------------------------------

function parseHubUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('not a URL (e.g. http://127.0.0.1:4000)');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidArgumentError('must be an http:// or https:// URL');
  }
  return url;
}

function parsePositive(max: number) {
  return (value: string) => {
    if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) {
      throw new InvalidArgumentError(`must be a whole number from 1 to ${max}`);
    }
    return Number(value);
  };
}

function parseDataset(value: string): string {
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(value)) throw new InvalidArgumentError('not a dataset name');
  return value;
}

function parseBatchKey(value: string): string {
  if (!/^[\w.:-]{1,200}$/.test(value)) {
    throw new InvalidArgumentError('must be 1–200 letters, digits, ".", ":", "_" or "-"');
  }
  return value;
}

const hubOptions = (command: Command) =>
  command
    .addOption(
      new Option('--url <url>', 'the hub, e.g. https://hub.example')
        .argParser(parseHubUrl)
        .makeOptionMandatory(),
    )
    .addOption(new Option('--key <key>', 'API key').env('JINGTU_KEY').makeOptionMandatory())
    .addOption(
      new Option('--dataset <name>', 'dataset, e.g. constructionPermit')
        .argParser(parseDataset)
        .makeOptionMandatory(),
    );

const timeoutOption = () =>
  new Option('--timeout <seconds>', 'give up when the hub sends nothing for this long')
    .argParser(parsePositive(86_400))
    .default(600);

/**
 * Commander's own errors (missing option, unknown option, bad value) as one `jingtu:` line and exit code 5;
 * `--help` exits 0.
 */
function asSyncCommand(command: Command, name: string): Command {
  return command
    .showHelpAfterError(false)
    .configureOutput({
      outputError: (text, write) =>
        write(`jingtu: ${text.trim().replace(/^error: /, '')} (see jingtu ${name} --help)\n`),
    })
    .exitOverride((error: CommanderError) => {
      process.exit(error.exitCode === 0 ? EXIT.done : EXIT.badInput);
    });
}

/** Runs a command's work; every failure becomes one `jingtu:` line and an exit code. */
async function run(work: () => Promise<number>): Promise<never> {
  let code: number;
  try {
    code = await work();
  } catch (error) {
    if (error instanceof SyncFailure) {
      process.stderr.write(`jingtu: ${error.message}\n`);
      code = error.exitCode;
    } else if (error instanceof StateError) {
      process.stderr.write(`jingtu: ${error.message}\n`);
      code = EXIT.badInput;
    } else {
      process.stderr.write(`jingtu: ${error instanceof Error ? error.message : String(error)}\n`);
      code = EXIT.other;
    }
  }
  process.exit(code);
}

// --- HTTP --------------------------------------------------------------------------------------------------

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ECONNRESET',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EPIPE',
  'ECONNABORTED',
  'EADDRNOTAVAIL',
]);

class HubTimeout extends Error {
  readonly code = 'ETIMEDOUT';
}

/** A network failure as a SyncFailure: unreachable (4) or other (1, e.g. a TLS certificate problem). */
function networkFailure(error: unknown, url: URL, hint = ''): SyncFailure {
  const code = errnoCode(error);
  const where = `${url.protocol}//${url.host}`;
  if (error instanceof HubTimeout) {
    return new SyncFailure(`hub unreachable at ${where}: ${error.message}${hint}`, EXIT.unreachable);
  }
  if (code && UNREACHABLE.has(code)) {
    const reason =
      code === 'ECONNREFUSED'
        ? 'connection refused'
        : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
          ? `cannot resolve ${url.hostname}`
          : code === 'ECONNRESET' || code === 'EPIPE'
            ? 'connection lost'
            : (error as Error).message;
    return new SyncFailure(`hub unreachable at ${where}: ${reason} (${code})${hint}`, EXIT.unreachable);
  }
  return new SyncFailure(`request to ${where} failed: ${(error as Error).message}${hint}`, EXIT.other);
}

/** `{url}/datasets/{dataset}/…`, keeping a path prefix of the hub URL (a hub behind a proxy). */
function endpoint(base: URL, path: string, query: Record<string, string | undefined>): URL {
  const url = new URL(base.href);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${path}`;
  url.search = '';
  url.hash = '';
  for (const [name, value] of Object.entries(query))
    if (value !== undefined) url.searchParams.set(name, value);
  return url;
}

interface RequestOptions {
  method: 'GET' | 'POST';
  key: string;
  headers?: Record<string, string>;
  /** Idle limit: no byte either way for this long aborts the request. */
  timeoutMs: number;
  /** Sends this stream as the body (chunked). */
  body?: NodeJS.ReadableStream;
}

/**
 * One request to the hub. Resolves with the response (its body unread) as soon as the headers arrive, even
 * while the body is still being sent (a 401 before the upload ends); rejects with a SyncFailure.
 */
function request(
  url: URL,
  options: RequestOptions,
  hint = '',
): Promise<{ response: IncomingMessage; abort: () => void }> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    let settled = false;
    const req = client.request(url, {
      method: options.method,
      timeout: options.timeoutMs,
      headers: {
        authorization: `Bearer ${options.key}`,
        'user-agent': 'jingtu-sync',
        ...options.headers,
      },
    });
    // The hint (the batch may have been applied) only matters once the connection was made.
    let connected = false;
    req.on('socket', (socket) => {
      if (!socket.connecting) connected = true;
      else socket.once('connect', () => (connected = true));
    });
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      req.destroy();
      reject(error instanceof SyncFailure ? error : networkFailure(error, url, connected ? hint : ''));
    };
    req.on('timeout', () =>
      req.destroy(new HubTimeout(`no answer for ${Math.round(options.timeoutMs / 1000)} s (--timeout)`)),
    );
    req.on('error', fail);
    req.on('response', (response) => {
      if (settled) return;
      settled = true;
      resolve({ response, abort: () => req.destroy() });
    });
    if (options.body) {
      pipeline(options.body, req).catch((error) => {
        // A local read error is the file's fault; a write error after the answer came is expected.
        if (!settled && (error as { local?: boolean }).local) {
          settled = true;
          req.destroy();
          reject(error);
        } else fail(error);
      });
    } else req.end();
  });
}

/** Reads a whole (small) response body, with network errors as SyncFailures. */
async function readBody(response: IncomingMessage, url: URL, limit = 16 * 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of response) {
      size += (chunk as Buffer).length;
      if (size > limit)
        throw new SyncFailure(`the hub's answer is larger than ${formatBytes(limit)}`, EXIT.other);
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    if (error instanceof SyncFailure) throw error;
    throw networkFailure(error, url);
  }
  return Buffer.concat(chunks).toString('utf8');
}

interface HubError {
  code?: string;
  message?: string;
}

function parseHubError(text: string): HubError {
  try {
    const body = JSON.parse(text) as { errors?: { message?: string; extensions?: { code?: string } }[] };
    const first = body.errors?.[0];
    if (first) return { code: first.extensions?.code, message: first.message };
  } catch {
    // not the hub's JSON: a proxy's page, say
  }
  return {};
}

/** A non-200 answer as a SyncFailure with the exit code a cron job can act on. */
async function statusFailure(response: IncomingMessage, url: URL, what: string): Promise<SyncFailure> {
  const status = response.statusCode ?? 0;
  const text = await readBody(response, url, 1024 * 1024).catch(() => '');
  const { code, message } = parseHubError(text);
  const said = message
    ? `: ${message}`
    : code
      ? ''
      : `: ${text.split('\n')[0].slice(0, 200) || response.statusMessage}`;
  const head = `${what}: HTTP ${status}${code ? ` ${code}` : ''}${said}`;
  if (status === 401) return new SyncFailure(`${head} (is the key right, and not revoked?)`, EXIT.auth);
  if (status === 403) return new SyncFailure(head, EXIT.auth);
  if (status === 400) return new SyncFailure(head, EXIT.badInput);
  if (status === 404 && code === 'NOT_FOUND') return new SyncFailure(head, EXIT.badInput);
  if (status === 404) return new SyncFailure(`${head} (is --url the Jingtu hub?)`, EXIT.other);
  if (status === 429 || status === 502 || status === 503 || status === 504) {
    return new SyncFailure(head, EXIT.unreachable);
  }
  return new SyncFailure(head, EXIT.other);
}

// --- push ------------------------------------------------------------------------------------------------

type Format = 'ndjson' | 'csv';

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
  mode: 'delta' | 'snapshot';
  batchKey?: string;
  acceptValid?: boolean;
  timeout: number;
}

/** The hub's answer to a batch (the contract of POST /datasets/{name}/batches/{batchKey}). */
export interface PublishResult {
  dataset: string;
  batchKey: string;
  mode: string;
  status: 'APPLIED' | 'REJECTED';
  replayed: boolean;
  received: number;
  accepted: number;
  inserted: number;
  updated: number;
  unchanged: number;
  deleted: number;
  rejectedCount: number;
  rejections: { line: number; field: string | null; reason: string }[];
  note: string | null;
}

const SHOWN_REJECTIONS = 20;

async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
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

function checkKey(key: string) {
  if (!key.trim()) throw new SyncFailure('the key is empty: pass --key or set JINGTU_KEY', EXIT.badInput);
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
    if (!options.batchKey) hash = await fileSha256(options.file);
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
        headers: { 'content-type': CONTENT_TYPES[format] },
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
    const failure = await statusFailure(response, url, `push to ${options.dataset} refused`);
    abort();
    file.destroy();
    throw failure;
  }
  const text = await readBody(response, url);
  let result: PublishResult;
  try {
    result = JSON.parse(text) as PublishResult;
    if (typeof result.received !== 'number' || !Array.isArray(result.rejections)) throw new Error('shape');
  } catch {
    throw new SyncFailure(`unexpected answer from the hub: ${text.slice(0, 200)}`, EXIT.other);
  }

  const rejected = result.status === 'REJECTED';
  const headline = rejected
    ? `rejected ${result.dataset}, nothing applied`
    : `pushed ${result.dataset}${result.replayed ? ' (replayed: applied before, nothing changed now)' : ''}`;
  const counts = [
    `${result.received} received`,
    `${result.inserted} inserted`,
    `${result.updated} updated`,
    `${result.unchanged} unchanged`,
    `${result.deleted} deleted`,
    `${result.rejectedCount} rejected`,
  ].join(', ');
  const note = result.note ? `; ${result.note}` : '';
  process.stdout.write(`${headline}: ${counts} (batch ${result.batchKey})${note}\n`);

  if (hash && counted.digest() !== hash) {
    throw new SyncFailure(
      `${options.file} changed while it was being pushed: the hub has what was sent, under batch key ${batchKey}; ` +
        'write the file completely before pushing it',
      EXIT.other,
    );
  }
  if (result.rejectedCount > 0) {
    for (const rejection of result.rejections.slice(0, SHOWN_REJECTIONS)) {
      const field = rejection.field ? ` ${rejection.field}` : '';
      process.stderr.write(`  line ${rejection.line}${field}: ${rejection.reason}\n`);
    }
    const more = result.rejectedCount - Math.min(result.rejections.length, SHOWN_REJECTIONS);
    if (more > 0) process.stderr.write(`  … and ${more} more\n`);
    throw new SyncFailure(
      rejected
        ? `${result.rejectedCount} rows rejected, nothing applied: fix them, or pass --accept-valid to apply the valid rows`
        : `${result.rejectedCount} rows rejected; the ${result.accepted} valid rows were applied`,
      EXIT.rejectedRows,
    );
  }
  return EXIT.done;
}

// --- pull ------------------------------------------------------------------------------------------------

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

/** `a < b` for change cursors: numerically when both are digits (the hub's), otherwise not checked. */
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
  const url = endpoint(options.url, `/datasets/${encodeURIComponent(options.dataset)}/changes`, {
    after: after ?? undefined,
    limit: String(options.page),
  });
  const { response } = await request(url, {
    method: 'GET',
    key: options.key,
    timeoutMs: options.timeout * 1000,
  });
  if (response.statusCode !== 200)
    throw await statusFailure(response, url, `pull of ${options.dataset} refused`);
  let buffer = '';
  let last = after;
  let end: PageEnd | null = null;
  let upserts = 0;
  let deletes = 0;
  const flush = async () => {
    if (buffer) await out.write(buffer);
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
    throw networkFailure(error, url, '; run the pull again to resume');
  }
  if (!end) {
    throw new SyncFailure(
      `the hub's answer ended before its final line (connection lost?); run the pull again to resume`,
      EXIT.unreachable,
    );
  }
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

// --- commands --------------------------------------------------------------------------------------------

/** `jingtu sync push` and `jingtu sync pull`. */
export function registerSyncCommands(program: Command): void {
  const sync = asSyncCommand(
    program.command('sync').description('push files to datasets and pull their changes, for cron jobs'),
    'sync',
  );

  asSyncCommand(
    hubOptions(sync.command('push').description('publish a file (NDJSON or CSV) to a dataset as one batch')),
    'sync push',
  )
    .addOption(
      new Option(
        '--file <file>',
        'the rows: one JSON object per line, or CSV with a header row',
      ).makeOptionMandatory(),
    )
    .addOption(
      new Option('--format <format>', 'default: from the extension (.ndjson, .jsonl, .csv)').choices([
        'ndjson',
        'csv',
      ]),
    )
    .addOption(
      new Option(
        '--mode <mode>',
        'delta: the rows in the file (and rows with "deleted": true); snapshot: also delete your rows not in it',
      )
        .choices(['delta', 'snapshot'])
        .default('delta'),
    )
    .addOption(
      new Option(
        '--batch-key <key>',
        'idempotency key (default: dataset, mode and SHA-256 of the file)',
      ).argParser(parseBatchKey),
    )
    .option('--accept-valid', 'apply the valid rows even if some are rejected (default: all or nothing)')
    .addOption(timeoutOption())
    .addHelpText('after', PUSH_HELP)
    .action((options: PushOptions) => run(() => push(options)));

  asSyncCommand(
    hubOptions(sync.command('pull').description("append a dataset's changes to a file, resumably")),
    'sync pull',
  )
    .addOption(
      new Option('--state <file>', 'state file (JSON): where the last pull stopped').makeOptionMandatory(),
    )
    .addOption(new Option('--out <file>', 'output file (NDJSON), appended to').makeOptionMandatory())
    .addOption(
      new Option('--page <n>', 'changes per request (1–100000)')
        .argParser(parsePositive(100_000))
        .default(10_000),
    )
    .addOption(timeoutOption())
    .addHelpText('after', PULL_HELP)
    .action((options: PullOptions) => run(() => pull(options)));
}
