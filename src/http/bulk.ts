import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createInflate } from 'node:zlib';
import { type Request, type Response, Router } from 'express';
import { assertPublish } from '../access/actions.js';
import { datasetFieldsRead } from '../audit/reads.js';
import type { FieldRead } from '../audit/trail.js';
import type { AuditSink } from '../audit/writer.js';
import type { Dataset } from '../catalog/define.js';
import { datasetByName } from '../catalog/registry.js';
import { DEFAULT_LIMITS } from '../config.js';
import type { Context } from '../context.js';
import { badInput, userError } from '../errors.js';
import {
  changeStream,
  DEFAULT_CHANGES_LIMIT,
  EXPORT_FORMATS,
  type ExportFormat,
  exportDataset,
} from '../sync/export.js';
import { type PublishMode, publishBatch } from '../sync/ingest.js';
import { csvRecords, decodeText, ndjsonRecords, type ParsedBatch, supportedCharset } from '../sync/parse.js';
import { limitPublishes, takePublishSlot } from '../sync/publishSlots.js';
import type { HubDependencies } from './dependencies.js';
import type { Edge } from './edge.js';
import { sendError } from './errors.js';
import { REFUSAL_LINGER_MS, UploadGuard, uploadTooLarge, uploadTooSlow } from './uploadLimits.js';

/**
 * The streaming bulk API, beside /graphql, for batches and datasets too large for one GraphQL response:
 *
 *   POST /datasets/:name/batches/:batchKey?mode=delta|snapshot&atomic=true|false   NDJSON or CSV body
 *   GET  /datasets/:name/export?format=ndjson|csv|geojson[&bom=true]
 *   GET  /datasets/:name/changes?after=CURSOR&limit=N                              NDJSON
 *
 * Every request carries `Authorization: Bearer <key>` and is admitted by the same edge as /graphql
 * (src/http/edge.ts). Errors are JSON in the GraphQL shape with the HTTP status of their code
 * (src/http/errors.ts).
 * Bodies stream both ways: an upload is parsed and staged as it arrives, an export is read with a cursor
 * and written as the client takes it (backpressure through `stream.pipeline`).
 */

const NDJSON_TYPES = new Set([
  'application/x-ndjson',
  'application/ndjson',
  'application/jsonl',
  'application/x-jsonlines',
]);

function datasetNamed(name: string): Dataset {
  const dataset = datasetByName(name);
  if (!dataset) {
    throw userError('NOT_FOUND', `unknown dataset ${JSON.stringify(name)}; see the catalogue for the names`);
  }
  return dataset;
}

/** One query parameter as text (undefined when absent); repeated parameters are refused. */
export function param(req: Request, name: string): string | undefined {
  const value = req.query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw badInput(`query parameter ${name} must be given once, as text`);
  return value;
}

function choice<T extends string>(req: Request, name: string, values: readonly T[], fallback: T): T {
  const value = param(req, name)?.toLowerCase();
  if (value === undefined || value === '') return fallback;
  if (!values.includes(value as T)) {
    throw badInput(`${name} must be one of ${values.join(', ')} (got ${JSON.stringify(value)})`);
  }
  return value as T;
}

/** The body's format and charset from its Content-Type; anything else is 415. */
function bodyFormat(req: Request): { format: 'ndjson' | 'csv'; charset: string } {
  const [type = '', ...parameters] = (req.headers['content-type'] ?? '').split(';');
  const media = type.trim().toLowerCase();
  const format = NDJSON_TYPES.has(media) ? 'ndjson' : media === 'text/csv' ? 'csv' : undefined;
  if (!format) {
    throw userError(
      'BAD_USER_INPUT',
      `unsupported Content-Type ${JSON.stringify(media)}: send application/x-ndjson (one JSON object per line) or text/csv`,
      { http: { status: 415 } },
    );
  }
  const charset =
    parameters
      .map((p) => p.trim().match(/^charset\s*=\s*"?([^"]+)"?$/i)?.[1])
      .find(Boolean)
      ?.toLowerCase() ?? 'utf-8';
  if (!supportedCharset(charset)) {
    throw userError(
      'BAD_USER_INPUT',
      `unsupported charset ${JSON.stringify(charset)}: send utf-8 or gb18030`,
      {
        http: { status: 415 },
      },
    );
  }
  return { format, charset };
}

/** Thrown by the body of a request whose client went away before sending all of it. */
class UploadAborted extends Error {
  constructor() {
    super('the upload was aborted before the end of the body');
  }
}

/**
 * The request body, chunk by chunk as it arrives, with backpressure (the socket is paused while a chunk
 * waits to be read). It is read only when the consumer asks (a replayed batch never reads it), and a body
 * that ends before it is complete throws `UploadAborted`, so nothing is applied. The guard counts the bytes
 * and the time spent waiting for them: a body that stops or trickles throws `uploadTooSlow` when its
 * patience runs out, one larger than the limit `uploadTooLarge` (src/http/uploadLimits.ts).
 * `release()` stops reading for good: whatever is left of the body is read and dropped (`dropRestOfBody`).
 */
function bodyReader(req: Request, guard: UploadGuard) {
  let released = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };
  async function* chunks(): AsyncGenerator<Buffer> {
    const queue: Buffer[] = [];
    let ended = false;
    let failure: unknown;
    const onData = (chunk: Buffer) => {
      if (released) return;
      queue.push(chunk);
      req.pause();
      notify();
    };
    const onEnd = () => {
      ended = true;
      notify();
    };
    const onClose = () => {
      if (!req.complete) failure ??= new UploadAborted();
      notify();
    };
    const onError = (error: unknown) => {
      failure ??= error;
      notify();
    };
    req.on('data', onData).on('end', onEnd).on('close', onClose).on('error', onError);
    try {
      for (;;) {
        if (released) return;
        const chunk = queue.shift();
        if (chunk) {
          guard.arrived(chunk.length);
          yield chunk;
          continue;
        }
        if (failure) throw failure;
        if (ended) return;
        if (req.destroyed && !req.complete) throw new UploadAborted();
        const waiting = new Promise<void>((resolve) => {
          wake = resolve;
        });
        // Only here does the hub wait for the client: the time counts against the upload's pace.
        const patience = guard.patience();
        const timer = setTimeout(() => {
          failure ??= uploadTooSlow(guard.limits, patience.idle);
          notify();
        }, patience.ms);
        const since = performance.now();
        req.resume();
        await waiting;
        clearTimeout(timer);
        guard.wait(performance.now() - since);
      }
    } finally {
      req.off('data', onData).off('end', onEnd).off('close', onClose).off('error', onError);
    }
  }
  return {
    chunks,
    release() {
      released = true;
      notify();
      dropRestOfBody(req);
    },
  };
}

/**
 * What is left of a body the hub will not use is read and dropped, so the connection can serve its next
 * request, for at most REFUSAL_LINGER_MS: then the connection is closed. Closing at once would reset it
 * under a client still sending, which often loses the answer it has not read yet (a 413 for its bomb); and
 * draining without end would let a refused client trickle forever.
 */
function dropRestOfBody(req: Request) {
  if (req.complete || req.destroyed) return;
  req.resume();
  const timer = setTimeout(() => req.socket.destroy(), REFUSAL_LINGER_MS);
  req.once('end', () => clearTimeout(timer)).once('close', () => clearTimeout(timer));
}

/**
 * The body's bytes, inflated when it is sent gzip- or deflate-compressed, within the guard's size and
 * expansion limits.
 */
function bodyBytes(
  req: Request,
  chunks: AsyncIterable<Buffer>,
  guard: UploadGuard,
): AsyncIterable<Uint8Array> {
  const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity' || encoding === '') return guard.inflated(chunks);
  if (!['gzip', 'x-gzip', 'deflate'].includes(encoding)) {
    throw userError('BAD_USER_INPUT', `unsupported Content-Encoding ${JSON.stringify(encoding)}: use gzip`, {
      http: { status: 415 },
    });
  }
  const inflate = encoding === 'deflate' ? createInflate() : createGunzip();
  // An aborted upload reaches the reader as the inflater's error.
  pipeline(Readable.from(chunks), inflate).catch(() => {});
  const inflated = (async function* inflated() {
    try {
      yield* inflate;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'string' && code.startsWith('Z_')) {
        throw badInput(`the body is not valid ${encoding} data`);
      }
      throw error;
    }
  })();
  return guard.inflated(inflated, () => inflate.bytesWritten);
}

/** Sends an error's answer (src/http/errors.ts) and returns its code; nothing when the client went away. */
function fail(req: Request, res: Response, error: unknown): string | undefined {
  if (res.headersSent || res.destroyed || (req.destroyed && !req.complete)) {
    // The client went away (an aborted upload rolls back) or the response had begun: nothing to send.
    req.log.info({ err: error }, 'bulk request ended early');
    if (!res.writableEnded) res.destroy();
    return undefined;
  }
  return sendError(req, res, error).extensions.code;
}

/**
 * Streams text chunks as the response body. The first chunk is produced before the status is sent, so
 * an error in the query is still a proper JSON error; after that, an error cuts the response short (the
 * chunked body has no proper end, so a client sees it failed) and is logged.
 */
export async function streamOut(
  req: Request,
  res: Response,
  chunks: AsyncGenerator<string>,
  headers: Record<string, string>,
) {
  if (req.method === 'HEAD') {
    res.status(200).set(headers).end();
    return;
  }
  const first = await chunks.next();
  res.status(200).set(headers);
  async function* all() {
    if (first.done) return;
    yield first.value;
    yield* chunks;
  }
  try {
    await pipeline(Readable.from(all(), { highWaterMark: 1 }), res);
  } catch (error) {
    if (req.destroyed || res.destroyed)
      req.log.info({ err: error }, 'client left before the end of the stream');
    else req.log.error({ err: error }, 'stream failed part-way; response cut short');
  }
}

type Handler = (req: Request, res: Response, ctx: Context, dataset: Dataset) => Promise<void>;

/**
 * A streaming route: admits the request at the edge (a refusal is audited there), runs the handler, and
 * writes the transfer's audit record at its end, whatever the end (done, failed, or the client gone): the
 * rows sent, the fields they carried (what `handler` returns, once it knows), the error by its code as
 * /graphql's records count them.
 */
export function auditedRoute(
  audit: AuditSink,
  edge: Edge,
  event: string,
  handler: (
    req: Request<Record<string, string>>,
    res: Response,
    ctx: Context,
    reads: FieldRead[],
  ) => Promise<void>,
) {
  return async (req: Request<Record<string, string>>, res: Response): Promise<void> => {
    const asking = { event, operationName: `${req.method} ${req.path}` };
    const { context: ctx, refusal } = await edge.admit(req, asking);
    if (refusal) {
      fail(req, res, refusal.error);
      return;
    }
    let outcome = 'OK';
    const reads: FieldRead[] = [];
    const errors: Record<string, number> = {};
    try {
      await handler(req, res, ctx, reads);
      if (res.destroyed && !res.writableFinished) outcome = 'CUT_SHORT';
    } catch (error) {
      const code = fail(req, res, error);
      if (code) errors[code] = 1;
      outcome = 'FAILED';
    }
    await audit.write({
      ...asking,
      principal: ctx.principal.code,
      keyId: ctx.principal.keyId,
      requestId: String(req.id),
      documentHash: null,
      outcome,
      detail: ctx.audit.detail(reads, errors),
    });
  };
}

export function bulkRouter(deps: HubDependencies, audit: AuditSink, edge: Edge): Router {
  const router = Router();
  const { upload: uploadLimits, publishes } = deps.limits ?? DEFAULT_LIMITS;
  limitPublishes(deps.db, publishes);
  /** A bulk route of a dataset (`:name`), audited (`auditedRoute`) with the dataset's fields it reads. */
  const route = (transfer: 'PUBLISH' | 'EXPORT' | 'CHANGES', handler: Handler) =>
    auditedRoute(audit, edge, `BULK_${transfer}`, async (req, res, ctx, reads) => {
      const dataset = datasetNamed(req.params.name);
      if (transfer !== 'PUBLISH') reads.push(...datasetFieldsRead(dataset, ctx.access));
      await handler(req, res, ctx, dataset);
    });

  /**
   * Publishes a batch from an NDJSON or CSV body (see src/sync/parse.ts and src/sync/ingest.ts): 200 with
   * the PublishResult (APPLIED or REJECTED, `replayed` for a batch key seen before). The publish takes one
   * of the process's publish slots (503 with Retry-After when none is free) and its body is read within
   * the upload limits (413 too large, 408 too slow; src/http/uploadLimits.ts). If the upload breaks off or
   * is refused, nothing is applied.
   */
  router.post(
    '/datasets/:name/batches/:batchKey',
    route('PUBLISH', async (req, res, ctx, dataset) => {
      const mode = choice(req, 'mode', ['delta', 'snapshot'], 'delta').toUpperCase() as PublishMode;
      const atomic = choice(req, 'atomic', ['true', 'false'], 'true') === 'true';
      // Refused before the body is read or a publish slot taken; publishBatch asserts it again.
      assertPublish(ctx.principal, dataset);
      const { format, charset } = bodyFormat(req);
      const guard = new UploadGuard(uploadLimits);
      // A declared length over the limit is refused before a byte is read (compressed or not: see arrived()).
      if (Number(req.headers['content-length']) > uploadLimits.maxBytes) throw uploadTooLarge(uploadLimits);
      let releaseSlot: () => void;
      try {
        releaseSlot = takePublishSlot(deps.db);
      } catch (busy) {
        dropRestOfBody(req);
        throw busy;
      }
      const body = bodyReader(req, guard);
      try {
        const text = decodeText(bodyBytes(req, body.chunks(), guard), charset);
        const parsed: ParsedBatch = format === 'csv' ? await csvRecords(text, dataset) : ndjsonRecords(text);
        const result = await publishBatch(
          deps.db,
          ctx,
          dataset,
          { batchKey: String(req.params.batchKey), mode, atomic },
          parsed.records,
        );
        res.status(200).json(result);
      } finally {
        releaseSlot();
        body.release();
      }
    }),
  );

  /** The whole dataset as NDJSON, CSV or GeoJSON, as the caller may read it (src/sync/export.ts). */
  router.get(
    '/datasets/:name/export',
    route('EXPORT', async (req, res, ctx, dataset) => {
      const format = choice<ExportFormat>(req, 'format', ['ndjson', 'csv', 'geojson'], 'ndjson');
      const bom = choice(req, 'bom', ['true', 'false'], 'false') === 'true';
      const { contentType, extension } = EXPORT_FORMATS[format];
      await streamOut(req, res, exportDataset(ctx.records, dataset, format, { bom }), {
        'content-type': contentType,
        'content-disposition': `attachment; filename=${dataset.name}.${extension}`,
        'cache-control': 'no-store',
      });
    }),
  );

  /** The change feed after a cursor, as NDJSON ending with {"endCursor":…,"hasMore":…}. */
  router.get(
    '/datasets/:name/changes',
    route('CHANGES', async (req, res, ctx, dataset) => {
      const limitText = param(req, 'limit');
      if (limitText !== undefined && !/^\d{1,7}$/.test(limitText)) {
        throw badInput(`limit must be a whole number (got ${JSON.stringify(limitText)})`);
      }
      const limit = limitText === undefined ? DEFAULT_CHANGES_LIMIT : Number(limitText);
      await streamOut(req, res, changeStream(ctx.records, dataset, param(req, 'after'), limit), {
        'content-type': EXPORT_FORMATS.ndjson.contentType,
        'cache-control': 'no-store',
      });
    }),
  );

  return router;
}
