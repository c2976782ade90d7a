import type { ApolloServerPlugin, GraphQLResponse } from '@apollo/server';
import type { GraphQLSchema } from 'graphql';
import type { Context } from '../context.js';
import { fieldsRead } from './reads.js';
import type { AuditSink } from './writer.js';

/** What an answered operation came to: OK, PARTIAL (data and errors) or FAILED (no data). */
export function graphqlOutcome(response: GraphQLResponse): 'OK' | 'PARTIAL' | 'FAILED' {
  const body = response.body.kind === 'single' ? response.body.singleResult : undefined;
  return !body?.data ? 'FAILED' : body.errors?.length ? 'PARTIAL' : 'OK';
}

/**
 * Writes one audit record for every GraphQL operation that reached Apollo with a principal (requests
 * refused for their key are audited where they are refused): who, which key, the operation's name and
 * document hash, the dataset fields it asked for and how they were read, the rows returned, grants used,
 * actions taken, and the outcome. The response waits for the record's commit (group-committed with the
 * other requests of the moment), so nothing is answered that is not accounted for.
 */
export function auditPlugin(schema: GraphQLSchema, writer: AuditSink): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      // the writer gathers a batch while requests run (group commit): this one's record will come
      writer.expect();
      return {
        async willSendResponse({ contextValue: ctx, document, operationName, queryHash, request, response }) {
          const body = response.body.kind === 'single' ? response.body.singleResult : undefined;
          const errors: Record<string, number> = {};
          for (const error of body?.errors ?? []) {
            const code = String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR');
            errors[code] = (errors[code] ?? 0) + 1;
          }
          const reads = document
            ? fieldsRead(
                schema,
                document,
                operationName ?? request.operationName,
                request.variables,
                ctx.access,
              )
            : [];
          const outcome = graphqlOutcome(response);
          await writer.write(
            {
              event: 'GRAPHQL',
              principal: ctx.principal.code,
              keyId: ctx.principal.keyId,
              requestId: ctx.requestId,
              operationName: operationName ?? request.operationName ?? null,
              documentHash: queryHash ?? null,
              // TIMEOUT when the deadline answered first (src/http/timeouts.ts): what the client got
              outcome: ctx.deadline?.outcome(outcome) ?? outcome,
              detail: ctx.audit.detail(reads, errors),
            },
            { expected: true },
          );
        },
      };
    },
  };
}
