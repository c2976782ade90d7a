import { GraphQLError } from 'graphql';

/** The stable error codes clients can act on. */
export type ErrorCode = 'UNAUTHENTICATED' | 'FORBIDDEN' | 'BAD_USER_INPUT' | 'NOT_FOUND' | 'CONFLICT';

export function userError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}) {
  return new GraphQLError(message, { extensions: { ...extensions, code } });
}

export function badInput(message: string, extensions: Record<string, unknown> = {}) {
  return userError('BAD_USER_INPUT', message, extensions);
}

export function forbidden(message: string, extensions: Record<string, unknown> = {}) {
  return userError('FORBIDDEN', message, extensions);
}
