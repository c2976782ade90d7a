import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/browser.js';
import { runQueryInGraphiql } from './support/graphiql.js';
import { withTestHub } from './support/hub.js';
import { outgoingRecord, uniqueId } from './support/records.js';
import { seed } from './support/seed.js';
import { watchPage } from './support/webPages.js';

const TITLE = '净土数据共享枢纽 GraphiQL · Jingtu Hub';
const HTML_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

const hub = withTestHub();
let baseUrl: string;
let browser: Browser;
let key: string;
const projectName = `GraphiQL 测试项目 ${uniqueId()}`;
const QUERY = `{ constructionPermits(filter: { search: "${projectName}" }) { totalCount nodes { projectName } } }`;

beforeAll(async () => {
  baseUrl = hub.url;
  key = await hub.key('HOUSING');
  await seed(hub.database.db).records('constructionPermit', [
    outgoingRecord('constructionPermit', uniqueId(), { projectName }),
  ]);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

describe('GraphiQL page (HTTP)', () => {
  it('serves the page to browsers with a nonce-based CSP and only same-origin URLs', {
    timeout: 30_000,
  }, async () => {
    const [first, second] = await Promise.all(
      [1, 2].map(() => fetch(`${baseUrl}/graphql`, { headers: { accept: HTML_ACCEPT } })),
    );
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toMatch(/^text\/html/);
    expect(first.headers.get('vary')).toMatch(/accept/i);
    const html = await first.text();
    expect(html).toContain('<html lang="zh-CN">');
    expect(html).toContain(`<title>${TITLE}</title>`);

    const csp = first.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("style-src 'self' 'unsafe-inline'");
    expect(csp).toContain("img-src 'self' data:");
    expect(csp).toContain("connect-src 'self'");
    const nonce = /script-src 'self' 'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(second.headers.get('content-security-policy')).not.toBe(csp);
    for (const tag of html.match(/<script\b[^>]*>/g) ?? []) expect(tag).toContain(`nonce="${nonce}"`);
    // Only the JSON config block is inline; it is data, not executable script.
    expect(html.match(/<script\b(?![^>]*\bsrc=)[^>]*>/g)).toEqual([
      `<script id="graphiql-config" type="application/json" nonce="${nonce}">`,
    ]);

    const external = (html.match(/https?:\/\/[^\s"'<>)]*/g) ?? []).filter((url) => !url.startsWith(baseUrl));
    expect(external).toEqual([]);
  });

  it('lets GraphQL requests through to the GraphQL server', async () => {
    const json = await fetch(`${baseUrl}/graphql`, { headers: { accept: 'application/json' } });
    // a GraphQL GET (here an empty one), answered by the GraphQL server rather than the page
    expect(json.status).toBe(400);
    expect(json.headers.get('content-type')).toMatch(/json/);
    const withQuery = await fetch(`${baseUrl}/graphql?query=${encodeURIComponent(QUERY)}`, {
      headers: { accept: HTML_ACCEPT, authorization: `Bearer ${key}`, 'apollo-require-preflight': 'true' },
    });
    expect(await withQuery.json()).toMatchObject({ data: { constructionPermits: { totalCount: 1 } } });
    const post = await fetch(`${baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query: QUERY }),
    });
    expect(await post.json()).toMatchObject({ data: { constructionPermits: { nodes: [{ projectName }] } } });
  });

  it('serves the bundled assets with long cache headers', async () => {
    for (const [name, type] of [
      ['react.production.min.js', 'text/javascript'],
      ['react-dom.production.min.js', 'text/javascript'],
      ['graphiql.min.js', 'text/javascript'],
      ['graphiql.min.css', 'text/css'],
      ['boot.js', 'text/javascript'],
    ]) {
      const res = await fetch(`${baseUrl}/graphiql/${name}?v=test`);
      expect(res.status, name).toBe(200);
      expect(res.headers.get('content-type'), name).toContain(type);
      expect(res.headers.get('cache-control'), name).toMatch(/max-age=31536000/);
      await res.arrayBuffer();
    }
    expect((await fetch(`${baseUrl}/graphiql/package.json`)).status).toBe(404);
  });
});

describe('GraphiQL page (Chromium)', () => {
  it('runs a query with the API key from the Headers editor', { timeout: 30_000 }, async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      // The initial introspection without a key is expected to fail with 401.
      const { requests, problems } = watchPage(page, (text) => text.includes('401'));

      const result = await runQueryInGraphiql(page, baseUrl, key, QUERY);

      expect(result).toContain(projectName);
      expect(JSON.parse(result).data).toEqual({
        constructionPermits: { totalCount: 1, nodes: [{ projectName }] },
      });
      expect(await page.title()).toBe(TITLE);
      expect(requests.length).toBeGreaterThan(0);
      expect(requests.filter((url) => new URL(url).origin !== baseUrl)).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
