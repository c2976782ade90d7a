/** Requests to the servers a benchmark measures, one at a time (autocannon sends the load). */

/** The headers of a JSON request, with a hub key when given. */
export const jsonHeaders = (key?: string, more: Record<string, string> = {}): Record<string, string> => ({
  'content-type': 'application/json',
  ...(key ? { authorization: `Bearer ${key}` } : {}),
  ...more,
});

/** POSTs a body; the status and the text of the answer. */
export async function post(
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs?: number,
): Promise<{ status: number; text: string; headers: Headers }> {
  const response = await fetch(url, {
    method: 'POST',
    headers,
    body,
    signal: timeoutMs ? AbortSignal.timeout(timeoutMs) : undefined,
  });
  return { status: response.status, text: await response.text(), headers: response.headers };
}

export interface GraphqlError {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; reason?: string };
}

export interface GraphqlBody<T = Record<string, unknown>> {
  data?: T | null;
  errors?: GraphqlError[];
}

/** A GraphQL operation as `key`; the status and the parsed body (an answer that is not JSON throws). */
export async function graphql<T = Record<string, unknown>>(
  base: string,
  key: string,
  query: string,
  variables?: object,
): Promise<{ status: number; body: GraphqlBody<T> }> {
  const { status, text } = await post(
    `${base}/graphql`,
    JSON.stringify({ query, variables }),
    jsonHeaders(key),
  );
  try {
    return { status, body: JSON.parse(text) as GraphqlBody<T> };
  } catch {
    throw new Error(`GraphQL: HTTP ${status}, not JSON: ${text.slice(0, 300)}`);
  }
}
