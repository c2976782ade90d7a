import express, { type Request } from 'express';
import type { UnauthenticatedRefusals } from '../audit/refusals.js';
import type { AuditSink } from '../audit/writer.js';
import { DEFAULT_LIMITS } from '../config.js';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import { badInput } from '../errors.js';
import { type ClaimRefusal, principalOfClaim } from '../sso/claimPrincipal.js';
import { encodeLogin, LOGIN_COOKIE, LOGIN_SECONDS, pendingLogin } from '../sso/loginCookie.js';
import { OidcClient, ProviderUnavailable, SignInRefused } from '../sso/oidcClient.js';
import { returnPath } from '../sso/returnPath.js';
import { endSession, openSession, principalCodes } from '../sso/sessions.js';
import { clientAddress } from './clientAddress.js';
import type { HubDependencies } from './dependencies.js';
import type { Edge } from './edge.js';
import { sendError } from './errors.js';
import { PrincipalRateLimit } from './rateLimit.js';
import { HANDOFF_JS, HANDOFF_SCRIPT_PATH, type RefusalText, sendHandoff, sendRefusal } from './ssoPages.js';

/**
 * Single sign-on for analysts (README, "Single sign-on"), OpenID Connect's authorization code flow:
 *
 *   GET  /auth/config      whether it is on (the pages show their SSO button only then)
 *   GET  /auth/login       to the identity provider, with PKCE, state and nonce (kept in a cookie: src/sso/loginCookie.ts)
 *   GET  /auth/callback    back from it: the claim names a principal, whose short-lived key (a session,
 *                          src/sso/sessions.ts) a page hands to the browser's sessionStorage
 *   POST /auth/logout      ends the session of the Bearer key; an ordinary API key is not ended here
 *
 * Sign-ins are limited per client address like other requests without a key (JINGTU_ANONYMOUS_RATE_LIMIT).
 * Every callback is audited: LOGIN (who, as which principal, the session's key id), LOGIN_REFUSED with the
 * reason: a refusal of an identity the provider vouched for (the claim names no principal, or several) as a
 * record of its own; one before that (no sign-in under way, another state, the provider's error), which
 * anyone can send, through UnauthenticatedRefusals, so that a flood of them costs a record a minute.
 */

export const LOGIN_EVENT = 'LOGIN';
export const LOGIN_REFUSED_EVENT = 'LOGIN_REFUSED';
export const LOGOUT_EVENT = 'LOGOUT';

/** Longest callback URL read (the provider's code and state are well under it). */
const MAX_CALLBACK_URL = 4096;
/** Seconds a person is told to wait when the provider is out of reach. */
const UNAVAILABLE_RETRY_SECONDS = 30;

const TEXTS: Record<string, RefusalText> = {
  NO_LOGIN: {
    zh: '登录请求已过期或已使用：请重新登录。',
    en: 'This sign-in has expired or was already used: sign in again.',
  },
  STATE_MISMATCH: {
    zh: '登录请求与本浏览器发起的不一致：请重新登录。',
    en: 'This sign-in is not the one this browser began: sign in again.',
  },
  PROVIDER_ERROR: {
    zh: '身份提供方拒绝了登录。',
    en: 'The identity provider refused the sign-in.',
  },
  INVALID_RESPONSE: {
    zh: '登录未能完成：身份提供方的应答未通过校验，请重新登录。',
    en: "The sign-in could not be completed: the identity provider's answer did not pass the checks; sign in again.",
  },
  UNMAPPED: {
    zh: '您的账号未对应本枢纽的任何部门或区：请联系枢纽管理员。',
    en: "Your account is not assigned to any of the hub's departments or districts: ask the hub's operator.",
  },
  AMBIGUOUS: {
    zh: '您的账号对应多个部门或区，本枢纽不替您选择：请联系枢纽管理员。',
    en: "Your account names several departments or districts, and the hub will not choose one: ask the hub's operator.",
  },
  UNAVAILABLE: {
    zh: '身份提供方暂时无法访问：请稍后重试。',
    en: 'The identity provider cannot be reached at the moment: try again shortly.',
  },
  DATABASE_UNAVAILABLE: {
    zh: '数据库暂时不可用：请稍后重试。',
    en: 'The database is unavailable for the moment: try again shortly.',
  },
  RATE_LIMITED: {
    zh: '来自您地址的登录请求过多：请稍后重试。',
    en: 'Too many sign-ins from your address: try again shortly.',
  },
  TOO_LONG: {
    zh: '登录应答过长。',
    en: 'The sign-in answer is too long.',
  },
  INTERNAL: {
    zh: '内部错误：请将请求编号告知枢纽管理员。',
    en: "Internal error: quote the request id to the hub's operator.",
  },
};

/** The claim refusals, as the page words them. */
const CLAIM_TEXT: Record<ClaimRefusal, RefusalText> = {
  NO_CLAIM: TEXTS.UNMAPPED,
  INVALID_CLAIM: TEXTS.UNMAPPED,
  UNMAPPED: TEXTS.UNMAPPED,
  AMBIGUOUS: TEXTS.AMBIGUOUS,
};

/** A provider's error code, as shown and recorded: its own characters only, bounded. */
const providerCode = (value: string | null): string => (value ?? '').replace(/[^\w.-]/g, '_').slice(0, 60);

export function ssoRouter(
  deps: Pick<HubDependencies, 'db' | 'sso' | 'limits'>,
  audit: AuditSink,
  refusals: UnauthenticatedRefusals,
  edge: Edge,
): express.Router {
  const router = express.Router();
  const { db, sso } = deps;

  router.get('/auth/config', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ enabled: Boolean(sso), login: '/auth/login' });
  });

  // A session's key is ended by whoever holds it, SSO on or off (a session from before it was turned off).
  router.post('/auth/logout', async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    const { context, refusal } = await edge.admit(req, { event: LOGOUT_EVENT, operationName: null });
    if (refusal) {
      sendError(req, res, refusal.error);
      return;
    }
    const { code: principal, keyId } = context.principal;
    try {
      const ended = await endSession(db, keyId);
      const record = {
        event: LOGOUT_EVENT,
        principal,
        keyId,
        requestId: String(req.id),
        operationName: null,
      };
      if (ended.outcome === 'NOT_A_SESSION') {
        await audit.write({
          ...record,
          documentHash: null,
          outcome: 'REFUSED',
          detail: { reason: 'not a single sign-on session' },
        });
        sendError(
          req,
          res,
          badInput(
            '此密钥不是单点登录会话，不能在此退出：API 密钥由枢纽管理员吊销（jingtu keys revoke） / This key is not a single sign-on session: an API key is revoked by the hub operator (jingtu keys revoke), not here',
            { reason: 'NOT_A_SESSION' },
          ),
        );
        return;
      }
      if (ended.outcome === 'ENDED') {
        await audit.write({
          ...record,
          documentHash: null,
          outcome: 'OK',
          detail: { subject: ended.ssoSubject },
        });
      }
      res.json({ ended: true });
    } catch (error) {
      sendError(req, res, error);
    }
  });

  if (!sso) return router;

  router.get(HANDOFF_SCRIPT_PATH, (_req, res) => {
    res
      .set({
        'Content-Type': 'text/javascript; charset=utf-8',
        'Cache-Control': 'no-cache',
        'X-Content-Type-Options': 'nosniff',
        'Cross-Origin-Resource-Policy': 'same-origin',
      })
      .send(HANDOFF_JS);
  });

  const client = new OidcClient(sso);
  const addresses = new PrincipalRateLimit((deps.limits ?? DEFAULT_LIMITS).anonymousPerMinute);
  const secure = new URL(sso.redirectUri).protocol === 'https:';
  const cookie = { httpOnly: true, sameSite: 'lax' as const, secure, path: '/auth' };

  /** Seconds to wait when the address has used its sign-ins of the minute; undefined otherwise. */
  const limited = async (req: Request): Promise<number | undefined> => {
    try {
      await addresses.consume(clientAddress(req));
      return undefined;
    } catch (error) {
      return Number((error as { extensions?: { retryAfter?: number } }).extensions?.retryAfter ?? 60);
    }
  };

  router.get('/auth/login', async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    const retryAfterSeconds = await limited(req);
    if (retryAfterSeconds) {
      sendRefusal(res, 429, TEXTS.RATE_LIMITED, { retryAfterSeconds });
      return;
    }
    const returnTo = returnPath(req.query.return);
    try {
      const { url, login } = await client.start(returnTo);
      res.cookie(LOGIN_COOKIE, encodeLogin(login), { ...cookie, maxAge: LOGIN_SECONDS * 1000 });
      res.redirect(302, url.href);
    } catch (error) {
      if (!(error instanceof ProviderUnavailable)) throw error;
      req.log.warn({ err: error }, 'single sign-on: identity provider unavailable');
      sendRefusal(res, 503, TEXTS.UNAVAILABLE, { returnTo, retryAfterSeconds: UNAVAILABLE_RETRY_SECONDS });
    }
  });

  router.get('/auth/callback', async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    // The sign-in under way is used up by this callback, whatever comes of it.
    const login = pendingLogin(req.headers.cookie);
    res.clearCookie(LOGIN_COOKIE, cookie);
    const address = clientAddress(req);
    const requestId = String(req.id);
    const returnTo = returnPath(login?.returnTo);

    /** A refusal before any identity: counted per address (anyone can send these). */
    const refuse = async (
      status: number,
      reason: string,
      text: RefusalText,
      options: { detail?: string; outcome?: string; retryAfterSeconds?: number } = {},
    ) => {
      await refusals.record({
        address,
        event: LOGIN_REFUSED_EVENT,
        outcome: options.outcome ?? 'REFUSED',
        requestId,
        operationName: null,
        reason,
      });
      sendRefusal(res, status, text, { ...options, returnTo });
    };

    const retryAfterSeconds = await limited(req);
    if (retryAfterSeconds) {
      await refuse(429, 'too many sign-ins from the address', TEXTS.RATE_LIMITED, {
        outcome: 'RATE_LIMITED',
        retryAfterSeconds,
      });
      return;
    }
    if (req.originalUrl.length > MAX_CALLBACK_URL) {
      await refuse(414, 'callback URL too long', TEXTS.TOO_LONG);
      return;
    }
    const search = req.originalUrl.slice(req.originalUrl.indexOf('?') + 1 || req.originalUrl.length);
    const params = new URLSearchParams(search);
    if (params.has('error')) {
      const code = providerCode(params.get('error'));
      await refuse(403, `identity provider error: ${code}`, TEXTS.PROVIDER_ERROR, { detail: code });
      return;
    }
    if (!login) {
      await refuse(400, 'no sign-in under way (none begun, expired, or already used)', TEXTS.NO_LOGIN);
      return;
    }
    if (params.get('state') !== login.state) {
      await refuse(400, 'state does not match the sign-in begun', TEXTS.STATE_MISMATCH);
      return;
    }

    try {
      const identity = await client.finish(search, login);
      const claim = identity.claims[sso.claim];
      const mapped = principalOfClaim(claim, await principalCodes(db), sso.principals);
      const who = { issuer: identity.issuer, subject: identity.subject, claim: sso.claim, address };
      if ('refused' in mapped) {
        // The provider vouched for this identity: a record of its own, as a principal's refusal is.
        await audit.write({
          event: LOGIN_REFUSED_EVENT,
          principal: null,
          keyId: null,
          requestId,
          operationName: null,
          documentHash: null,
          outcome: 'REFUSED',
          detail: { reason: mapped.refused, ...who, values: mapped.values, principals: mapped.principals },
        });
        const named = mapped.principals.length ? `: ${mapped.principals.join(', ')}` : '';
        sendRefusal(res, 403, CLAIM_TEXT[mapped.refused], {
          returnTo,
          detail: `${sso.claim} (${mapped.refused})${named}`,
        });
        return;
      }
      const session = await openSession(db, {
        principalCode: mapped.principal,
        issuer: identity.issuer,
        subject: identity.subject,
        name: identity.name,
        hours: sso.sessionHours,
      });
      await audit.write({
        event: LOGIN_EVENT,
        principal: mapped.principal,
        keyId: session.id,
        requestId,
        operationName: null,
        documentHash: null,
        outcome: 'OK',
        detail: { ...who, name: identity.name ?? null, values: mapped.values, expiresAt: session.expiresAt },
      });
      sendHandoff(res, { key: session.key, returnTo });
    } catch (error) {
      if (error instanceof SignInRefused) {
        await refuse(400, `${error.reason}: ${error.message}`, TEXTS.INVALID_RESPONSE, {
          detail: error.reason,
        });
      } else if (error instanceof ProviderUnavailable) {
        req.log.warn({ err: error }, 'single sign-on: identity provider unavailable');
        await refuse(503, error.message, TEXTS.UNAVAILABLE, {
          outcome: 'UNAVAILABLE',
          retryAfterSeconds: UNAVAILABLE_RETRY_SECONDS,
        });
      } else if (isDatabaseUnavailable(error)) {
        req.log.warn({ err: error }, 'single sign-on: database unavailable');
        sendRefusal(res, 503, TEXTS.DATABASE_UNAVAILABLE, { returnTo, retryAfterSeconds: 10 });
      } else {
        req.log.error({ err: error }, 'single sign-on: callback failed');
        sendRefusal(res, 500, TEXTS.INTERNAL, { returnTo, detail: requestId });
      }
    }
  });

  return router;
}
