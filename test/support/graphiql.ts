import type { Page, Response } from 'playwright-core';

/*
 * Drives the GraphiQL 3 page served by src/http/graphiql.ts.
 *
 * GraphiQL 3 uses CodeMirror 5 editors; each editor's root `.CodeMirror` element carries the editor
 * instance as `element.CodeMirror`, so values are set with `CodeMirror.setValue()` in the page.
 * The tsconfig has no DOM lib, so the in-page callbacks type the few browser globals they use.
 */

interface CodeMirrorElement {
  CodeMirror?: { getValue(): string; setValue(value: string): void };
  getAttribute(name: string): string | null;
}

interface BrowserGlobals {
  document: { querySelector(selector: string): CodeMirrorElement | null };
}

const QUERY_EDITOR = '.graphiql-query-editor .graphiql-editor .CodeMirror';
/** Variables and headers editors both live in `.graphiql-editor-tool`; the inactive one has class `hidden`. */
const HEADERS_TAB = '.graphiql-editor-tools button[data-name="headers"]';
const HEADERS_EDITOR = '.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror';
const RESPONSE_EDITOR = '.graphiql-response .CodeMirror';
const EXECUTE_BUTTON = '.graphiql-execute-button';

export interface RunQueryOptions {
  /** Per-step timeout in ms (default 20 000). */
  timeout?: number;
  /** Path of the GraphiQL page and GraphQL endpoint (default `/graphql`). */
  path?: string;
}

/**
 * Opens GraphiQL at `baseUrl`, puts `Authorization: Bearer <key>` into the Headers editor, runs `query`
 * with the execute button and returns the text of the result pane once it shows this query's response.
 */
export async function runQueryInGraphiql(
  page: Page,
  baseUrl: string,
  key: string,
  query: string,
  options: RunQueryOptions = {},
): Promise<string> {
  const timeout = options.timeout ?? 20_000;
  const endpoint = new URL(options.path ?? '/graphql', baseUrl);

  await page.goto(endpoint.href, { waitUntil: 'load', timeout });
  await page.waitForFunction(
    (selector) =>
      Boolean((globalThis as unknown as BrowserGlobals).document.querySelector(selector)?.CodeMirror),
    QUERY_EDITOR,
    { timeout },
  );

  // Show the Headers tab (idempotent; also re-opens the editor tools pane if it was collapsed).
  await page.click(HEADERS_TAB, { timeout });
  await page.waitForSelector(HEADERS_EDITOR, { timeout });

  const headers = JSON.stringify({ Authorization: `Bearer ${key}` });
  await page.evaluate(
    ({ headersSelector, querySelector, headers, query }) => {
      const { document } = globalThis as unknown as BrowserGlobals;
      const headersEditor = document.querySelector(headersSelector)?.CodeMirror;
      const queryEditor = document.querySelector(querySelector)?.CodeMirror;
      if (!headersEditor || !queryEditor) throw new Error('GraphiQL editors not found');
      headersEditor.setValue(headers);
      queryEditor.setValue(query);
    },
    { headersSelector: HEADERS_EDITOR, querySelector: QUERY_EDITOR, headers, query },
  );

  // The POST carrying our query (not GraphiQL's own introspection requests).
  const responsePromise = page.waitForResponse(
    (response) => {
      const request = response.request();
      if (request.method() !== 'POST' || new URL(request.url()).pathname !== endpoint.pathname) return false;
      try {
        return (JSON.parse(request.postData() ?? '{}') as { query?: unknown }).query === query;
      } catch {
        return false;
      }
    },
    { timeout },
  );
  await page.click(EXECUTE_BUTTON, { timeout });
  const response: Response = await responsePromise;
  const body = await response.text();
  let expected: string | null = null;
  try {
    expected = JSON.stringify(JSON.parse(body));
  } catch {
    // Non-JSON body: GraphiQL shows its own error text; return whatever the pane shows when done.
  }

  // Wait until execution finished and the result pane shows this response (GraphiQL pretty-prints JSON,
  // so compare parsed values; the pane may still show an earlier introspection error until then).
  const handle = await page.waitForFunction(
    ({ responseSelector, executeSelector, expected }) => {
      const { document } = globalThis as unknown as BrowserGlobals;
      const running = document.querySelector(executeSelector)?.getAttribute('aria-label')?.startsWith('Stop');
      const value = document.querySelector(responseSelector)?.CodeMirror?.getValue() ?? '';
      if (running || value.trim() === '') return false;
      if (expected === null) return value;
      try {
        return JSON.stringify(JSON.parse(value)) === expected ? value : false;
      } catch {
        return false;
      }
    },
    { responseSelector: RESPONSE_EDITOR, executeSelector: EXECUTE_BUTTON, expected },
    { timeout },
  );
  return (await handle.jsonValue()) as string;
}
