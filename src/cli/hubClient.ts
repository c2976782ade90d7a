import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { pipeline } from 'node:stream/promises';
import { formatBytes } from './progress.js';

/**
 * `jingtu sync`'s HTTP client of the hub: one request, its answer, and every way it can fail as a
 * SyncFailure with the exit code a cron job acts on.
 */

/** Exit codes of `jingtu sync`, for cron jobs to act on. */
export const EXIT = {
  done: 0,
  other: 1,
  rejectedRows: 2,
  auth: 3,
  tryAgain: 4,
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

export function checkKey(key: string) {
  if (!key.trim()) throw new SyncFailure('the key is empty: pass --key or set JINGTU_KEY', EXIT.badInput);
}

const errnoCode = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code;

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
export function networkFailure(error: unknown, url: URL, hint = ''): SyncFailure {
  const code = errnoCode(error);
  const where = `${url.protocol}//${url.host}`;
  if (error instanceof HubTimeout) {
    return new SyncFailure(`hub unreachable at ${where}: ${error.message}${hint}`, EXIT.tryAgain);
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
    return new SyncFailure(`hub unreachable at ${where}: ${reason} (${code})${hint}`, EXIT.tryAgain);
  }
  return new SyncFailure(`request to ${where} failed: ${(error as Error).message}${hint}`, EXIT.other);
}

/** `{url}/datasets/{dataset}/…`, keeping a path prefix of the hub URL (a hub behind a proxy). */
export function endpoint(base: URL, path: string, query: Record<string, string | undefined>): URL {
  const url = new URL(base.href);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${path}`;
  url.search = '';
  url.hash = '';
  for (const [name, value] of Object.entries(query))
    if (value !== undefined) url.searchParams.set(name, value);
  return url;
}

export interface RequestOptions {
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
 * while the body is still being sent (a 401, or a replayed batch, before the upload ends); rejects with a
 * SyncFailure. `abort` ends the request, and the upload with it; `timedOut` says whether the idle limit
 * ended it (the response then fails as any cut connection does).
 */
export function request(
  url: URL,
  options: RequestOptions,
  hint = '',
): Promise<{ response: IncomingMessage; abort: () => void; timedOut: () => boolean }> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    let settled = false;
    let timedOut = false;
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
    req.on('timeout', () => {
      timedOut = true;
      req.destroy(new HubTimeout(`no answer for ${Math.round(options.timeoutMs / 1000)} s (--timeout)`));
    });
    req.on('error', fail);
    req.on('response', (response) => {
      if (settled) return;
      settled = true;
      resolve({ response, abort: () => req.destroy(), timedOut: () => timedOut });
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
export async function readBody(
  response: IncomingMessage,
  url: URL,
  limit = 16 * 1024 * 1024,
): Promise<string> {
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

/**
 * A non-200 answer as a SyncFailure with the exit code a cron job can act on, saying what the hub (or a
 * proxy) answered: `{action} refused: HTTP 403 FORBIDDEN: …` for the caller's fault, `{action} failed:
 * HTTP 503 SERVICE_UNAVAILABLE: …` for the hub's.
 */
export async function statusFailure(
  response: IncomingMessage,
  url: URL,
  action: string,
): Promise<SyncFailure> {
  const status = response.statusCode ?? 0;
  const text = await readBody(response, url, 1024 * 1024).catch(() => '');
  const { code, message } = parseHubError(text);
  const said = message
    ? `: ${message}`
    : code
      ? ''
      : `: ${text.split('\n')[0].slice(0, 200) || response.statusMessage}`;
  const head = `${action} ${status >= 500 ? 'failed' : 'refused'}: HTTP ${status}${code ? ` ${code}` : ''}${said}`;
  if (status === 401) return new SyncFailure(`${head} (is the key right, and not revoked?)`, EXIT.auth);
  if (status === 403) return new SyncFailure(head, EXIT.auth);
  if (status === 400 || status === 413 || status === 415) return new SyncFailure(head, EXIT.badInput);
  if (status === 404 && code === 'NOT_FOUND') return new SyncFailure(head, EXIT.badInput);
  if (status === 404) return new SyncFailure(`${head} (is --url the Jingtu hub?)`, EXIT.other);
  if (status === 429 || status === 502 || status === 503 || status === 504) {
    return new SyncFailure(head, EXIT.tryAgain);
  }
  return new SyncFailure(head, EXIT.other);
}
