import type { ServerOptions } from 'node:http';
import type { Request, RequestHandler } from 'express';

/**
 * Node's limits, for every route:
 * - the request line and headers must arrive within 15 s (slow-header attacks), checked every 5 s;
 * - no bound on a whole request (`requestTimeout` 0): a bulk upload of millions of rows may take longer
 *   than any fixed time, and is authenticated before its body is read; /graphql has its own deadline
 *   (`requestDeadline`);
 * - an idle keep-alive connection is closed after 65 s, not Node's 5 s, and says so (`Keep-Alive: timeout=65`):
 *   a client (fetch keeps sockets 4 s, or a second less than the hint) then closes its side first. With 5 s,
 *   a client whose event loop was busy for seconds sent its next request on a socket the hub was closing
 *   at that moment, and got ECONNRESET (seen in the bulk export test on a loaded machine). Load balancers'
 *   idle timeouts (60 s) are shorter too.
 */
export const SERVER_OPTIONS: ServerOptions = {
  headersTimeout: 15_000,
  keepAliveTimeout: 65_000,
  requestTimeout: 0,
  connectionsCheckingInterval: 5_000,
};

/** A socket that carries nothing either way for this long is closed (`jingtu sync --timeout` default). */
export const IDLE_SOCKET_TIMEOUT_MS = 600_000;

/**
 * Who answers a /graphql request: the request itself, or its deadline with TIMEOUT, whichever comes first.
 * The audit record of the answer is written before it is sent, so it claims the answer first
 * (`claimAnswer`): if the deadline had passed, the client got TIMEOUT and the record says so; otherwise the
 * deadline no longer answers, and the answer leaves once its record is committed (at most
 * COMMIT_GRACE_MS past the deadline: then the client gets TIMEOUT after all, and the log says so).
 */
export class RequestDeadline {
  private state: 'running' | 'passed' | 'answering' = 'running';

  /** For the request's answer, right before its audit record is written: false when TIMEOUT was sent. */
  claimAnswer(): boolean {
    if (this.state === 'passed') return false;
    this.state = 'answering';
    return true;
  }

  /** The deadline: true when the client gets TIMEOUT, false when the answer is being accounted for. */
  pass(): boolean {
    if (this.state === 'answering') return false;
    this.state = 'passed';
    return true;
  }

  /** The audit outcome of an answer: its own, or TIMEOUT when the client got the deadline's. */
  outcome(own: string): string {
    return this.claimAnswer() ? own : 'TIMEOUT';
  }
}

/** How long past its deadline an answer waits for its audit record's commit before TIMEOUT is sent. */
export const COMMIT_GRACE_MS = 1_000;

const deadlines = new WeakMap<object, RequestDeadline>();

/** The deadline of a /graphql request (undefined outside requestDeadline). */
export function deadlineOf(req: Request): RequestDeadline | undefined {
  return deadlines.get(req);
}

/**
 * A /graphql request must arrive and be answered within `timeoutMs`. Past it the client gets 408 (its body
 * had not all arrived) or 503 (the hub was still working), `TIMEOUT`, and the connection is closed; work
 * still under way ends by itself (each statement is bounded by the statement timeout), its answer dropped
 * and its audit record's outcome TIMEOUT (RequestDeadline).
 */
export function requestDeadline(timeoutMs: number): RequestHandler {
  const seconds = Math.round(timeoutMs / 100) / 10;
  return (req, res, next) => {
    const deadline = new RequestDeadline();
    deadlines.set(req, deadline);
    const timeOut = () => {
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
    };
    let timer = setTimeout(() => {
      if (deadline.pass()) return timeOut();
      timer = setTimeout(() => {
        if (res.headersSent) return;
        req.log.error(
          { timeoutMs, graceMs: COMMIT_GRACE_MS },
          'answer still waiting for its audit record past the deadline: TIMEOUT sent, the record names the answer',
        );
        timeOut();
      }, COMMIT_GRACE_MS);
    }, timeoutMs);
    res.once('close', () => clearTimeout(timer));
    next();
  };
}
