import type { HubLimits } from '../config.js';
import { formatError } from './errors.js';

/**
 * What both GraphQL endpoints (`/graphql` and `/public/graphql`) set on Apollo. Introspection is on: each
 * schema holds only what its callers may see. Never a stack trace, whatever NODE_ENV says (Apollo's default
 * shows them outside production). No signal handlers of Apollo's own: the hub stops itself on SIGTERM and
 * SIGINT (src/http/serve.ts), and Apollo's would race it. Apollo's defaults, stated: a simple POST (text/plain,
 * forms) or a GET without a preflight header is refused; one document per request.
 */
export function apolloOptions(limits: HubLimits) {
  return {
    introspection: true,
    includeStacktraceInErrorResponses: false,
    stopOnTerminationSignals: false,
    hideSchemaDetailsFromClientErrors: true,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    parseOptions: { maxTokens: limits.query.tokens },
    formatError,
  } as const;
}
