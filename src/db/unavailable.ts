/**
 * Whether an error means the database could not be reached or went away mid-statement (a restart, a cut
 * connection, a server shutting down), rather than a fault of the request or of the hub. Such a request
 * may simply be sent again: the hub answers it as unavailable (HTTP 503), never as an internal error.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  // drizzle wraps the driver's error ("Failed query: …") with the driver's as its cause
  for (let cause = error, depth = 0; cause && depth < 5; depth++) {
    const code = (cause as { code?: unknown }).code;
    // postgres.js connection errors and the socket's own; SQLSTATE class 08 (connection exception) and
    // 57P01–57P03 (admin or crash shutdown, cannot connect now)
    if (
      typeof code === 'string' &&
      (DRIVER_CODES.has(code) || code.startsWith('08') || /^57P0[1-3]$/.test(code))
    )
      return true;
    cause = (cause as { cause?: unknown }).cause;
  }
  return false;
}

const DRIVER_CODES = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  // the hub's own, while its connection breaker is open (src/db/failFast.ts)
  'DATABASE_DOWN',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
]);
