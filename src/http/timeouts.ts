import type { ServerOptions } from 'node:http';
import type { RequestHandler } from 'express';

/**
 * Node's limits, for every route:
 * - the request line and headers must arrive within 15 s (slow-header attacks), checked every 5 s;
 * - no bound on a whole request (`requestTimeout` 0): a bulk upload of millions of rows may take longer
 *   than any fixed time, and is authenticated before its body is read; /graphql has its own deadline
 *   (`requestDeadline`).
 */
export const SERVER_OPTIONS: ServerOptions = {
  headersTimeout: 15_000,
  requestTimeout: 0,
  connectionsCheckingInterval: 5_000,
};

/** A socket that carries nothing either way for this long is closed (`jingtu sync --timeout` default). */
export const IDLE_SOCKET_TIMEOUT_MS = 600_000;

/**
 * A /graphql request must arrive and be answered within `timeoutMs`. Past it the client gets 408 (its body
 * had not all arrived) or 503 (the hub was still working), `TIMEOUT`, and the connection is closed; work
 * still under way ends by itself (each statement is bounded by the statement timeout), its answer dropped.
 */
export function requestDeadline(timeoutMs: number): RequestHandler {
  const seconds = Math.round(timeoutMs / 100) / 10;
  return (req, res, next) => {
    const timer = setTimeout(() => {
      if (res.headersSent) return;
      const arrived = req.complete;
      req.log.warn({ timeoutMs, arrived }, 'request deadline passed');
      res
        .status(arrived ? 503 : 408)
        .set('connection', 'close')
        .json({
          errors: [
            {
              message: arrived
                ? `请求未能在 ${seconds} 秒内完成：请缩小筛选范围或减少每页条数 / The request could not be answered within ${seconds} s: narrow the filter or ask for smaller pages`
                : `请求未在 ${seconds} 秒内送达 / The request did not arrive within ${seconds} s`,
              extensions: { code: 'TIMEOUT', requestId: String(req.id) },
            },
          ],
        });
    }, timeoutMs);
    res.once('close', () => clearTimeout(timer));
    next();
  };
}
