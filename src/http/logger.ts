import { DrizzleQueryError } from 'drizzle-orm/errors';
import { type DestinationStream, pino } from 'pino';
import postgres from 'postgres';

/**
 * Properties of an error that carry a statement, its parameters or row values: postgres.js puts the
 * statement and its parameters on every query error (`query`, `parameters`, `args`, `types`, enumerable
 * when it debugs), drizzle's DrizzleQueryError has `query` and `params`, and PostgreSQL's `detail` ("Key
 * (code)=(…) already exists", "Failing row contains (…)"), `where` and `internal_query` quote values.
 */
const CARRIES_VALUES = new Set([
  'query',
  'parameters',
  'params',
  'args',
  'types',
  'detail',
  'where',
  'internal_query',
]);

const isDatabaseError = (error: Error) =>
  error instanceof postgres.PostgresError || error instanceof DrizzleQueryError;

/** A database error's message without values: PostgreSQL quotes them ('invalid input syntax for type date: "…"'). */
function databaseMessage(error: Error): string {
  if (error instanceof DrizzleQueryError) return 'Failed query (its statement and parameters are not logged)';
  return error.message.replace(/"(?:[^"]|"")*"/g, '"…"');
}

/** The database errors an error wraps (itself, its causes, a GraphQLError's original error). */
function databaseErrorsIn(error: Error, depth = 0): Error[] {
  const inner = [error.cause, (error as { originalError?: unknown }).originalError].filter(
    (nested): nested is Error => nested instanceof Error && nested !== error,
  );
  return [
    ...(isDatabaseError(error) ? [error] : []),
    ...(depth < 8 ? inner.flatMap((nested) => databaseErrorsIn(nested, depth + 1)) : []),
  ];
}

/**
 * A copy of an error (and of its causes) for the log, without record values: database errors keep their
 * SQLSTATE `code`, `routine`, table, column and constraint names, and their message with every quoted part
 * replaced by "…"; their statement, parameters and detail are left out. Other errors keep their message,
 * but for the message of a database error they wrap (a GraphQLError repeats its resolver's error's).
 */
export function withoutValues(error: Error, depth = 0): Error {
  let message = error.message;
  for (const wrapped of databaseErrorsIn(error)) {
    message = message.split(wrapped.message).join(databaseMessage(wrapped));
  }
  const copy = Object.create(Object.getPrototypeOf(error)) as Error & Record<string, unknown>;
  for (const [key, value] of Object.entries(error)) {
    if (CARRIES_VALUES.has(key) || key === 'cause') continue;
    copy[key] = value instanceof Error && depth < 8 ? withoutValues(value, depth + 1) : value;
  }
  const frames = (error.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
  Object.defineProperties(copy, {
    message: { value: message, writable: true, configurable: true },
    stack: { value: [`${error.name}: ${message}`, ...frames].join('\n'), writable: true, configurable: true },
  });
  if (error.cause instanceof Error && depth < 8) copy.cause = withoutValues(error.cause, depth + 1);
  // A GraphQLError's cause (not enumerable): the error its resolver threw.
  const original = (error as { originalError?: unknown }).originalError;
  if (original instanceof Error && depth < 8) copy.originalError = withoutValues(original, depth + 1);
  return copy;
}

/**
 * Structured JSON logs on standard output (or `destination`). Credentials never reach a log: the request
 * log carries the headers, and the Authorization header holds the caller's API key. Nor do record values:
 * every error logged, under any key of the first argument or as the argument itself, is logged as
 * `withoutValues` makes it. (A hook rather than an `err` serializer: pino-http gives its request loggers
 * an `err` serializer of its own, which would replace ours.)
 */
export function createLogger(level: string, destination?: DestinationStream) {
  return pino(
    {
      level,
      base: { service: 'jingtu-hub' },
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
      hooks: {
        logMethod(args, method) {
          const [first] = args;
          if (first instanceof Error) {
            args[0] = withoutValues(first);
          } else if (first && typeof first === 'object') {
            const errors = Object.entries(first).filter(([, value]) => value instanceof Error);
            if (errors.length) {
              args[0] = {
                ...first,
                ...Object.fromEntries(errors.map(([key, value]) => [key, withoutValues(value)])),
              };
            }
          }
          return method.apply(this, args);
        },
      },
    },
    destination,
  );
}
