/**
 * The content-security policy of the hub's own pages (GraphiQL, the map, the dashboard): everything from
 * this origin only, nothing framed, no plugin, no base URL; a page adds what it needs.
 */
export function pageContentSecurityPolicy(
  page: {
    /** Extra sources of scripts, e.g. the nonce of the page's inline ones. */
    script?: string[];
    /** Extra sources of images, e.g. `blob:` for a map's drawn images. */
    img?: string[];
    /** Lets the page start workers from its own files. */
    workers?: boolean;
  } = {},
): string {
  return [
    "default-src 'self'",
    ["script-src 'self'", ...(page.script ?? [])].join(' '),
    ...(page.workers ? ["worker-src 'self'"] : []),
    // The pages set element styles (GraphiQL, a legend's colours, MapLibre's own positioning).
    "style-src 'self' 'unsafe-inline'",
    ["img-src 'self' data:", ...(page.img ?? [])].join(' '),
    // graphiql.min.css embeds its fonts as data: URLs.
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}
