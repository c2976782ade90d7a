/**
 * Whether an error means the database could not be reached or went away mid-statement (a restart, a cut
 * connection, a server shutting down), rather than a fault of the request or of the hub. Such a request
 * may simply be sent again: the hub answers it as unavailable (HTTP 503), never as an internal error.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  // postgres.js connection errors, and the socket's own
  if (DRIVER_CODES.has(code)) return true;
  // SQLSTATE class 08 (connection exception); 57P01–57P03 (admin or crash shutdown, cannot connect now)
  return code.startsWith('08') || /^57P0[1-3]$/.test(code);
}

const DRIVER_CODES = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
]);
