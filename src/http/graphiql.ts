/**
 * GraphiQL IDE for Jingtu Hub (净土数据共享枢纽), served entirely from this origin.
 *
 * Mounted at the application root, before /graphql (src/http/app.ts), and open to anyone: it carries no
 * key and no data.
 *
 * - `GET /graphql` from a browser (accepts text/html, no `query` search param) gets the IDE page;
 *   every other request falls through (`next()`) to the GraphQL server.
 * - `/graphiql/*` serves React 18, ReactDOM 18 and GraphiQL 3 UMD bundles from node_modules plus a
 *   small bootstrap script (`boot.js`). No CDN, no web fonts (GraphiQL's CSS inlines its fonts as data: URLs).
 * - The page sets a strict Content-Security-Policy with a fresh nonce per response; it contains no
 *   executable inline script, only a JSON data block read by boot.js.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import express from 'express';
import { escapeHtml, jsonForScript } from '../domain/html.js';
import { pageContentSecurityPolicy } from './pagePolicy.js';

/**
 * Placeholder for the API key in the default Authorization header. It must stay ASCII: browsers reject
 * header values outside ISO-8859-1 (fetch throws "String contains non ISO-8859-1 code point"), which
 * would break GraphiQL's initial introspection request, so the Chinese hint lives in the query comment.
 */
const KEY_PLACEHOLDER = '<paste your key>';

/** Default query shown in a fresh GraphiQL session, over the hub's own datasets. */
export const GRAPHIQL_DEFAULT_QUERY = `# 净土数据共享枢纽 GraphiQL · Jingtu Hub
#
# 请在下方 Headers 中填入 API 密钥：把 ${KEY_PLACEHOLDER} 替换为您的密钥（粘贴您的密钥），
# 然后点击 ▶ (Ctrl-Enter) 运行查询；点击左侧 ↻ 可重新加载 schema 以启用自动补全。
# Paste your API key into the Authorization header in the Headers tab below, replacing
# ${KEY_PLACEHOLDER}, then press ▶ (Ctrl-Enter). Click ↻ on the left to re-fetch the schema.

{
  me {
    code
    nameZh
  }
  constructionPermits(first: 5, orderBy: { field: ISSUED_ON, direction: DESC }) {
    totalCount
    nodes {
      permitNo
      projectName
      district
      issuedOn
      landUseChange {
        parcelCode
        plannedUse
        overlappingRegisterSites {
          name
          status
        }
      }
    }
  }
}
`;

/** Default request headers shown in the Headers editor (GraphiQL persists them per browser once edited). */
export const GRAPHIQL_DEFAULT_HEADERS = `{
  "Authorization": "Bearer ${KEY_PLACEHOLDER}"
}`;

export const GRAPHIQL_PAGE_TITLE = '净土数据共享枢纽 GraphiQL · Jingtu Hub';

const GRAPHQL_PATH = '/graphql';
const ASSET_PREFIX = '/graphiql';

/**
 * Bootstrap script served as /graphiql/boot.js. Globals come from the UMD bundles loaded before it:
 * `React` (react.production.min.js), `ReactDOM` (react-dom.production.min.js, provides createRoot)
 * and `GraphiQL` (graphiql.min.js, which itself reads `window.React` and `window.ReactDOM`).
 */
const BOOT_JS = `(function () {
  'use strict';
  var config = JSON.parse(document.getElementById('graphiql-config').textContent);
  var container = document.getElementById('graphiql');
  container.textContent = '';
  // A query handed over in the fragment (the map's "open in GraphiQL"): never sent to the server.
  var shared = new URLSearchParams(location.hash.slice(1)).get('query');
  // The browser session's key (single sign-on's, or one pasted in the map): the Authorization header's, and
  // then not persisted (it would outlive the tab in localStorage).
  var key = sessionStorage.getItem('jingtu.key');
  var sso = key && sessionStorage.getItem('jingtu.sso') === '1';
  var root = ReactDOM.createRoot(container);
  root.render(
    React.createElement(GraphiQL, {
      fetcher: GraphiQL.createFetcher({ url: config.url }),
      defaultQuery: config.defaultQuery,
      query: shared || undefined,
      defaultHeaders: config.defaultHeaders,
      headers: key ? JSON.stringify({ Authorization: 'Bearer ' + key }, null, 2) : undefined,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: !key,
      defaultEditorToolsVisibility: 'headers',
    }),
  );
  // Single sign-on, when the hub offers it: a bar above the IDE to sign in, or to end the session.
  var bar = document.getElementById('sso-bar');
  function button(text, onClick) {
    var b = document.createElement('button');
    b.type = 'button';
    b.textContent = text;
    b.addEventListener('click', onClick);
    bar.appendChild(b);
  }
  fetch('/auth/config')
    .then(function (answer) { return answer.json(); })
    .then(function (answer) {
      if (!answer.enabled && !sso) return;
      if (sso) {
        bar.appendChild(document.createTextNode('已通过单点登录，密钥已填入 Headers · Signed in by SSO, the key is in Headers'));
        button('退出 · Sign out', function () {
          fetch('/auth/logout', { method: 'POST', headers: { authorization: 'Bearer ' + key } })
            .catch(function () {})
            .then(function () {
              sessionStorage.removeItem('jingtu.key');
              sessionStorage.removeItem('jingtu.sso');
              location.reload();
            });
        });
      } else {
        button('单点登录 · Sign in with SSO', function () { location.assign('/auth/login?return=/graphql'); });
      }
      bar.hidden = false;
    })
    .catch(function () {});
})();
`;

type Asset = { file: string; type: string } | { body: string; type: string };

function resolveAssets(): Record<string, Asset> {
  const require = createRequire(import.meta.url);
  // react and react-dom do not export their umd/ folder, so resolve via their package.json.
  const reactDir = path.dirname(require.resolve('react/package.json'));
  const reactDomDir = path.dirname(require.resolve('react-dom/package.json'));
  return {
    'react.production.min.js': {
      file: path.join(reactDir, 'umd', 'react.production.min.js'),
      type: 'text/javascript',
    },
    'react-dom.production.min.js': {
      file: path.join(reactDomDir, 'umd', 'react-dom.production.min.js'),
      type: 'text/javascript',
    },
    'graphiql.min.js': { file: require.resolve('graphiql/graphiql.min.js'), type: 'text/javascript' },
    'graphiql.min.css': { file: require.resolve('graphiql/graphiql.min.css'), type: 'text/css' },
    'boot.js': { body: BOOT_JS, type: 'text/javascript' },
  };
}

/** Short content hash used as a cache-busting `?v=` so the assets can be cached for a year. */
function assetVersion(assets: Record<string, Asset>): string {
  const hash = createHash('sha256');
  for (const [name, asset] of Object.entries(assets)) {
    hash.update(name);
    hash.update('file' in asset ? readFileSync(asset.file) : asset.body);
  }
  return hash.digest('hex').slice(0, 12);
}

function renderPage(nonce: string, version: string): string {
  const asset = (name: string) => `${ASSET_PREFIX}/${name}?v=${version}`;
  const config = jsonForScript({
    url: GRAPHQL_PATH,
    defaultQuery: GRAPHIQL_DEFAULT_QUERY,
    defaultHeaders: GRAPHIQL_DEFAULT_HEADERS,
  });
  return `<!doctype html>
<html lang="zh-CN">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="referrer" content="no-referrer" />
    <link rel="icon" href="data:," />
    <title>${escapeHtml(GRAPHIQL_PAGE_TITLE)}</title>
    <link rel="stylesheet" href="${asset('graphiql.min.css')}" />
    <style>
      html, body { height: 100%; margin: 0; }
      body { display: flex; flex-direction: column; }
      #graphiql { flex: 1; min-height: 0; }
      #sso-bar { display: flex; gap: 0.8rem; align-items: center; justify-content: flex-end; padding: 0.3rem 0.8rem; font: 0.85rem system-ui, sans-serif; background: #f0f4f4; border-bottom: 1px solid #d0dada; }
      #sso-bar[hidden] { display: none; }
      #sso-bar button { cursor: pointer; }
      #graphiql > .loading { padding: 2rem; font-family: system-ui, sans-serif; color: #555; }
    </style>
  </head>
  <body>
    <div id="sso-bar" hidden></div>
    <div id="graphiql"><p class="loading">正在加载 GraphiQL… Loading GraphiQL…</p></div>
    <noscript>GraphiQL 需要启用 JavaScript。 GraphiQL requires JavaScript.</noscript>
    <script id="graphiql-config" type="application/json" nonce="${nonce}">${config}</script>
    <script src="${asset('react.production.min.js')}" nonce="${nonce}"></script>
    <script src="${asset('react-dom.production.min.js')}" nonce="${nonce}"></script>
    <script src="${asset('graphiql.min.js')}" nonce="${nonce}"></script>
    <script src="${asset('boot.js')}" nonce="${nonce}"></script>
  </body>
</html>
`;
}

function contentSecurityPolicy(nonce: string): string {
  return pageContentSecurityPolicy({ script: [`'nonce-${nonce}'`] });
}

function wantsHtml(req: express.Request): boolean {
  if (req.accepts(['application/json', 'application/graphql-response+json', 'text/html']) !== 'text/html') {
    return false;
  }
  const search = req.originalUrl.indexOf('?');
  return search < 0 || !new URLSearchParams(req.originalUrl.slice(search + 1)).has('query');
}

export function graphiqlRouter(): express.Router {
  const router = express.Router();
  const assets = resolveAssets();
  const version = assetVersion(assets);

  router.get(GRAPHQL_PATH, (req, res, next) => {
    res.vary('Accept');
    if (!wantsHtml(req)) {
      next();
      return;
    }
    const nonce = randomBytes(18).toString('base64');
    res
      .status(200)
      .set({
        'Content-Type': 'text/html; charset=utf-8',
        'Content-Security-Policy': contentSecurityPolicy(nonce),
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
        'X-Frame-Options': 'DENY',
      })
      .send(renderPage(nonce, version));
  });

  router.get(`${ASSET_PREFIX}/:name`, (req, res, next) => {
    const asset = Object.hasOwn(assets, req.params.name) ? assets[req.params.name] : undefined;
    if (!asset) {
      next();
      return;
    }
    res.set({
      'Content-Type': `${asset.type}; charset=utf-8`,
      'X-Content-Type-Options': 'nosniff',
      'Cross-Origin-Resource-Policy': 'same-origin',
    });
    if ('body' in asset) {
      res.set('Cache-Control', 'public, max-age=31536000, immutable').send(asset.body);
      return;
    }
    res.sendFile(asset.file, { maxAge: '1y', immutable: true }, (err) => {
      if (err && !res.headersSent) next(err);
    });
  });

  return router;
}
