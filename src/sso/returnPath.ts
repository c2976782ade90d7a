/**
 * Where a sign-in returns to: one of the hub's own pages, never a URL a link chose (an open redirect would
 * hand a fresh session to whatever page it named). Anything else, a query or a fragment included, is the map.
 */
export const RETURN_PAGES = ['/map', '/dashboard', '/graphql'] as const;

export const DEFAULT_RETURN = '/map';

export function returnPath(asked: unknown): string {
  return typeof asked === 'string' && (RETURN_PAGES as readonly string[]).includes(asked)
    ? asked
    : DEFAULT_RETURN;
}
