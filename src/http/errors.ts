import type { ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';
import { isStatementTimeout } from '../db/connection.js';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import { tokenLimitOf } from './limits.js';

/**
 * Errors from reading the request, parsing and validating a document and picking its operation are the
 * caller's: they share the BAD_USER_INPUT code, with Apollo's code (or a limit's) as the `reason`.
 */
const INPUT_ERRORS = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

/** What a client reads when a statement ran past the hub's statement timeout. */
export const TIMEOUT_MESSAGE =
  '查询超时：请缩小筛选范围或减少每页条数 / The query took too long: narrow the filter or ask for smaller pages';

/** What a client reads when the database is out of reach: the request may be sent again as it is. */
export const UNAVAILABLE_MESSAGE =
  '数据库暂时不可用，请稍后重试 / The database is unavailable for the moment: send the request again shortly';

/**
 * graphql-js appends "Did you mean …?" to unknown names, which names fields and values the caller may not
 * see. Apollo's `hideSchemaDetailsFromClientErrors` strips it from validation errors only; variable
 * coercion ("Variable "$f" got invalid value …") keeps it, so every input error is stripped here.
 */
function withoutSuggestions(message: string): string {
  return message.replace(/ ?Did you mean [^?]*\?/g, '');
}

/**
 * What a client sees of an error: user errors as they are, internal errors as one line with no detail (the
 * request id in the response's extensions and `x-request-id` header finds the logged cause).
 */
export function formatError(formatted: GraphQLFormattedError, error?: unknown): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  if (isDatabaseUnavailable(unwrapResolverError(error))) {
    return { ...formatted, message: UNAVAILABLE_MESSAGE, extensions: { code: 'SERVICE_UNAVAILABLE' } };
  }
  if (isStatementTimeout(unwrapResolverError(error))) {
    return { ...formatted, message: TIMEOUT_MESSAGE, extensions: { code: 'TIMEOUT' } };
  }
  const tokenLimit = code === 'GRAPHQL_PARSE_FAILED' ? tokenLimitOf(formatted.message) : undefined;
  if (tokenLimit !== undefined) {
    return {
      message: `查询的词法单元超过上限 ${tokenLimit} / The document has more than ${tokenLimit} tokens, the limit`,
      locations: formatted.locations,
      extensions: { code: 'BAD_USER_INPUT', reason: 'MAX_TOKENS', limit: tokenLimit },
    };
  }
  if (typeof code === 'string' && INPUT_ERRORS.has(code)) {
    return {
      ...formatted,
      message: withoutSuggestions(formatted.message),
      extensions: {
        ...formatted.extensions,
        code: 'BAD_USER_INPUT',
        reason: formatted.extensions?.reason ?? code,
      },
    };
  }
  if (code === 'BAD_USER_INPUT') return { ...formatted, message: withoutSuggestions(formatted.message) };
  if (code === 'INTERNAL_SERVER_ERROR' || code === undefined) {
    return {
      message: '内部错误，请提供请求编号 / Internal error: quote the request id to the hub operator',
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    };
  }
  return formatted;
}

/** Logs internal errors with their request id and returns the request id in every response. */
export function requestIdPlugin(logger: Logger): ApolloServerPlugin<{ requestId?: string }> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue }) {
          for (const error of errors) {
            const code = error.extensions?.code;
            if (isDatabaseUnavailable(unwrapResolverError(error))) {
              logger.warn(
                { err: unwrapResolverError(error), requestId: contextValue.requestId },
                'database unavailable',
              );
            } else if (isStatementTimeout(unwrapResolverError(error))) {
              logger.warn({ requestId: contextValue.requestId, path: error.path }, 'statement timeout');
            } else if (code === undefined || code === 'INTERNAL_SERVER_ERROR') {
              logger.error(
                { err: error.originalError ?? error, requestId: contextValue.requestId, path: error.path },
                'resolver failed',
              );
            }
          }
        },
        async willSendResponse({ response, contextValue }) {
          if (response.body.kind === 'single' && contextValue.requestId) {
            response.body.singleResult.extensions = {
              ...response.body.singleResult.extensions,
              requestId: contextValue.requestId,
            };
          }
        },
      };
    },
  };
}
