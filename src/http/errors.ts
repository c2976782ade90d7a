import type { ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import type { Request, Response } from 'express';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';
import { isStatementTimeout } from '../db/connection.js';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import { tokenLimitOf } from './limits.js';
import { bodyProblem } from './requestBody.js';

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

/** What a client reads of an internal error: its cause is in the log, under the request id. */
export const INTERNAL_MESSAGE =
  '内部错误，请提供请求编号 / Internal error: quote the request id to the hub operator';

/** Seconds a client is told to wait before sending again a request the database's outage refused. */
const UNAVAILABLE_RETRY_AFTER_SECONDS = 10;

/**
 * The HTTP status of every code the hub answers with, on /graphql (a request refused before it runs) and
 * the REST routes alike. An error may name another status of its own (`extensions.http.status`: 413 for
 * an upload too large, 415 for a content type).
 */
const STATUS_OF_CODE: Readonly<Record<string, number>> = {
  BAD_USER_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  INTERNAL_SERVER_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
  TIMEOUT: 503,
};

/** The database could not be reached: SERVICE_UNAVAILABLE with Retry-After. */
export function databaseUnavailable(): GraphQLError {
  return new GraphQLError(UNAVAILABLE_MESSAGE, {
    extensions: {
      code: 'SERVICE_UNAVAILABLE',
      http: { headers: new Map([['retry-after', String(UNAVAILABLE_RETRY_AFTER_SECONDS)]]) },
    },
  });
}

/** Whether a statement ran past the statement timeout, also under drizzle's "Failed query" wrapper. */
function timedOut(error: unknown): boolean {
  for (let cause = error, depth = 0; cause && depth < 5; depth++) {
    if (isStatementTimeout(cause)) return true;
    cause = (cause as { cause?: unknown }).cause;
  }
  return false;
}

/** What the client gets for an error outside GraphQL's execution: status, headers and one error. */
export interface ErrorAnswer {
  status: number;
  headers: [string, string][];
  message: string;
  extensions: { code: string; [name: string]: unknown };
  /** Not the client's doing: logged as a warning (the database) or an error (the hub's fault). */
  log?: 'warn' | 'error';
}

type HttpExtension = { status?: number; headers?: Iterable<[string, string]> };

/** The one mapping of an error to its HTTP answer, for every route. */
export function errorAnswer(error: unknown): ErrorAnswer {
  if (isDatabaseUnavailable(error)) {
    const unavailable = databaseUnavailable();
    return { ...errorAnswer(unavailable), log: 'warn' };
  }
  if (timedOut(error)) {
    return {
      status: 503,
      headers: [],
      message: TIMEOUT_MESSAGE,
      extensions: { code: 'TIMEOUT' },
      log: 'warn',
    };
  }
  if (error instanceof GraphQLError) {
    const { code, http, ...extensions } = error.extensions as { code?: unknown; http?: HttpExtension };
    const status = http?.status ?? (typeof code === 'string' ? STATUS_OF_CODE[code] : undefined);
    if (typeof code === 'string' && status !== undefined && code !== 'INTERNAL_SERVER_ERROR') {
      return {
        status,
        headers: [...(http?.headers ?? [])],
        message: error.message,
        extensions: { ...extensions, code },
      };
    }
  }
  const body = error instanceof Error ? bodyProblem(error) : undefined;
  if (body) {
    return {
      status: body.status,
      headers: [],
      message: body.message,
      extensions: { code: 'BAD_USER_INPUT', reason: body.reason },
    };
  }
  const status = (error as { status?: unknown } | null)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { status, headers: [], message: (error as Error).message, extensions: { code: 'BAD_USER_INPUT' } };
  }
  return {
    status: 500,
    headers: [],
    message: INTERNAL_MESSAGE,
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
    log: 'error',
  };
}

/**
 * Sends an error as JSON in the GraphQL shape, `{"errors":[{"message":…,"extensions":{"code":…}}]}`, with
 * its status and headers (errorAnswer); what is not the client's doing is logged, an internal error with
 * the request id the client is told to quote.
 */
export function sendError(req: Request, res: Response, error: unknown): ErrorAnswer {
  const answer = logged(req, error);
  for (const [name, value] of answer.headers) res.setHeader(name, value);
  const extensions =
    answer.extensions.code === 'INTERNAL_SERVER_ERROR'
      ? { ...answer.extensions, requestId: String(req.id) }
      : answer.extensions;
  res.status(answer.status).json({ errors: [{ message: answer.message, extensions }] });
  return answer;
}

/** The error's answer, logged when it is not the client's doing. */
function logged(req: Request, error: unknown): ErrorAnswer {
  const answer = errorAnswer(error);
  if (answer.log === 'error') req.log.error({ err: error }, 'request failed');
  else if (answer.log === 'warn') req.log.warn({ err: error }, `request failed: ${answer.extensions.code}`);
  return answer;
}

/**
 * A refusal as Apollo answers it when the context function throws it: the status and headers of the one
 * mapping (errorAnswer) in `extensions.http`, which Apollo takes off the error it sends.
 */
export function apolloRefusal(req: Request, error: unknown): GraphQLError {
  const answer = logged(req, error);
  return new GraphQLError(answer.message, {
    originalError: error instanceof Error ? error : undefined,
    extensions: { ...answer.extensions, http: { status: answer.status, headers: new Map(answer.headers) } },
  });
}

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
  if (timedOut(unwrapResolverError(error))) {
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
      message: INTERNAL_MESSAGE,
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
            } else if (timedOut(unwrapResolverError(error))) {
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
