import { session } from './session.ts';

/** One GraphQL error as the hub answers it. */
export interface GraphqlError {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; [name: string]: unknown };
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/** Where queries go: the keyed API, or the public one without a key. */
export const endpoint = (): string => (session.key() ? '/graphql' : '/public/graphql');

/** Counts what the page asked, so that a test (and the status line) can see it. */
export const traffic = { requests: 0, failures: 0 };

/**
 * Runs a GraphQL operation with the session's key (or in public). A refused key (401) or an answer
 * without data throws; field errors come back with the data (a masked or denied field is not an error of
 * the page).
 */
export async function graphql<T>(
  query: string,
  variables: Record<string, unknown> = {},
  signal?: AbortSignal,
): Promise<{ data: T; errors: GraphqlError[] }> {
  const key = session.key();
  traffic.requests += 1;
  const response = await fetch(endpoint(), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ query, variables }),
    signal,
  });
  const body = (await response.json().catch(() => null)) as { data?: T; errors?: GraphqlError[] } | null;
  if (!body?.data) {
    traffic.failures += 1;
    const first = body?.errors?.[0];
    throw new ApiError(
      first?.message ?? `HTTP ${response.status}`,
      first?.extensions?.code ?? (response.status === 401 ? 'UNAUTHENTICATED' : `HTTP_${response.status}`),
    );
  }
  return { data: body.data, errors: body.errors ?? [] };
}
