import type { AddressInfo } from 'node:net';
import type { DestinationStream } from 'pino';
import { afterAll, beforeAll } from 'vitest';
import { createKey } from '../../src/access/keys.js';
import type { HubLimits } from '../../src/config.js';
import { loadReference } from '../../src/datasets/reference.js';
import { createHub, type Hub } from '../../src/http/app.js';
import type { HubDependencies } from '../../src/http/dependencies.js';
import { createLogger } from '../../src/http/logger.js';
import { HubMetrics, type HubMetricsOptions } from '../../src/metrics/hubMetrics.js';
import { type TestDatabase, withTestDatabase } from './db.js';

export interface TestHub {
  database: TestDatabase;
  /** Base URL such as http://127.0.0.1:PORT, set once the hub listens. */
  url: string;
  /** The hub's metrics, when `metrics` options were given (else the hub makes its own). */
  metrics?: HubMetrics;
  /** Creates a live key for a principal. */
  key(principal: string): Promise<string>;
  /** POSTs a GraphQL operation with a key; returns the HTTP status and parsed body. */
  graphql(
    key: string | undefined,
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<GraphqlResponse>;
}

export interface GraphqlResponse {
  status: number;
  body: {
    data?: any;
    errors?: { message: string; path?: string[]; extensions?: Record<string, any> }[];
    extensions?: any;
  };
  headers: Headers;
}

/**
 * The real HTTP hub on a free loopback port, over the run's database, for one test file. Its log is silent,
 * or goes to `logDestination` at level info. `limits` replaces the default limits (src/config.ts).
 */
export function withTestHub(
  options: {
    logDestination?: DestinationStream;
    limits?: HubLimits;
    /** More of the hub's dependencies (trusted proxies, the public audit's interval). */
    dependencies?: Partial<HubDependencies>;
    /** Metrics made with these options on the hub's own connection (`TestHub.metrics`). */
    metrics?: Omit<HubMetricsOptions, 'sql'>;
  } = {},
): TestHub {
  const database = withTestDatabase();
  let hub: Hub;
  const testHub: TestHub = {
    database,
    url: '',
    async key(principal) {
      return (await createKey(database.db, principal, 'test')).key;
    },
    async graphql(key, query, variables) {
      const response = await fetch(`${testHub.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return {
        status: response.status,
        body: (await response.json()) as GraphqlResponse['body'],
        headers: response.headers,
      };
    },
  };
  beforeAll(async () => {
    const reference = await loadReference(database.db);
    if (options.metrics) testHub.metrics = new HubMetrics({ ...options.metrics, sql: database.sql });
    hub = await createHub({
      // every query compiled from its first run (src/graphql/executor.ts): the tests check what graphql-jit runs
      jitRunsBeforeCompiling: 0,
      ...options.dependencies,
      ...(testHub.metrics ? { metrics: testHub.metrics } : {}),
      db: database.db,
      sql: database.sql,
      reference,
      limits: options.limits,
      logger: createLogger(
        options.logDestination ? 'info' : (process.env.HUB_LOG_LEVEL ?? 'silent'),
        options.logDestination,
      ),
    });
    await new Promise<void>((resolve) => hub.httpServer.listen(0, '127.0.0.1', resolve));
    testHub.url = `http://127.0.0.1:${(hub.httpServer.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await hub?.stop();
    hub?.httpServer.close();
  });
  return testHub;
}
