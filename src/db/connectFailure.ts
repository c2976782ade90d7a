import { StartupError } from '../startupError.js';

/** A connection URL as it may be shown: without its password or query parameters (which may carry one). */
export function shownUrl(url: string): string {
  try {
    const shown = new URL(url);
    shown.password = '';
    shown.search = '';
    return shown.href;
  } catch {
    return 'the configured DATABASE_URL';
  }
}

/** Network failures of the connection itself, for a person: what happened, and what to check. */
const NETWORK: Readonly<Record<string, [string, string?]>> = {
  ECONNREFUSED: ['connection refused', 'is the server running, on that host and port?'],
  CONNECT_TIMEOUT: ['no answer within {timeout} s', 'a firewall, or the wrong host?'],
  ETIMEDOUT: ['no answer within {timeout} s', 'a firewall, or the wrong host?'],
  EHOSTUNREACH: ['no route to the host'],
  ENETUNREACH: ['no route to the host'],
  ECONNRESET: ['the server closed the connection'],
  CONNECTION_CLOSED: ['the server closed the connection'],
  CONNECTION_ENDED: ['the server closed the connection'],
};

/**
 * SQLSTATEs of a server that answered but would not let us in: the server's own message says the rest
 * (which user, which database).
 */
const REFUSALS = new Set(['28P01', '28000', '3D000', '53300', '57P03']);

/**
 * The failure to open a first connection to the database, as one line naming the server (never its
 * password) and the reason; undefined for an error that is not about connecting.
 */
export function connectFailure(
  error: unknown,
  url: string,
  timeoutSeconds: number,
): StartupError | undefined {
  const { code, message } = error as { code?: unknown; message?: string };
  if (typeof code !== 'string') return undefined;
  let reason: string | undefined;
  let hint: string | undefined;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    reason = `cannot resolve the host name ${URL.parse(url)?.hostname ?? ''}`;
  } else if (NETWORK[code]) {
    [reason, hint] = NETWORK[code];
    reason = reason.replace('{timeout}', String(timeoutSeconds));
  } else if (REFUSALS.has(code) && message) {
    reason = message;
  }
  if (!reason) return undefined;
  return new StartupError(
    `cannot connect to the database ${shownUrl(url)}: ${reason} (${code})${hint ? `: ${hint}` : ''}`,
  );
}
