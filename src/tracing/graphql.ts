import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayExecutor } from '@apollo/server-gateway-interface';
import { type Span, trace } from '@opentelemetry/api';
import { inSpan, recordFailure, traced, tracer } from './spans.js';

/**
 * GraphQL's spans. There is no OpenTelemetry instrumentation for Apollo Server, and the official one for
 * graphql-js (@opentelemetry/instrumentation-graphql) wraps graphql-js's `execute`, which the operations
 * graphql-jit compiles never call (src/graphql/executor.ts). So the hub makes them itself, where Apollo
 * and its executor let it: parsing and validation (a plugin), and the execution of each operation (a span
 * around the executor, active while it runs, so its resolvers' batches and SQL statements nest under it).
 */

/** What of a request's context the spans name: the request id the hub answers with, and who asked. */
interface Traced {
  requestId?: string;
  principal?: { code: string };
}

/** The executor, each operation's execution in a span `query Name` (`graphql.operation.*` attributes). */
export function tracedExecutor(executor: GatewayExecutor): GatewayExecutor {
  return (request) => {
    // an unsampled request's operation: nothing to name (no attributes made on every request)
    if (!traced()) return executor(request);
    const type = request.operation?.operation ?? 'query';
    const name = request.operationName ?? request.operation?.name?.value;
    const context = request.context as Traced;
    const attributes = {
      'graphql.operation.type': type,
      ...(name ? { 'graphql.operation.name': name } : {}),
      ...(context.requestId ? { 'jingtu.request_id': context.requestId } : {}),
      ...(context.principal ? { 'jingtu.principal': context.principal.code } : {}),
    };
    return inSpan(name ? `${type} ${name}` : type, attributes, async (span) => {
      const result = await executor(request);
      if (result.errors?.length) span?.setAttribute('jingtu.graphql.errors', result.errors.length);
      return result;
    });
  };
}

function phase(name: string): (error?: Error) => Promise<void> {
  const span: Span = tracer.startSpan(name);
  return async (error) => {
    if (error) recordFailure(span, error);
    span.end();
  };
}

/**
 * Parsing and validation, each a span under the request's, and the request's span (the HTTP server span)
 * given the operation's type and name.
 */
export function tracingPlugin(): ApolloServerPlugin<Traced> {
  return {
    async requestDidStart() {
      // the HTTP server span, which has the request id already (src/http/app.ts); none for an unsampled one
      const request = trace.getActiveSpan();
      if (!request?.isRecording()) return {};
      return {
        async parsingDidStart() {
          return phase('graphql.parse');
        },
        async validationDidStart() {
          const end = phase('graphql.validate');
          return (errors) => end(errors?.[0]);
        },
        async didResolveOperation({ operation, operationName }) {
          if (operation) request?.setAttribute('graphql.operation.type', operation.operation);
          if (operationName) request?.setAttribute('graphql.operation.name', operationName);
        },
      };
    },
  };
}
