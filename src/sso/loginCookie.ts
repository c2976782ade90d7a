/**
 * A sign-in under way, between /auth/login and /auth/callback: the PKCE verifier, the state and nonce, and
 * the page to return to. It is kept in the browser (an HttpOnly cookie limited to /auth), not in a process's
 * memory, so that the identity provider's redirect may land on any hub process behind a load balancer.
 *
 * It needs no signature: it carries nothing the hub trusts on its own. The state and the nonce are only
 * compared with what comes back from the identity provider, and the verifier is checked by the provider's
 * token endpoint, so a forged cookie can at most fail its own sign-in; and only the hub's origin can set it.
 */

export const LOGIN_COOKIE = 'jingtu_sso_login';
/** How long a sign-in may take, from the redirect to the provider to the callback. */
export const LOGIN_SECONDS = 10 * 60;
/** Longest cookie header read at all, and longest value of this cookie (its own is about 250 characters). */
const MAX_COOKIE_HEADER = 8192;
const MAX_COOKIE_VALUE = 1024;

export interface PendingLogin {
  /** PKCE code verifier. */
  verifier: string;
  state: string;
  nonce: string;
  /** The hub's page to return to (src/sso/returnPath.ts). */
  returnTo: string;
  /** When the sign-in began, in milliseconds since the epoch. */
  startedAt: number;
}

/** The cookie's value. */
export function encodeLogin(login: PendingLogin): string {
  return Buffer.from(JSON.stringify(login)).toString('base64url');
}

const RANDOM = /^[\w-]{16,128}$/;

/** The sign-in under way in a request's cookies, or undefined (none, malformed, or older than LOGIN_SECONDS). */
export function pendingLogin(cookieHeader: string | undefined, now = Date.now()): PendingLogin | undefined {
  if (!cookieHeader || cookieHeader.length > MAX_COOKIE_HEADER) return undefined;
  const value = cookieHeader
    .split(';')
    .map((part) => part.trim())
    .find((part) => part.startsWith(`${LOGIN_COOKIE}=`))
    ?.slice(LOGIN_COOKIE.length + 1);
  if (!value || value.length > MAX_COOKIE_VALUE || !/^[\w-]+$/.test(value)) return undefined;
  let login: Partial<PendingLogin>;
  try {
    login = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const { verifier, state, nonce, returnTo, startedAt } = login;
  const wellFormed =
    typeof verifier === 'string' &&
    RANDOM.test(verifier) &&
    typeof state === 'string' &&
    RANDOM.test(state) &&
    typeof nonce === 'string' &&
    RANDOM.test(nonce) &&
    typeof returnTo === 'string' &&
    typeof startedAt === 'number';
  // The cookie's Max-Age is the browser's to keep; the hub does not take an older one either.
  if (!wellFormed || now - startedAt > LOGIN_SECONDS * 1000 || startedAt > now + 60_000) return undefined;
  return { verifier, state, nonce, returnTo, startedAt };
}
