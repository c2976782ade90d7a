import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import type { GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import type postgres from 'postgres';
import { applyPermissions } from '../access/rules.js';
import { auditPlugin } from '../audit/plugin.js';
import { UnauthenticatedRefusals } from '../audit/refusals.js';
import { type AuditSink, AuditWriter, discardAudit } from '../audit/writer.js';
import { DEFAULT_LIMITS, type HubLimits } from '../config.js';
import { type Context, createContext } from '../context.js';
import type { ReferenceData } from '../datasets/reference.js';
import type { Db } from '../db/connection.js';
import { schema } from '../graphql/schema.js';
import { Authentication } from './authentication.js';
import { bulkRouter } from './bulk.js';
import { formatError, requestIdPlugin } from './errors.js';
import { graphiqlRouter } from './graphiql.js';
import { healthRouter } from './health.js';
import { limitRules, limitsPlugin } from './limits.js';
import { AddressRateLimit, PrincipalRateLimit } from './rateLimit.js';
import { bodyProblem, graphqlBody } from './requestBody.js';
import { deadlineOf, IDLE_SOCKET_TIMEOUT_MS, requestDeadline, SERVER_OPTIONS } from './timeouts.js';

export interface HubDependencies {
  db: Db;
  sql: postgres.Sql;
  reference: ReferenceData;
  logger: Logger;
  /** Field-level permissions (graphql-shield); off only in the benchmark that measures what they cost. */
  permissions?: boolean;
  /** The audit trail; off only in the benchmark that measures what it costs. */
  audit?: boolean;
  /** Query, body, rate and time limits (DEFAULT_LIMITS when absent). */
  limits?: HubLimits;
  /** Requests per principal; createHub makes one from `limits` when absent. */
  rateLimit?: PrincipalRateLimit;
  /**
   * Reverse proxies (addresses, subnets, or Express's loopback / linklocal / uniquelocal) whose
   * X-Forwarded-For names the client; none when absent: the peer is the client.
   */
  trustedProxies?: readonly string[];
}

export interface Hub {
  httpServer: Server;
  stop(): Promise<void>;
}

const REQUEST_ID = /^[\w.-]{1,64}$/;

/** The operation a request names, for the audit record of a request refused before it was parsed. */
function operationNameOf(body: unknown): string | null {
  const { operationName, query } = (body ?? {}) as { operationName?: unknown; query?: unknown };
  if (typeof operationName === 'string') return operationName.slice(0, 200);
  const named = typeof query === 'string' ? query.match(/^\s*(?:query|mutation|subscription)\s+(\w+)/) : null;
  return named?.[1] ?? null;
}

/** HTTP → context: the caller's key becomes a principal, or the request is refused (Authentication). */
async function contextFor(
  req: express.Request,
  deps: HubDependencies,
  authentication: Authentication,
): Promise<Context> {
  const deadline = deadlineOf(req);
  const authenticated = await authentication.admit(req, {
    event: 'GRAPHQL',
    operationName: operationNameOf(req.body),
    // What the client gets: this outcome, or TIMEOUT if the deadline answered first (src/http/timeouts.ts).
    answered: (outcome) => deadline?.outcome(outcome) ?? outcome,
  });
  return createContext({
    ...authenticated,
    requestId: String(req.id),
    db: deps.db,
    reference: deps.reference,
    deadline,
  });
}

/** Answers a refusal as Apollo answers one thrown while building the context: its status and headers. */
function sendRefusal(res: express.Response, refusal: GraphQLError): void {
  const { http, ...extensions } = refusal.extensions as {
    http?: { status?: number; headers?: Map<string, string> };
  };
  for (const [name, value] of http?.headers ?? []) res.setHeader(name, value);
  res.status(http?.status ?? 400).json({ errors: [{ message: refusal.message, extensions }] });
}

/** Builds the hub's HTTP server: health, GraphiQL, and GraphQL behind key authentication. */
export async function createHub(given: HubDependencies): Promise<Hub> {
  const limits = given.limits ?? DEFAULT_LIMITS;
  const deps = { ...given, rateLimit: given.rateLimit ?? new PrincipalRateLimit(limits.ratePerMinute) };
  const app = express();
  const httpServer = createServer(SERVER_OPTIONS, app);
  httpServer.setTimeout(IDLE_SOCKET_TIMEOUT_MS);
  app.disable('x-powered-by');
  // req.ip: the forwarded client only behind these proxies (the limit on requests without a valid key).
  app.set('trust proxy', deps.trustedProxies?.length ? [...deps.trustedProxies] : false);
  app.use(
    pinoHttp({
      logger: deps.logger,
      genReqId: (req, res) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
        res.setHeader('x-request-id', id);
        return id;
      },
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
    }),
  );
  app.use(healthRouter(deps.sql));
  app.use(graphiqlRouter());
  const audit: AuditSink = deps.audit === false ? discardAudit : new AuditWriter(deps.sql, deps.logger);
  const refusals = new UnauthenticatedRefusals(audit);
  const authentication = new Authentication({
    db: deps.db,
    audit,
    refusals,
    addresses: new AddressRateLimit(limits.anonymousPerMinute),
    principals: deps.rateLimit,
  });
  app.use(bulkRouter(deps, audit, authentication));

  const apollo = new ApolloServer<Context>({
    schema: deps.permissions === false ? schema : applyPermissions(schema),
    // Only authenticated principals reach it: every /graphql request needs a key (contextFor).
    introspection: true,
    // Never, whatever NODE_ENV says (Apollo's default shows them outside production).
    includeStacktraceInErrorResponses: false,
    // The hub stops itself on SIGTERM and SIGINT (src/http/serve.ts): Apollo's own handlers would race it.
    stopOnTerminationSignals: false,
    hideSchemaDetailsFromClientErrors: true,
    // Apollo's defaults, stated: a simple POST (text/plain, forms) or a GET without a preflight header is
    // refused; one document per request.
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    parseOptions: { maxTokens: limits.query.tokens },
    validationRules: limitRules(limits.query),
    formatError,
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      // Apollo's cache-control plugin is on unless disabled and instruments every field resolved, to end
      // up with \`cache-control: no-store\` for answers without cache hints (the hub sets none): the hub sets
      // that header itself (below) for ~4% of a list's CPU (issue 6's profile).
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginDrainHttpServer({ httpServer }),
      requestIdPlugin(deps.logger),
      limitsPlugin(schema, limits.query),
      auditPlugin(schema, audit),
    ],
  });
  await apollo.start();
  app.use(
    '/graphql',
    // Answers depend on who asks and may hold personal data: no cache (shared or private) keeps them.
    (_req: express.Request, res: express.Response, next: express.NextFunction) => {
      res.setHeader('cache-control', 'no-store');
      next();
    },
    requestDeadline(limits.requestTimeoutMs),
    // A flooding address is refused before its body is read (contextFor checks again once it is).
    async (req: express.Request, res: express.Response, next: express.NextFunction) => {
      const deadline = deadlineOf(req);
      const refusal = await authentication.floodRefusal(req, {
        event: 'GRAPHQL',
        operationName: null,
        answered: (outcome) => deadline?.outcome(outcome) ?? outcome,
      });
      if (refusal) sendRefusal(res, refusal);
      else next();
    },
    graphqlBody(limits.bodyBytes),
    expressMiddleware(apollo, { context: ({ req }) => contextFor(req, deps, authentication) }),
  );
  app.use((_req, res) => {
    res.status(404).json({
      errors: [{ message: 'Not found: the API is at /graphql', extensions: { code: 'NOT_FOUND' } }],
    });
  });
  app.use(
    (
      error: Error & { status?: number; type?: string },
      req: express.Request,
      res: express.Response,
      _next: express.NextFunction,
    ) => {
      if (res.headersSent) {
        // Answered already (a passed deadline, src/http/timeouts.ts): what failed after is of no use.
        req.log.info({ err: error }, 'error after the response was sent');
        return;
      }
      const body = bodyProblem(error);
      const status = body?.status ?? (error.status && error.status < 500 ? error.status : 500);
      if (status === 500) req.log.error({ err: error }, 'request failed');
      res.status(status).json({
        errors: [
          {
            message:
              body?.message ??
              (status === 500 ? 'Internal error: quote the request id to the hub operator' : error.message),
            extensions: {
              code: status === 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_USER_INPUT',
              ...(body ? { reason: body.reason } : {}),
              requestId: String(req.id),
            },
          },
        ],
      });
    },
  );
  return {
    httpServer,
    async stop() {
      await apollo.stop();
      // what the last minute counted, before the writer closes
      await refusals.close();
      await audit.close();
    },
  };
}
