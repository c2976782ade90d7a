import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashKey } from '../src/access/keys.js';
import type { SsoConfig } from '../src/config.js';
import { launchChromium } from './support/browser.js';
import { withTestHub } from './support/hub.js';
import { withTestIdp } from './support/oidcProvider.js';
import { uniqueId } from './support/records.js';
import { type PageGlobals, watchPage } from './support/webPages.js';

/**
 * Issue 17, part 4, in headless Chromium: the dashboard's "单点登录" button goes to the provider and back, the
 * page reads as the claim's principal, GraphiQL's Authorization header carries the session's key, and
 * signing out ends the session at the hub. Uses web/dist as built (`npm run build:web`, run by `npm ci`).
 * Screenshots go to test-output/sso/.
 */
declare const window: PageGlobals;
declare const sessionStorage: { getItem(key: string): string | null };
declare const document: { querySelector(selector: string): { textContent: string | null } | null };

const SHOTS = join(process.cwd(), 'test-output', 'sso');
const uid = uniqueId();
const sso: SsoConfig = {
  issuer: 'http://127.0.0.1:1',
  clientId: `hub-page-${uid}`,
  redirectUri: 'http://127.0.0.1:1/auth/callback',
  claim: 'jingtu_principal',
  sessionHours: 8,
};
const hub = withTestHub({ dependencies: { sso } });
const account = `page-${uid}`;
const idp = withTestIdp(() => [{ client_id: sso.clientId, redirect_uris: [`${hub.url}/auth/callback`] }], {
  [account]: { jingtu_principal: '110105', name: '朝阳分析员' },
});
let browser: Browser;

beforeAll(async () => {
  sso.issuer = idp.issuer;
  sso.redirectUri = `${hub.url}/auth/callback`;
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe('single sign-on in the browser', { timeout: 90_000 }, () => {
  it('signs in from the dashboard, carries the key to GraphiQL, and signs out', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const { requests, problems } = watchPage(page, (error) => /401|Unauthorized/i.test(error));
    idp.signInAs(account);

    await page.goto(`${hub.url}/dashboard`);
    const button = page.locator('header button.sso');
    await button.waitFor({ state: 'visible' });
    expect(await button.textContent()).toBe('单点登录');
    await page.screenshot({ path: join(SHOTS, 'dashboard-signed-out.png') });

    await button.click();
    await page.waitForURL(`${hub.url}/dashboard`);
    await page.waitForFunction(() => window.jingtuDashboard?.ready);
    await page.evaluate(() => window.jingtuDashboard.ready);
    await page.locator('header .who[data-principal="110105"]').waitFor();
    const key = await page.evaluate(() => sessionStorage.getItem('jingtu.key'));
    expect(key).toMatch(/^jt_/);
    expect(await page.evaluate(() => sessionStorage.getItem('jingtu.sso'))).toBe('1');
    await page.screenshot({ path: join(SHOTS, 'dashboard-signed-in.png') });
    // The key went through no URL; the callback's page is not in the history (replaced).
    expect(requests.filter((url) => url.includes(key as string))).toEqual([]);

    // GraphiQL, in the same tab: the Authorization header is the session's, and the bar offers sign-out.
    await page.goto(`${hub.url}/graphql`);
    await page.locator('#sso-bar button').waitFor({ state: 'visible' });
    await page.locator('.graphiql-editor-tools button[data-name="headers"]').click();
    await page.waitForFunction(
      (k) => document.querySelector('.graphiql-editor-tool')?.textContent?.includes(k) ?? false,
      key as string,
    );
    await page.screenshot({ path: join(SHOTS, 'graphiql-signed-in.png') });

    await page.locator('#sso-bar button').click();
    await page.waitForFunction(() => sessionStorage.getItem('jingtu.key') === null);
    const [row] = await hub.database.sql<{ revoked: boolean }[]>`
      select revoked_at is not null as revoked from api_key where key_hash = ${hashKey(key as string)}`;
    expect(row.revoked).toBe(true);
    await page.locator('#sso-bar button').waitFor({ state: 'visible' });
    expect(await page.locator('#sso-bar button').textContent()).toBe('单点登录 · Sign in with SSO');
    await page.screenshot({ path: join(SHOTS, 'graphiql-signed-out.png') });
    expect(problems).toEqual([]);
    await context.close();
  });

  it('shows a refused sign-in in both languages', async () => {
    const page = await browser.newPage();
    await page.goto(`${hub.url}/auth/callback?code=x&state=y`);
    expect(await page.textContent('h1')).toBe('登录失败 · Sign-in refused');
    await page.screenshot({ path: join(SHOTS, 'refused.png') });
    await page.close();
  });
});
