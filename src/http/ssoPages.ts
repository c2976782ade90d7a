import { randomBytes } from 'node:crypto';
import type { Response } from 'express';
import { escapeHtml, jsonForScript } from '../domain/html.js';
import { pageContentSecurityPolicy } from './pagePolicy.js';

/**
 * The pages of a sign-in (src/http/sso.ts): the one that hands a new session's key to the browser, and the
 * one that says why a sign-in was refused. Both are the hub's own pages: a strict CSP (the hand-over runs
 * only /auth/handoff.js, by nonce; the data is a JSON block, never executable inline script), no cache (the
 * hand-over holds a key), no referrer (the callback's URL holds the provider's code).
 */

/** The browser session's key, as the pages read it (web/src/session.ts), and the mark of an SSO session. */
export const SESSION_KEY = 'jingtu.key';
export const SESSION_SSO = 'jingtu.sso';

export const HANDOFF_SCRIPT_PATH = '/auth/handoff.js';

/**
 * The hand-over script: the key into sessionStorage (gone with the tab, as a pasted key), the block emptied,
 * and the page replaced by the page to return to, so that Back does not come here again. The key never
 * enters a URL.
 */
export const HANDOFF_JS = `(function () {
  'use strict';
  var block = document.getElementById('sso-session');
  var session = JSON.parse(block.textContent);
  block.textContent = '';
  sessionStorage.setItem(${JSON.stringify(SESSION_KEY)}, session.key);
  sessionStorage.setItem(${JSON.stringify(SESSION_SSO)}, '1');
  location.replace(session.returnTo);
})();
`;

function send(res: Response, status: number, body: string, nonce?: string): void {
  res
    .status(status)
    .set({
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': pageContentSecurityPolicy(nonce ? { script: [`'nonce-${nonce}'`] } : {}),
      'Cache-Control': 'no-store',
      'Referrer-Policy': 'no-referrer',
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
    })
    .send(body);
}

const page = (title: string, body: string, head = '') => `<!doctype html>
<html lang="zh-CN">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="referrer" content="no-referrer" />
    <link rel="icon" href="data:," />
    <title>${escapeHtml(title)}</title>
    <style>
      body { font-family: system-ui, "Noto Sans CJK SC", sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem; color: #222; }
      h1 { font-size: 1.3rem; }
      .detail { color: #555; font-size: 0.9rem; }
      a { color: #0b57d0; margin-right: 1.5rem; }
    </style>${head}
  </head>
  <body>
${body}
  </body>
</html>
`;

/** The page that hands a session's key to the browser and goes on to `returnTo`. */
export function sendHandoff(res: Response, session: { key: string; returnTo: string }): void {
  const nonce = randomBytes(18).toString('base64');
  const data = jsonForScript({ key: session.key, returnTo: session.returnTo });
  send(
    res,
    200,
    page(
      '正在登录 · Signing in',
      `    <p>正在登录… Signing in…</p>
    <noscript>登录需要启用 JavaScript。 Signing in requires JavaScript.</noscript>
    <script id="sso-session" type="application/json" nonce="${nonce}">${data}</script>
    <script src="${HANDOFF_SCRIPT_PATH}" nonce="${nonce}"></script>`,
    ),
    nonce,
  );
}

/** What a refused sign-in tells the person, in both languages. */
export interface RefusalText {
  zh: string;
  en: string;
}

/**
 * A refused sign-in: what happened, in Chinese and English, a detail (a provider's error code, the claim's
 * values: other people's text, escaped), and the ways on. No script.
 */
export function sendRefusal(
  res: Response,
  status: number,
  text: RefusalText,
  options: { detail?: string; returnTo?: string; retryAfterSeconds?: number } = {},
): void {
  if (options.retryAfterSeconds) res.setHeader('Retry-After', String(options.retryAfterSeconds));
  const again = `/auth/login?return=${encodeURIComponent(options.returnTo ?? '/map')}`;
  send(
    res,
    status,
    page(
      '登录失败 · Sign-in refused',
      `    <h1>登录失败 · Sign-in refused</h1>
    <p lang="zh-CN">${escapeHtml(text.zh)}</p>
    <p lang="en">${escapeHtml(text.en)}</p>
    ${options.detail ? `<p class="detail">${escapeHtml(options.detail)}</p>` : ''}
    <p><a href="${escapeHtml(again)}">重新登录 · Sign in again</a><a href="/map">一张图 · Map</a></p>`,
    ),
  );
}
