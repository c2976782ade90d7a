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
import { pinoHttp } from 'pino-http';
import { applyPermissions } from '../access/rules.js';
import { auditPlugin } from '../audit/plugin.js';
import { UnauthenticatedRefusals } from '../audit/refusals.js';
import { type AuditSink, AuditWriter, discardAudit } from '../audit/writer.js';
import { DEFAULT_LIMITS } from '../config.js';
import type { Context } from '../context.js';
import { userError } from '../errors.js';
import { executing } from '../graphql/executor.js';
import { schema } from '../graphql/schema.js';
import { measuredAudit } from '../metrics/auditTap.js';
import { HubMetrics } from '../metrics/hubMetrics.js';
import { publicSurface } from '../public/router.js';
import { tracingPlugin } from '../tracing/graphql.js';
import { traceRequests } from '../tracing/requests.js';
import { noteRequestId } from '../tracing/spans.js';
import { alertFeedRouter } from './alertFeed.js';
import { apolloOptions } from './apolloOptions.js';
import { bulkRouter } from './bulk.js';
import type { HubDependencies } from './dependencies.js';
import { Edge } from './edge.js';
import { apolloRefusal, requestIdPlugin, sendError } from './errors.js';
import { graphiqlRouter } from './graphiql.js';
import { healthRouter } from './health.js';
import { limitRules, limitsPlugin } from './limits.js';
import { metricsRouter } from './metrics.js';
import { MetricsAccess } from './metricsAccess.js';
import { AddressRateLimit, PrincipalRateLimit } from './rateLimit.js';
import { reportsRouter } from './reports.js';
import { graphqlBody } from './requestBody.js';
import { measureRequests, metricsPlugin, noteAdmission, noteEvent } from './requestMetrics.js';
import { ssoRouter } from './sso.js';
import { IDLE_SOCKET_TIMEOUT_MS, requestDeadline, SERVER_OPTIONS } from './timeouts.js';
import { TrustedDocuments, trustedDocumentsPlugin } from './trustedDocuments.js';
import { webRouter } from './web.js';

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

/** Builds the hub's HTTP server: health, GraphiQL, and GraphQL behind key authentication. */
export async function createHub(given: HubDependencies): Promise<Hub> {
  const limits = given.limits ?? DEFAULT_LIMITS;
  const deps = { ...given, rateLimit: given.rateLimit ?? new PrincipalRateLimit(limits.ratePerMinute) };
  const app = express();
  const httpServer = createServer(SERVER_OPTIONS, app);
  httpServer.setTimeout(IDLE_SOCKET_TIMEOUT_MS);
  app.disable('x-powered-by');
  // No ETag worked out of every body (a sha1 per answer, 1% of a list's CPU): answers are `no-store`, and
  // the public answers and downloads that may be cached set their own (src/public).
  app.disable('etag');
  // req.ip: the forwarded client only behind these proxies (the limit on requests without a valid key).
  app.set('trust proxy', deps.trustedProxies?.length ? [...deps.trustedProxies] : false);
  // a span per request, when tracing is on and the request sampled (src/tracing)
  app.use(traceRequests());
  app.use(
    pinoHttp({
      logger: deps.logger,
      genReqId: (req, res) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
        res.setHeader('x-request-id', id);
        noteRequestId(id);
        return id;
      },
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
    }),
  );
  // Metrics (src/metrics): /metrics for whom may read it, and every request of the API counted.
  const metrics = deps.metrics === false ? undefined : (deps.metrics ?? new HubMetrics({ sql: deps.sql }));
  if (metrics) {
    // mounted at its path: no other request enters its router
    app.use('/metrics', metricsRouter(metrics, new MetricsAccess(deps.metricsAccess)));
    app.use(measureRequests(metrics));
  }
  app.use(healthRouter(deps.sql));
  app.use(graphiqlRouter());
  app.use(webRouter());
  const written: AuditSink =
    deps.audit === false ? discardAudit : new AuditWriter(deps.sql, deps.logger, metrics?.audit);
  // the metrics count the publishes the audit records
  const audit = metrics ? measuredAudit(written, metrics) : written;
  const refusals = new UnauthenticatedRefusals(audit);
  const edge = new Edge({
    db: deps.db,
    reference: deps.reference,
    audit,
    refusals,
    addresses: new AddressRateLimit(limits.anonymousPerMinute),
    principals: deps.rateLimit,
    keyCheckEveryRequest: deps.keyCheckEveryRequest,
    // the request metrics told each request's principal kind or refusal
    observer: metrics ? noteAdmission : undefined,
  });
  const documents = new TrustedDocuments(audit);
  app.use(bulkRouter(deps, audit, edge));
  app.use(reportsRouter(audit, edge));
  app.use(alertFeedRouter(audit, edge));
  app.use(ssoRouter(deps, audit, refusals, edge));
  // No key: the PUBLIC fields only (src/public), limited per address and audited in aggregate.
  const publicRoutes = await publicSurface(deps, audit, limits);
  app.use(publicRoutes.router);

  const apollo = new ApolloServer<Context>({
    // Only principals reach it: every /graphql request needs a key (the edge).
    ...apolloOptions(limits),
    ...executing(
      deps.permissions === false ? schema : applyPermissions(schema),
      deps.jit !== false,
      deps.jitRunsBeforeCompiling,
    ),
    validationRules: limitRules(limits.query),
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      // It instruments every resolved field only to send `no-store`, which the hub sets itself (below).
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginDrainHttpServer({ httpServer }),
      requestIdPlugin(deps.logger),
      // parsing and validation as spans, and the operation on the request's (src/tracing)
      tracingPlugin(),
      // a registered document's text, for a request sent with its id (src/http/trustedDocuments.ts)
      trustedDocumentsPlugin(),
      limitsPlugin(schema, limits.query),
      auditPlugin(schema, audit),
      ...(metrics ? [metricsPlugin()] : []),
    ],
  });
  await apollo.start();
  app.use(
    '/graphql',
    (req: express.Request, res: express.Response, next: express.NextFunction) => {
      // counted as GRAPHQL, whether or not the edge sees it (a body too large, say)
      noteEvent(req, 'GRAPHQL');
      // Answers depend on who asks and may hold personal data: no cache (shared or private) keeps them.
      res.setHeader('cache-control', 'no-store');
      next();
    },
    requestDeadline(limits.requestTimeoutMs),
    // A flooding address is refused before its body is read (the context checks again once it is).
    async (req: express.Request, res: express.Response, next: express.NextFunction) => {
      const refusal = await edge.flooded(req, { event: 'GRAPHQL', operationName: null });
      if (refusal) sendError(req, res, refusal.error);
      else next();
    },
    graphqlBody(limits.bodyBytes),
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        const asking = { event: 'GRAPHQL', operationName: operationNameOf(req.body) };
        const { context, refusal } = await edge.admit(req, asking);
        if (refusal) throw apolloRefusal(req, refusal.error);
        // a document id resolved, or text refused to a documents-only key, before Apollo reads the request
        const refused = await documents.admit(req, context, asking);
        if (refused) throw apolloRefusal(req, refused);
        return context;
      },
    }),
  );
  app.use((req, res) => {
    sendError(req, res, userError('NOT_FOUND', 'Not found: the API is at /graphql'));
  });
  app.use((error: unknown, req: express.Request, res: express.Response, _next: express.NextFunction) => {
    if (res.headersSent) {
      // Answered already (a passed deadline, src/http/timeouts.ts): what failed after is of no use.
      req.log.info({ err: error }, 'error after the response was sent');
      return;
    }
    sendError(req, res, error);
  });
  return {
    httpServer,
    async stop() {
      await apollo.stop();
      await publicRoutes.stop();
      // what the last minute counted, before the writer closes
      await refusals.close();
      await audit.close();
    },
  };
}
