import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import { type NextFunction, type Request, type Response, Router } from 'express';
import { GraphQLError, Kind, type ValidationRule } from 'graphql';
import type { AuditSink } from '../audit/writer.js';
import type { HubLimits } from '../config.js';
import type { Context } from '../context.js';
import { apolloOptions } from '../http/apolloOptions.js';
import { clientAddress } from '../http/clientAddress.js';
import type { HubDependencies } from '../http/dependencies.js';
import { errorAnswer, requestIdPlugin, sendError } from '../http/errors.js';
import { limitRules, limitsPlugin } from '../http/limits.js';
import { PrincipalRateLimit, publicRateLimited } from '../http/rateLimit.js';
import { graphqlBody } from '../http/requestBody.js';
import { noteEvent } from '../http/requestMetrics.js';
import { deadlineOf, requestDeadline } from '../http/timeouts.js';
import { createPublicContext } from './access.js';
import { answerTagPlugin } from './answerTag.js';
import { isPublicField, keyIsPublic, publicDatasets, publicFieldsOf } from './catalog.js';
import { PublicRequestCounts } from './counts.js';
import { downloadOf, formatsOf, PUBLIC_CACHE_CONTROL, sendDownload } from './downloads.js';
import { publicSchema } from './schema.js';

/**
 * The public surface (向社会公开), without a key:
 *
 *   POST|GET /public/graphql       the public schema (src/public/schema.ts); a GET answer has an ETag
 *   GET      /public/              the public datasets and their downloads, as JSON
 *   GET      /public/<dataset>.<json|csv|geojson>   a whole dataset's PUBLIC fields, with an ETag
 *
 * Every request counts against its address's limit (429 with Retry-After past it) and in the minute's
 * aggregate audit record (src/public/counts.ts).
 */

/** Largest /public/graphql request body: a public query needs no long values. */
const PUBLIC_BODY_BYTES = 64 * 1024;

export interface PublicSurface {
  router: Router;
  stop(): Promise<void>;
}

/** The route and dataset a request is counted under, before it is understood (a refusal). */
function countedAs(req: Request): { route: string; dataset: string | null } {
  // The whole path: under `router.use('/public', …)` Express has taken the mount off `req.path`.
  const path = req.originalUrl.split('?')[0].replace(/^\/public\/?/, '');
  if (path === 'graphql') return { route: 'GRAPHQL', dataset: null };
  if (path === '') return { route: 'INDEX', dataset: null };
  try {
    const { dataset, format } = downloadOf(path);
    return { route: format.toUpperCase(), dataset: dataset.name };
  } catch {
    return { route: 'DOWNLOAD', dataset: null };
  }
}

/** Counts each answered operation under the datasets its root fields read, and its first error's code. */
function countingPlugin(counts: PublicRequestCounts): ApolloServerPlugin<Context> {
  const datasetOfRoot = new Map(
    publicDatasets.flatMap((dataset) => [
      [dataset.names.many, dataset.name],
      [dataset.names.one, dataset.name],
    ]),
  );
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ operation, errors, response }) {
          const answered = response.http.status === 304 ? 'NOT_MODIFIED' : 'OK';
          const code = errors?.length ? String(errors[0].extensions?.code ?? 'FAILED') : answered;
          const outcome = code === 'INTERNAL_SERVER_ERROR' ? 'FAILED' : code;
          const read = new Set<string | null>();
          for (const selection of operation?.selectionSet.selections ?? []) {
            if (selection.kind === Kind.FIELD) read.add(datasetOfRoot.get(selection.name.value) ?? null);
          }
          if (!read.size) read.add(null);
          for (const dataset of read) counts.count({ route: 'GRAPHQL', dataset, outcome });
        },
      };
    },
  };
}

/**
 * The public schema has no mutation or subscription root, which graphql-js finds only at execution (a 200
 * with `data: null`); refused here, in validation, like any other document that asks for what is not there.
 */
const queriesOnly: ValidationRule = (context) => ({
  OperationDefinition(node) {
    if (node.operation !== 'query') {
      context.reportError(
        new GraphQLError('公开接口只读，只接受查询 / The public API is read-only: queries only', {
          nodes: node,
        }),
      );
    }
  },
});

/** The list of public datasets and where to get them: fixed by the catalogue, built once. */
const PUBLIC_INDEX = {
  graphql: '/public/graphql',
  datasets: publicDatasets.map((dataset) => ({
    name: dataset.name,
    zh: dataset.zh,
    en: dataset.en,
    fields: publicFieldsOf(dataset),
    // What a client (the map, src/http/web.ts) needs to query it: the names of the public schema.
    typeName: dataset.names.type,
    queryField: dataset.names.many,
    lookupField: keyIsPublic(dataset) ? dataset.names.one : null,
    naturalKey: dataset.key,
    geometryField:
      dataset.geometryField && isPublicField(dataset, dataset.geometryField) ? dataset.geometryField : null,
    fieldInfo: publicFieldsOf(dataset).map((name) => ({
      name,
      zh: dataset.fields[name].zh,
      en: dataset.fields[name].en,
      type: dataset.fields[name].type,
    })),
    downloads: Object.fromEntries(
      formatsOf(dataset).map((format) => [format, `/public/${dataset.name}.${format}`]),
    ),
  })),
};

export async function publicSurface(
  deps: HubDependencies,
  audit: AuditSink,
  limits: HubLimits,
): Promise<PublicSurface> {
  const counts = new PublicRequestCounts(audit, { minuteMs: deps.publicCountMs });
  const addresses = new PrincipalRateLimit(limits.publicPerMinute ?? 0, publicRateLimited);
  const context = (req: Request): Context => ({
    ...createPublicContext({ db: deps.db, reference: deps.reference, requestId: String(req.id) }),
    deadline: deadlineOf(req),
  });
  const apollo = new ApolloServer<Context>({
    // It shows only what is public.
    ...apolloOptions(limits),
    schema: publicSchema,
    validationRules: [...limitRules(limits.query), queriesOnly],
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginCacheControlDisabled(),
      requestIdPlugin(deps.logger),
      limitsPlugin(publicSchema, limits.query),
      // before the count, which counts a 304 as NOT_MODIFIED like a download's
      answerTagPlugin(),
      countingPlugin(counts),
    ],
  });
  await apollo.start();

  const router = Router();
  // Every public request counts against its address, answered or not (and in the request metrics as PUBLIC).
  router.use('/public', async (req: Request, res: Response, next: NextFunction) => {
    noteEvent(req, 'PUBLIC');
    try {
      await addresses.consume(clientAddress(req));
      next();
    } catch (error) {
      counts.count({ ...countedAs(req), outcome: 'RATE_LIMITED' });
      sendError(req, res, error);
    }
  });
  router.use(
    '/public/graphql',
    (_req: Request, res: Response, next: NextFunction) => {
      // The same answer for everyone: any cache may keep it a little.
      res.setHeader('cache-control', PUBLIC_CACHE_CONTROL);
      next();
    },
    requestDeadline(limits.requestTimeoutMs),
    graphqlBody(Math.min(PUBLIC_BODY_BYTES, limits.bodyBytes)),
    expressMiddleware(apollo, { context: async ({ req }) => context(req) }),
  );
  router.get('/public', (_req: Request, res: Response) => {
    counts.count({ route: 'INDEX', dataset: null, outcome: 'OK' });
    res.setHeader('cache-control', PUBLIC_CACHE_CONTROL);
    res.json(PUBLIC_INDEX);
  });
  router.get('/public/:file', async (req: Request<{ file: string }>, res: Response) => {
    let counted = countedAs(req);
    try {
      const { dataset, format } = downloadOf(req.params.file);
      counted = { route: format.toUpperCase(), dataset: dataset.name };
      const outcome = await sendDownload(req, res, deps.db, context(req).records, dataset, format);
      counts.count({ ...counted, outcome });
    } catch (error) {
      counts.count({ ...counted, outcome: errorAnswer(error).extensions.code as string });
      if (res.headersSent) req.log.info({ err: error }, 'public download ended early');
      else sendError(req, res, error);
    }
  });
  return {
    router,
    async stop() {
      await apollo.stop();
      await counts.close();
    },
  };
}
