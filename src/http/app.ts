import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import type postgres from 'postgres';
import { authenticate } from '../access/keys.js';
import { applyPermissions } from '../access/rules.js';
import { type Context, createContext } from '../context.js';
import type { ReferenceData } from '../datasets/reference.js';
import type { Db } from '../db/connection.js';
import { schema } from '../graphql/schema.js';
import { bulkRouter } from './bulk.js';
import { formatError, requestIdPlugin } from './errors.js';
import { graphiqlRouter } from './graphiql.js';
import { healthRouter } from './health.js';

export interface HubDependencies {
  db: Db;
  sql: postgres.Sql;
  reference: ReferenceData;
  logger: Logger;
  /** Field-level permissions (graphql-shield); off only in the benchmark that measures what they cost. */
  permissions?: boolean;
}

export interface Hub {
  httpServer: Server;
  stop(): Promise<void>;
}

const REQUEST_ID = /^[\w.-]{1,64}$/;

function unauthenticated(message: string) {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
}

/** HTTP → context: the caller's key becomes a principal, or the request ends with 401. */
async function contextFor(req: express.Request, deps: HubDependencies): Promise<Context> {
  const header = req.headers.authorization;
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  if (!match) {
    throw unauthenticated('缺少 API 密钥 / Missing API key: send the header "Authorization: Bearer <key>"');
  }
  const authenticated = await authenticate(deps.db, match[1]);
  if (!authenticated) throw unauthenticated('API 密钥无效或已吊销 / Unknown or revoked API key');
  return createContext({
    ...authenticated,
    requestId: String(req.id),
    db: deps.db,
    reference: deps.reference,
  });
}

/** Builds the hub's HTTP server: health, GraphiQL, and GraphQL behind key authentication. */
export async function createHub(deps: HubDependencies): Promise<Hub> {
  const app = express();
  const httpServer = createServer(app);
  app.disable('x-powered-by');
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
  app.use(bulkRouter(deps));

  const apollo = new ApolloServer<Context>({
    schema: deps.permissions === false ? schema : applyPermissions(schema),
    introspection: true,
    includeStacktraceInErrorResponses: false,
    hideSchemaDetailsFromClientErrors: true,
    formatError,
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginDrainHttpServer({ httpServer }),
      requestIdPlugin(deps.logger),
    ],
  });
  await apollo.start();
  app.use(
    '/graphql',
    express.json({ limit: '2mb' }),
    expressMiddleware(apollo, { context: ({ req }) => contextFor(req, deps) }),
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
      const status = error.status && error.status < 500 ? error.status : 500;
      if (status === 500) req.log.error({ err: error }, 'request failed');
      res.status(status).json({
        errors: [
          {
            message:
              status === 500 ? 'Internal error: quote the request id to the hub operator' : error.message,
            extensions: {
              code: status === 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_USER_INPUT',
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
    },
  };
}
