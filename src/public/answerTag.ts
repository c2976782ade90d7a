import { createHash } from 'node:crypto';
import type { ApolloServerPlugin } from '@apollo/server';
import { notModified } from './downloads.js';

/**
 * The ETag of a GET /public/graphql answer, so that a client or a shared cache can ask again with
 * If-None-Match and get 304 without the body, as the downloads do: a digest of the answer's data, the same
 * for every caller (the public schema answers everyone alike, so the tag tells nothing the answer does not).
 * Weak, because the body also carries its request id (Express's own tag, over the body, never matched for
 * that reason). An answer with errors gets none, and so does a POST: 304 answers only a conditional GET or
 * HEAD (RFC 9110 §15.4.5) and caches keep no POST answer; a cacheable query is sent as a GET. The query
 * still runs (the tag is its answer's), so a 304 saves the transfer, not the work.
 */
export function answerTagPlugin(): ApolloServerPlugin {
  return {
    async requestDidStart({ request }) {
      if (request.http?.method !== 'GET') return;
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single' || response.body.singleResult.errors?.length) return;
          const digest = createHash('sha256')
            .update(JSON.stringify(response.body.singleResult.data ?? null))
            .digest('base64url');
          const tag = `W/"${digest.slice(0, 32)}"`;
          response.http.headers.set('etag', tag);
          // Express's res.send sends a 304 without its body.
          if (notModified(request.http?.headers.get('if-none-match'), tag)) response.http.status = 304;
        },
      };
    },
  };
}
