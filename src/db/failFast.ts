import { type Socket, connect as tcpConnect } from 'node:net';
import { Duplex } from 'node:stream';
import CircuitBreaker from 'opossum';

/**
 * After a connection attempt fails, how long every query fails at once before one attempt is made again:
 * the hub is back this long after the database at most (README, "Database outages").
 */
export const RETRY_DATABASE_MS = 100;

/** A TCP connection to the database that is not made in this time counts as a failed attempt. */
export const CONNECT_TIMEOUT_MS = 5_000;

/**
 * Seconds between a connection's failed attempt and its next (postgres.js `backoff`): short and capped at
 * 1 s, so that requests after an outage do not wait for a database that is back.
 */
export const reconnectBackoff = (retries: number): number => Math.min(0.05 * 2 ** retries, 1);

/** What every query gets while the breaker is open: an error isDatabaseUnavailable knows. */
export class DatabaseDownError extends Error {
  readonly code = 'DATABASE_DOWN';
}

/** The parts of postgres.js's parsed options a connection is made from. */
interface Address {
  host: string[];
  port: number[];
  path?: string | false;
}

/**
 * Fail fast while the database is down (postgres.js `socket` option): every TCP connection goes through a
 * circuit breaker (opossum), so that queries queued or sent during an outage fail at once with
 * DatabaseDownError instead of draining at the pool's backoff rate until the request deadline. One attempt
 * goes through RETRY_DATABASE_MS after it opened; a success closes it.
 */
export class ConnectBreaker {
  private readonly breaker: CircuitBreaker<[Address], Socket>;
  private lastFailure: Error | undefined;

  constructor(private readonly retryMs = RETRY_DATABASE_MS) {
    this.breaker = new CircuitBreaker((address: Address) => connectSocket(address), {
      // One failed attempt is enough: a server that refuses TCP connections is not there.
      errorThresholdPercentage: 0,
      volumeThreshold: 0,
      resetTimeout: retryMs,
      // connectSocket bounds the attempt itself (and closes its socket)
      timeout: false,
      rollingPercentilesEnabled: false,
      enableSnapshots: false,
      name: 'database',
    });
    this.breaker.on('failure', (error: Error) => {
      this.lastFailure = error;
    });
  }

  /** Whether queries may run: false from a failed attempt until an attempt connects again. */
  get closed(): boolean {
    return this.breaker.closed;
  }

  /** postgres.js `socket` option: a connected socket, or one that fails at once while the breaker is open. */
  readonly socket = async (address: Address): Promise<Socket | Duplex> => {
    try {
      return await this.breaker.fire(address);
    } catch (error) {
      const open = (error as { code?: unknown }).code === 'EOPENBREAKER';
      const reason = open
        ? new DatabaseDownError(
            `database unreachable: the last connection attempt failed (${this.lastFailure?.message ?? 'unknown'}); next attempt within ${this.retryMs} ms`,
          )
        : (error as Error);
      return failedSocket(reason);
    }
  };

  /**
   * postgres.js `backoff` option, in seconds. While the breaker is open, none: each retry fails at once and
   * costs nothing. Otherwise reconnectBackoff (the server accepts connections but refuses sessions: it is
   * starting up or shutting down).
   */
  readonly backoff = (retries: number): number => (this.breaker.closed ? reconnectBackoff(retries) : 0);

  shutdown(): void {
    this.breaker.shutdown();
  }
}

/** A TCP (or Unix socket) connection to the server, resolved once connected. */
function connectSocket({ host, port, path }: Address): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = path ? tcpConnect(path) : tcpConnect(port[0], host[0]);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        Object.assign(new Error(`connect timeout (${CONNECT_TIMEOUT_MS} ms)`), { code: 'CONNECT_TIMEOUT' }),
      );
    }, CONNECT_TIMEOUT_MS);
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
  });
}

/**
 * A socket-like stream that fails with `reason` once postgres.js has used it as it uses any new socket: it
 * attaches its handlers and writes the startup message (flushed on the next turn of the event loop) right
 * after the `socket` option's promise resolves. The query it was opened for is rejected with `reason`, and
 * the connection closes and retries as after any failed attempt. Not a net.Socket: writing to one that never
 * connected fails with ERR_SOCKET_CLOSED instead, and not a rejected promise: that would leave the
 * connection in postgres.js's `connecting` queue for good.
 */
function failedSocket(reason: Error): Duplex {
  const socket = new Duplex({
    read() {},
    write(_chunk, _encoding, done) {
      done();
    },
  });
  // two turns: postgres.js's flush of the startup message is scheduled in the first, after this
  setImmediate(() => setImmediate(() => socket.destroy(reason)));
  return socket;
}
