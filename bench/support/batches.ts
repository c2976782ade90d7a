/** Publishing through the bulk endpoint (`POST /datasets/:dataset/batches/:batchKey`, NDJSON), as a client. */
import { createReadStream } from 'node:fs';
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';

/** The hub's answer, or status 0 and why there was none (the connection's error code, or `closed`). */
export interface BatchAnswer {
  status: number;
  text: string;
  ms: number;
}

export interface BatchBody {
  /** The bytes, or an NDJSON file streamed from disk (`bytes` long). */
  data: Buffer | { file: string; bytes: number };
  gzip?: boolean;
  /** Sends the bytes without ending the body (chunked): the upload stalls until `abandon()`. */
  stall?: boolean;
}

/** Sends a batch on a connection of its own; `abandon()` cuts it. */
export function sendBatch(
  base: string,
  key: string,
  dataset: string,
  batchKey: string,
  body: BatchBody,
): { answer: Promise<BatchAnswer>; abandon(): void } {
  const started = performance.now();
  const { data } = body;
  const length = Buffer.isBuffer(data) ? data.length : data.bytes;
  const req = request(`${base}/datasets/${dataset}/batches/${encodeURIComponent(batchKey)}`, {
    method: 'POST',
    agent: false,
    headers: {
      authorization: `Bearer ${key}`,
      'content-type': 'application/x-ndjson',
      ...(body.gzip ? { 'content-encoding': 'gzip' } : {}),
      ...(body.stall ? {} : { 'content-length': String(length) }),
    },
  });
  const answer = new Promise<BatchAnswer>((resolve) => {
    const done = (status: number, text: string) => resolve({ status, text, ms: performance.now() - started });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => done(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8')));
      res.on('error', () => done(res.statusCode ?? 0, 'response cut'));
    });
    req.on('error', (error) => done(0, (error as NodeJS.ErrnoException).code ?? 'error'));
    req.on('close', () => done(0, 'closed'));
  });
  if (Buffer.isBuffer(data)) {
    if (body.stall) req.write(data);
    else req.end(data);
  } else {
    // An early answer (an error before the body is read) ends the upload; the answer tells why.
    pipeline(createReadStream(data.file), req).catch(() => {});
  }
  return { answer, abandon: () => req.destroy() };
}
