import { beforeAll, describe, expect, it } from 'vitest';
import { createKey, hashKey } from '../src/access/keys.js';
import { listKeys } from '../src/cli/keyList.js';
import { loadConfig, type SsoConfig } from '../src/config.js';
import { LOGIN_COOKIE } from '../src/sso/loginCookie.js';
import { withTestHub } from './support/hub.js';
import { withTestIdp } from './support/oidcProvider.js';
import { uniqueId } from './support/records.js';

/**
 * Issue 17, part 4: single sign-on for analysts. An OpenID provider (oidc-provider) runs on loopback; the hub
 * signs an account in by the authorization code flow (PKCE, state, nonce), maps its claim to a department or
 * district, and hands a short-lived key to the page. The flow is driven with fetch and manual redirects, the
 * cookies of the hub and of the provider carried by hand.
 */

const uid = uniqueId();
const placeholder = (clientId: string): SsoConfig => ({
  // Set once the provider and the hubs listen (the provider is discovered at the first sign-in).
  issuer: 'http://127.0.0.1:1',
  clientId,
  redirectUri: 'http://127.0.0.1:1/auth/callback',
  claim: 'jingtu_principal',
  sessionHours: 8,
});
/** The principal is the claim's value (a code); a confidential client. */
const ssoA: SsoConfig = { ...placeholder(`hub-a-${uid}`), clientSecret: `secret-${uid}-0123456789` };
/** Groups mapped to principals; a public client (PKCE alone). */
const ssoB: SsoConfig = {
  ...placeholder(`hub-b-${uid}`),
  claim: 'groups',
  principals: { ghj: 'PLANNING', 'cy-analysts': '110105', sthj: 'ECOLOGY' },
};

// A trusted loopback proxy, so that each test comes from an address of its own (X-Forwarded-For): the
// audit's first refusal of an address in a minute is a record of its own, the rest are counted.
const hubA = withTestHub({ dependencies: { sso: ssoA, trustedProxies: ['loopback'] } });
const hubB = withTestHub({ dependencies: { sso: ssoB, trustedProxies: ['loopback'] } });
const hubOff = withTestHub();
/** A hub whose provider is out of reach (nothing listens on port 1). */
const ssoDown: SsoConfig = placeholder(`hub-down-${uid}`);
const hubDown = withTestHub({ dependencies: { sso: ssoDown } });

const accounts: Record<string, Record<string, unknown>> = {
  [`ana-${uid}`]: { jingtu_principal: 'PLANNING', name: '安娜', groups: ['ghj', 'staff'] },
  // a district's code as a number, as directories often hold it
  [`li-${uid}`]: { jingtu_principal: 110105, preferred_username: 'li.chaoyang', groups: ['cy-analysts'] },
  [`nobody-${uid}`]: { jingtu_principal: 'NOT_A_PRINCIPAL', groups: ['staff'] },
  [`twohats-${uid}`]: { jingtu_principal: ['PLANNING', 'WATER'], groups: ['ghj', 'cy-analysts', 'staff'] },
};
const idp = withTestIdp(
  () => [
    {
      client_id: ssoA.clientId,
      client_secret: ssoA.clientSecret,
      redirect_uris: [`${hubA.url}/auth/callback`],
    },
    { client_id: ssoB.clientId, redirect_uris: [`${hubB.url}/auth/callback`] },
  ],
  accounts,
);

let addresses = 0;
/** An address of its own for a test's requests (through the trusted loopback proxy). */
const newAddress = () => `10.17.4.${++addresses}`;

/** The cookies one site set, by name. */
class Jar {
  private readonly cookies = new Map<string, string>();
  take(response: Response): void {
    for (const cookie of response.headers.getSetCookie()) {
      const [pair, ...attributes] = cookie.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const cleared = attributes.some(
        (a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=thu, 01 jan 1970/i.test(a),
      );
      if (cleared) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(at + 1).trim());
    }
  }
  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
  has(name: string): boolean {
    return this.cookies.has(name);
  }
}

interface Begun {
  /** The hub's cookies (the sign-in under way). */
  hub: Jar;
  /** Where the provider sent the browser back: the hub's callback with the code and state. */
  callback: string;
  /** The hub's answer to /auth/login. */
  login: Response;
  /** Every URL the browser was sent to. */
  visited: string[];
}

/** The browser's part up to the provider's redirect back: /auth/login, the provider, its interaction. */
async function begin(hub: { url: string }, account: string, address: string, search = ''): Promise<Begun> {
  const hubJar = new Jar();
  const idpJar = new Jar();
  idp.signInAs(account);
  const visited: string[] = [];
  const login = await fetch(`${hub.url}/auth/login${search}`, {
    redirect: 'manual',
    headers: { 'x-forwarded-for': address },
  });
  expect(login.status, await login.clone().text()).toBe(302);
  hubJar.take(login);
  let next = login.headers.get('location') as string;
  for (let hops = 0; hops < 6 && next.startsWith(idp.issuer); hops++) {
    visited.push(next);
    const answer = await fetch(next, { redirect: 'manual', headers: { cookie: idpJar.header() } });
    expect([302, 303], `${next}: ${await answer.clone().text()}`).toContain(answer.status);
    idpJar.take(answer);
    next = new URL(answer.headers.get('location') as string, next).href;
  }
  expect(next.startsWith(`${hub.url}/auth/callback?`), next).toBe(true);
  visited.push(next);
  return { hub: hubJar, callback: next, login, visited };
}

interface Finished {
  status: number;
  html: string;
  headers: Headers;
  /** The key and the page to return to, when the page hands one over. */
  session?: { key: string; returnTo: string };
}

async function finish(url: string, cookie: string, address: string): Promise<Finished> {
  const answer = await fetch(url, { redirect: 'manual', headers: { cookie, 'x-forwarded-for': address } });
  const html = await answer.text();
  const block = html.match(/<script id="sso-session" type="application\/json" nonce="[^"]+">(.*?)<\/script>/);
  return {
    status: answer.status,
    html,
    headers: answer.headers,
    session: block ? (JSON.parse(block[1]) as Finished['session']) : undefined,
  };
}

async function signIn(hub: { url: string }, account: string, search = '') {
  const address = newAddress();
  const begun = await begin(hub, account, address, search);
  const finished = await finish(begun.callback, begun.hub.header(), address);
  return { ...begun, ...finished, address };
}

const me = async (hub: typeof hubA, key: string) => hub.graphql(key, '{ me { code kind } }');

interface AuditRow {
  event: string;
  principal: string | null;
  keyId: string | null;
  outcome: string;
  // biome-ignore lint/suspicious/noExplicitAny: audit details, shaped by the event
  detail: Record<string, any>;
}

async function records(event: string, where: Record<string, unknown>): Promise<AuditRow[]> {
  return hubA.database.sql<AuditRow[]>`
    select event, principal, key_id as "keyId", outcome, detail from audit_log
    where event = ${event} and detail @> ${JSON.stringify(where)}::jsonb order by seq`;
}

async function sessionKeys(subject: string): Promise<number> {
  const [{ count }] = await hubA.database.sql<{ count: number }[]>`
    select count(*)::int as count from api_key where sso_subject = ${`${idp.issuer}#${subject}`}`;
  return count;
}

beforeAll(() => {
  for (const [sso, hub] of [
    [ssoA, hubA],
    [ssoB, hubB],
  ] as const) {
    sso.issuer = idp.issuer;
    sso.redirectUri = `${hub.url}/auth/callback`;
  }
});

describe('single sign-on', { timeout: 60_000 }, () => {
  it('signs a department in: its claim names the principal, the page hands over a key that works', async () => {
    const account = `ana-${uid}`;
    const signedIn = await signIn(hubA, account, '?return=/dashboard');
    expect(signedIn.status, signedIn.html).toBe(200);
    const { key, returnTo } = signedIn.session as { key: string; returnTo: string };
    expect(returnTo).toBe('/dashboard');
    expect(key).toMatch(/^jt_[\w-]{43}$/);
    expect((await me(hubA, key)).body.data).toEqual({ me: { code: 'PLANNING', kind: 'DEPARTMENT' } });

    // The sign-in under way: PKCE, state and nonce sent; its cookie HttpOnly, Lax, for /auth, 10 minutes.
    const authorize = new URL(signedIn.login.headers.get('location') as string);
    expect(authorize.origin).toBe(idp.issuer);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    for (const param of ['code_challenge', 'state', 'nonce'])
      expect(authorize.searchParams.get(param)).toBeTruthy();
    const cookie = signedIn.login.headers
      .getSetCookie()
      .find((c) => c.startsWith(`${LOGIN_COOKIE}=`)) as string;
    expect(cookie).toMatch(/; Max-Age=600;/);
    expect(cookie).toMatch(/; Path=\/auth/);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Lax/);
    expect(cookie).not.toMatch(/Secure/); // the redirect URI is http (loopback)
    // The callback clears it, and its page is not kept or referred, and runs no inline script.
    expect(signedIn.headers.getSetCookie().join()).toMatch(new RegExp(`^${LOGIN_COOKIE}=;.*Path=/auth`));
    expect(signedIn.headers.get('cache-control')).toBe('no-store');
    expect(signedIn.headers.get('referrer-policy')).toBe('no-referrer');
    const csp = signedIn.headers.get('content-security-policy') as string;
    const nonce = (csp.match(/'nonce-([^']+)'/) as string[])[1];
    expect(csp).toContain(`script-src 'self' 'nonce-${nonce}'`);
    expect(csp.split('; ').find((d) => d.startsWith('script-src'))).not.toContain('unsafe-inline');
    expect(signedIn.html).toContain('<script src="/auth/handoff.js"');
    // The key is in no URL the browser went to.
    for (const url of [...signedIn.visited, signedIn.login.headers.get('location')])
      expect(url).not.toContain(key);

    // The session is a key of its principal, for 8 hours, marked with the identity; audited as LOGIN.
    const [row] = await hubA.database.sql<{ id: string; hours: number; name: string }[]>`
      select id, name, round(extract(epoch from expires_at - created_at) / 3600)::int as hours
      from api_key where sso_subject = ${`${idp.issuer}#${account}`}`;
    // (named by its subject: the name is a `profile` claim, which this provider gives at userinfo only)
    expect(row).toMatchObject({ hours: 8, name: `SSO ${account}` });
    const [login] = await records('LOGIN', { subject: account });
    expect(login).toMatchObject({
      principal: 'PLANNING',
      keyId: row.id,
      outcome: 'OK',
      detail: { issuer: idp.issuer, subject: account, claim: 'jingtu_principal', values: ['PLANNING'] },
    });
    // `jingtu keys list` shows it as a session: whose, and until when.
    const listed = (await listKeys(hubA.database.sql)).find((k) => k.id === row.id);
    expect(listed).toMatchObject({ ssoSubject: `${idp.issuer}#${account}`, expired: false });
    expect(listed?.expiresAt).toBeTruthy();
  });

  it('signs a district in, by its code (a number in the claim) or by a group mapped to it', async () => {
    const byCode = await signIn(hubA, `li-${uid}`);
    expect(byCode.status, byCode.html).toBe(200);
    expect(byCode.session?.returnTo).toBe('/map');
    expect((await me(hubA, byCode.session?.key as string)).body.data).toEqual({
      me: { code: '110105', kind: 'DISTRICT' },
    });
    // hub B: a public client, the `groups` claim mapped by JINGTU_OIDC_PRINCIPALS (other groups ignored)
    const byGroup = await signIn(hubB, `li-${uid}`);
    expect(byGroup.status, byGroup.html).toBe(200);
    expect((await me(hubB, byGroup.session?.key as string)).body.data.me.code).toBe('110105');
    const byDepartmentGroup = await signIn(hubB, `ana-${uid}`);
    expect((await me(hubB, byDepartmentGroup.session?.key as string)).body.data.me.code).toBe('PLANNING');
    // `groups` is a profile claim: not in the ID token, read at userinfo, with the name
    const [row] = await hubB.database.sql<{ name: string }[]>`
      select name from api_key where sso_subject = ${`${idp.issuer}#ana-${uid}`} and principal_code = 'PLANNING'
      order by created_at desc limit 1`;
    expect(row.name).toBe('SSO 安娜');
  });

  it('refuses a claim that names no principal: no key, a bilingual page, audited', async () => {
    const account = `nobody-${uid}`;
    for (const hub of [hubA, hubB]) {
      const refused = await signIn(hub, account);
      expect(refused.status).toBe(403);
      expect(refused.session).toBeUndefined();
      expect(refused.html).toContain('您的账号未对应本枢纽的任何部门或区');
      expect(refused.html).toContain('Your account is not assigned to any of the hub&#39;s departments');
    }
    expect(await sessionKeys(account)).toBe(0);
    const audited = await records('LOGIN_REFUSED', { subject: account });
    expect(audited).toHaveLength(2);
    expect(audited[0]).toMatchObject({
      principal: null,
      keyId: null,
      outcome: 'REFUSED',
      detail: { reason: 'UNMAPPED', values: ['NOT_A_PRINCIPAL'], principals: [] },
    });
    expect(audited[1].detail).toMatchObject({ reason: 'UNMAPPED', claim: 'groups', values: ['staff'] });
  });

  it('refuses a claim that names several principals, and says which', async () => {
    const account = `twohats-${uid}`;
    const byCodes = await signIn(hubA, account);
    expect(byCodes.status).toBe(403);
    expect(byCodes.html).toContain('您的账号对应多个部门或区');
    expect(byCodes.html).toContain('PLANNING, WATER');
    const byGroups = await signIn(hubB, account);
    expect(byGroups.status).toBe(403);
    expect(byGroups.html).toContain('110105, PLANNING');
    expect(await sessionKeys(account)).toBe(0);
    const audited = await records('LOGIN_REFUSED', { subject: account });
    expect(audited.map((r) => [r.detail.reason, r.detail.principals])).toEqual([
      ['AMBIGUOUS', ['PLANNING', 'WATER']],
      ['AMBIGUOUS', ['110105', 'PLANNING']],
    ]);
  });

  it('refuses a callback whose state is not the one begun, one without a sign-in, and a replayed one', async () => {
    const account = `ana-${uid}`;
    const before = await sessionKeys(account);

    const address = newAddress();
    const begun = await begin(hubA, account, address);
    const forged = new URL(begun.callback);
    forged.searchParams.set('state', 'x'.repeat(43));
    const mismatched = await finish(forged.href, begun.hub.header(), address);
    expect(mismatched.status).toBe(400);
    expect(mismatched.html).toContain('登录请求与本浏览器发起的不一致');
    expect(mismatched.html).toContain('This sign-in is not the one this browser began');
    const [record] = await records('LOGIN_REFUSED', { address });
    expect(record).toMatchObject({
      outcome: 'REFUSED',
      detail: { reason: 'state does not match the sign-in begun' },
    });

    // The right callback, then the same again: without the cookie (cleared), and with it (the code is used).
    const good = await signIn(hubA, account);
    expect(good.status).toBe(200);
    const withoutCookie = await finish(good.callback, '', newAddress());
    expect(withoutCookie.status).toBe(400);
    expect(withoutCookie.html).toContain('This sign-in has expired or was already used');
    const replayAddress = newAddress();
    const replayed = await finish(good.callback, good.hub.header(), replayAddress);
    expect(replayed.status).toBe(400);
    expect(replayed.session).toBeUndefined();
    const [replay] = await records('LOGIN_REFUSED', { address: replayAddress });
    expect(replay.detail.reason).toMatch(/^PROVIDER_invalid_grant/);
    expect(await sessionKeys(account)).toBe(before + 1);
  });

  it("shows the provider's error escaped, and bounds what it reads", async () => {
    const address = newAddress();
    const begun = await begin(hubA, `ana-${uid}`, address);
    const state = new URL(begun.callback).searchParams.get('state') as string;
    const hostile = await finish(
      `${hubA.url}/auth/callback?error=${encodeURIComponent('<script>alert(1)</script>')}&state=${state}`,
      begun.hub.header(),
      address,
    );
    expect(hostile.status).toBe(403);
    expect(hostile.html).toContain('身份提供方拒绝了登录');
    expect(hostile.html).not.toContain('<script>alert');
    expect(hostile.html).toContain('_script_alert_1___script_');
    const long = await finish(`${hubA.url}/auth/callback?code=${'a'.repeat(5000)}`, '', newAddress());
    expect(long.status).toBe(414);
  });

  it('takes a session key no more once it has expired', async () => {
    const signedIn = await signIn(hubA, `ana-${uid}`);
    const key = signedIn.session?.key as string;
    expect((await me(hubA, key)).status).toBe(200);
    const [{ id }] = await hubA.database.sql<{ id: string }[]>`
      update api_key set expires_at = now() - interval '1 second' where key_hash = ${hashKey(key)} returning id`;
    const refused = await me(hubA, key);
    expect(refused.status).toBe(401);
    expect(refused.body.errors?.[0].message).toContain('Unknown, revoked or expired API key');
    const listed = (await listKeys(hubA.database.sql)).find((k) => k.id === id);
    expect(listed?.expired).toBe(true);
  });

  it('ends a session at sign-out, and refuses to end an ordinary API key', async () => {
    const signedIn = await signIn(hubA, `ana-${uid}`);
    const key = signedIn.session?.key as string;
    const logout = (bearer: string) =>
      fetch(`${hubA.url}/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${bearer}` } });
    const ended = await logout(key);
    expect(ended.status).toBe(200);
    expect(await ended.json()).toEqual({ ended: true });
    expect((await me(hubA, key)).status).toBe(401);
    const [record] = await hubA.database.sql<AuditRow[]>`
      select event, principal, key_id as "keyId", outcome, detail from audit_log
      where event = 'LOGOUT' and key_id = (select id from api_key where key_hash = ${hashKey(key)})`;
    expect(record).toMatchObject({
      principal: 'PLANNING',
      outcome: 'OK',
      detail: { subject: `${idp.issuer}#ana-${uid}` },
    });

    const apiKey = (await createKey(hubA.database.db, 'WATER', 'sso test')).key;
    const refused = await logout(apiKey);
    expect(refused.status).toBe(400);
    const body = (await refused.json()) as { errors: { extensions: object }[] };
    expect(body.errors[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'NOT_A_SESSION',
    });
    expect((await me(hubA, apiKey)).body.data.me.code).toBe('WATER');
    expect((await logout('jt_not-a-key')).status).toBe(401);
  });

  it('returns only to its own pages', async () => {
    for (const [asked, to] of [
      ['/graphql', '/graphql'],
      ['/map', '/map'],
      ['https://evil.example/', '/map'],
      ['//evil.example/map', '/map'],
      ['/map?x=1', '/map'],
      ['/auth/logout', '/map'],
    ]) {
      const signedIn = await signIn(hubA, `ana-${uid}`, `?return=${encodeURIComponent(asked)}`);
      expect(signedIn.session?.returnTo, asked).toBe(to);
    }
  });

  it('says whether it is on; off, /auth/login is not there', async () => {
    expect(await (await fetch(`${hubA.url}/auth/config`)).json()).toMatchObject({ enabled: true });
    expect(await (await fetch(`${hubOff.url}/auth/config`)).json()).toMatchObject({ enabled: false });
    expect((await fetch(`${hubOff.url}/auth/login`, { redirect: 'manual' })).status).toBe(404);
    expect((await fetch(`${hubOff.url}/auth/callback?code=a&state=b`, { redirect: 'manual' })).status).toBe(
      404,
    );
  });

  it('answers 503 while the provider is out of reach (the hub started all the same), and tries again', async () => {
    const down = () => fetch(`${hubDown.url}/auth/login?return=/graphql`, { redirect: 'manual' });
    const first = await down();
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('30');
    const page = await first.text();
    expect(page).toContain('身份提供方暂时无法访问');
    expect(page).toContain('The identity provider cannot be reached');
    expect(page).toContain('href="/auth/login?return=%2Fgraphql"');
    expect(first.headers.getSetCookie()).toEqual([]);
    // The failed discovery is not kept: once the provider answers, the next sign-in goes to it.
    ssoDown.issuer = idp.issuer;
    const back = await down();
    expect(back.status).toBe(302);
    expect(back.headers.get('location')?.startsWith(`${idp.issuer}/`)).toBe(true);
  });
});

describe('single sign-on settings', () => {
  const base = {
    JINGTU_OIDC_ISSUER: 'https://id.example.gov.cn/realms/jingtu',
    JINGTU_OIDC_CLIENT_ID: 'jingtu-hub',
    JINGTU_OIDC_REDIRECT_URI: 'https://hub.example.gov.cn/auth/callback',
  };
  const problem = (env: Record<string, string>) => {
    try {
      loadConfig(env);
      return '';
    } catch (error) {
      return (error as Error).message;
    }
  };

  it('reads them, with defaults', () => {
    expect(loadConfig({}).sso).toBeUndefined();
    expect(
      loadConfig({
        ...base,
        JINGTU_OIDC_PRINCIPALS: 'ghj=PLANNING, cy=110105',
        JINGTU_OIDC_SESSION_HOURS: '4',
      }).sso,
    ).toEqual({
      issuer: base.JINGTU_OIDC_ISSUER,
      clientId: 'jingtu-hub',
      clientSecret: undefined,
      redirectUri: base.JINGTU_OIDC_REDIRECT_URI,
      claim: 'jingtu_principal',
      principals: { ghj: 'PLANNING', cy: '110105' },
      sessionHours: 4,
    });
  });

  it('refuses bad values with one clear line, never echoing the secret', () => {
    expect(problem({ ...base, JINGTU_OIDC_ISSUER: 'http://id.example.gov.cn' })).toContain(
      'JINGTU_OIDC_ISSUER="http://id.example.gov.cn" must be the identity provider\'s issuer, an https:// URL (http:// only on loopback)',
    );
    expect(problem({ ...base, JINGTU_OIDC_ISSUER: 'http://127.0.0.1:9000' })).toBe('');
    expect(problem({ JINGTU_OIDC_ISSUER: base.JINGTU_OIDC_ISSUER })).toContain(
      'JINGTU_OIDC_CLIENT_ID="" is required when JINGTU_OIDC_ISSUER is set',
    );
    expect(problem({ JINGTU_OIDC_CLIENT_ID: 'x' })).toContain('needs JINGTU_OIDC_ISSUER');
    expect(problem({ ...base, JINGTU_OIDC_REDIRECT_URI: 'https://hub.example.gov.cn/callback' })).toContain(
      'must end with /auth/callback',
    );
    expect(problem({ ...base, JINGTU_OIDC_PRINCIPALS: 'ghj' })).toContain('value=CODE');
    expect(problem({ ...base, JINGTU_OIDC_SESSION_HOURS: '100' })).toContain('must be at most 36');
    const secret = problem({ ...base, JINGTU_OIDC_CLIENT_SECRET: 'has a space' });
    expect(secret).toContain('JINGTU_OIDC_CLIENT_SECRET must be');
    expect(secret).not.toContain('has a space');
  });
});
