import * as oidc from 'openid-client';
import { isLoopbackUrl, type SsoConfig } from '../config.js';
import type { PendingLogin } from './loginCookie.js';

/**
 * The hub as an OpenID Connect relying party (openid-client, certified for the Basic RP profile): the
 * authorization code flow with PKCE, state and nonce. The provider's metadata is discovered at the first
 * sign-in and kept for the process; a provider out of reach then fails that sign-in only (and the next one
 * tries again), never the hub's start.
 */

/** Scopes asked for: the identity, and a name to record. The claim that names the principal comes with them. */
const SCOPE = 'openid profile';
/** Seconds the hub waits for the provider (discovery, token, userinfo). */
const PROVIDER_TIMEOUT_SECONDS = 10;

/** The provider could not be reached, or answered nothing usable: the sign-in may be tried again later. */
export class ProviderUnavailable extends Error {}

/** The provider or the callback refused the sign-in; `reason` says why, for the audit and the page. */
export class SignInRefused extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** Who signed in, as the provider vouches for it. */
export interface Identity {
  issuer: string;
  subject: string;
  /** A name for people (preferred_username or name), when the provider gives one. */
  name: string | undefined;
  /** The claims of the ID token, and of userinfo when the claim asked for was not in it. */
  claims: Record<string, unknown>;
}

/** Whether an error is the network's (refused, reset, timed out), not an answer of the provider. */
function unreachable(error: unknown): boolean {
  for (let cause = error, depth = 0; cause && depth < 5; depth++) {
    const { name, code } = cause as { name?: string; code?: string };
    if (name === 'TimeoutError' || name === 'AbortError') return true;
    if (
      typeof code === 'string' &&
      /^(ECONN|ENOTFOUND|EAI_|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|UND_ERR)/.test(code)
    ) {
      return true;
    }
    if (cause instanceof TypeError && cause.message === 'fetch failed') return true;
    cause = (cause as { cause?: unknown }).cause;
  }
  return false;
}

export class OidcClient {
  private discovered: Promise<oidc.Configuration> | undefined;

  constructor(private readonly sso: SsoConfig) {}

  private configuration(): Promise<oidc.Configuration> {
    this.discovered ??= this.discover().catch((error) => {
      // not kept: the next sign-in asks again
      this.discovered = undefined;
      // out of reach, or no usable metadata: either way no sign-in until it is fixed
      throw new ProviderUnavailable(
        `identity provider ${this.sso.issuer}: discovery failed: ${(error as Error).message}`,
      );
    });
    return this.discovered;
  }

  private discover(): Promise<oidc.Configuration> {
    const issuer = new URL(this.sso.issuer);
    const { clientId, clientSecret } = this.sso;
    return oidc.discovery(
      issuer,
      clientId,
      clientSecret,
      // without a secret, a public client: PKCE alone protects the code
      clientSecret ? undefined : oidc.None(),
      {
        timeout: PROVIDER_TIMEOUT_SECONDS,
        // openid-client speaks only https; the configuration allows http on loopback only (a test's provider)
        execute: issuer.protocol === 'http:' && isLoopbackUrl(issuer) ? [oidc.allowInsecureRequests] : [],
      },
    );
  }

  /** Starts a sign-in: the provider's authorization URL, and what the callback will check. */
  async start(returnTo: string): Promise<{ url: URL; login: PendingLogin }> {
    const configuration = await this.configuration();
    const login: PendingLogin = {
      verifier: oidc.randomPKCECodeVerifier(),
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      returnTo,
      startedAt: Date.now(),
    };
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: this.sso.redirectUri,
      scope: SCOPE,
      code_challenge: await oidc.calculatePKCECodeChallenge(login.verifier),
      code_challenge_method: 'S256',
      state: login.state,
      nonce: login.nonce,
    });
    return { url, login };
  }

  /**
   * Finishes a sign-in: exchanges the code (openid-client checks the state, the issuer, the ID token's
   * signature, audience and nonce, and sends the PKCE verifier), and reads the claims.
   */
  async finish(search: string, login: PendingLogin): Promise<Identity> {
    const configuration = await this.configuration();
    // The URL the provider sent the browser to, as registered (not as the Host header says: behind a proxy).
    const current = new URL(this.sso.redirectUri);
    current.search = search;
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(configuration, current, {
        pkceCodeVerifier: login.verifier,
        expectedState: login.state,
        expectedNonce: login.nonce,
        idTokenExpected: true,
      });
    } catch (error) {
      throw this.refusal(error, 'the code could not be exchanged');
    }
    const idToken = tokens.claims();
    if (!idToken) throw new SignInRefused('NO_ID_TOKEN', 'the provider sent no ID token');
    let claims: Record<string, unknown> = { ...idToken };
    // Providers often give other claims at userinfo only (oidc-provider does, by default, in the code flow).
    if (claims[this.sso.claim] === undefined) {
      try {
        const userinfo = await oidc.fetchUserInfo(configuration, tokens.access_token, idToken.sub);
        claims = { ...userinfo, ...idToken };
      } catch (error) {
        throw this.refusal(error, 'userinfo could not be read');
      }
    }
    const name = [claims.preferred_username, claims.name].find(
      (value): value is string => typeof value === 'string' && value.length > 0,
    );
    return { issuer: idToken.iss, subject: idToken.sub, name: name?.slice(0, 100), claims };
  }

  private refusal(error: unknown, what: string): Error {
    if (unreachable(error)) {
      return new ProviderUnavailable(
        `identity provider not reachable (${what}): ${(error as Error).message}`,
      );
    }
    if (error instanceof oidc.ResponseBodyError) {
      // the provider's own answer, e.g. invalid_grant for a code used twice
      const code = String(error.error)
        .replace(/[^\w.-]/g, '_')
        .slice(0, 60);
      return new SignInRefused(`PROVIDER_${code}`, `${what}: ${code}`);
    }
    const code = (error as { code?: unknown }).code;
    return new SignInRefused(
      typeof code === 'string' ? code.slice(0, 100) : 'INVALID_RESPONSE',
      `${what}: ${(error as Error).message}`.slice(0, 300),
    );
  }
}
