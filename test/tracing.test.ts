import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { ROOT_CONTEXT, SpanKind, TraceFlags, trace } from '@opentelemetry/api';
import {
  AlwaysOnSampler,
  InMemorySpanExporter,
  ParentBasedSampler,
  type ReadableSpan,
  SamplingDecision,
} from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../src/catalog/define.js';
import { datasetByName } from '../src/catalog/registry.js';
import { DEFAULT_TRACE_RATIO, defaultSampler, startSdk } from '../src/tracing/sdk.js';
import { tracingWanted } from '../src/tracing/start.js';
import { withTestHub } from './support/hub.js';
import { node24 } from './support/node24.js';
import { type HubProcess, spawnHub, until } from './support/process.js';
import { sampleRecord, uniqueId } from './support/records.js';
import { seed, withSeed } from './support/seed.js';

/**
 * Tracing (README, "Operations: Tracing"): a span per request, per operation, per resolver batch and per
 * SQL statement, the request id on them, the statements' values never in them; exported over OTLP by a
 * hub started with OTEL_EXPORTER_OTLP_ENDPOINT, and nothing loaded without it.
 */

// Before the hub below is made: the provider is this test file's process's (each file runs in its own).
const exporter = new InMemorySpanExporter();
// every request traced unless its caller's trace is not sampled (the hub's default traces one in a hundred)
const provider = startSdk({
  exporter,
  immediate: true,
  sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
});

const hub = withTestHub();
const { keys } = withSeed(hub, (s) => s.keys('HOUSING'));
const dataset = (name: string) => datasetByName(name) as Dataset;
const NODE24 = node24();

afterAll(() => provider.shutdown());

async function graphql(key: string, requestId: string, query: string, variables: Record<string, unknown>) {
  const response = await fetch(`${hub.url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${key}`,
      'x-request-id': requestId,
    },
    body: JSON.stringify({ query, variables }),
  });
  // biome-ignore lint/suspicious/noExplicitAny: a GraphQL response body, shaped by the query
  return { status: response.status, body: (await response.json()) as { data?: any; errors?: unknown[] } };
}

const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const childrenOf = (spans: ReadableSpan[], parent: ReadableSpan) =>
  spans.filter((span) => parentOf(span) === parent.spanContext().spanId);

describe('spans of a request', () => {
  const id = uniqueId();
  const requestId = `trace-${uniqueId()}`;
  const query = `query PermitsWithPlots($search: String) {
    constructionPermits(first: 10, filter: { search: $search }) {
      nodes { permitNo landUseChange { parcelCode constructionPermits { permitNo } } } } }`;
  let spans: ReadableSpan[];

  beforeAll(async () => {
    const plot = sampleRecord(dataset('landUseChange'), `${id}P`);
    const permits = [0, 1].map((i) =>
      sampleRecord(dataset('constructionPermit'), `${id}C${i}`, {
        parcelCode: plot.parcelCode,
        projectName: `项目 ${id} ${i}`,
      }),
    );
    await seed(hub.database.db).records('landUseChange', [plot]).records('constructionPermit', permits);
    exporter.reset();
    const answer = await graphql(keys.HOUSING, requestId, query, { search: id });
    expect(answer.status).toBe(200);
    expect(answer.body.data.constructionPermits.nodes).toHaveLength(2);
    // the audit record's statement ends after the answer
    await until(
      () =>
        exporter
          .getFinishedSpans()
          .some((span) => span.attributes['db.query.text']?.toString().includes('audit_log')),
      10_000,
      'the audit record statement',
    );
    spans = exporter
      .getFinishedSpans()
      .filter((span) => span.spanContext().traceId === request().spanContext().traceId);
  });

  const request = () => {
    const found = exporter
      .getFinishedSpans()
      .find((span) => span.kind === SpanKind.SERVER && span.attributes['jingtu.request_id'] === requestId);
    if (!found) throw new Error('no server span for the request');
    return found;
  };

  it('has the HTTP request span at the root, named by the request id', () => {
    const root = request();
    expect(parentOf(root)).toBeUndefined();
    expect(root.attributes['http.request.method']).toBe('POST');
    expect(root.attributes['graphql.operation.name']).toBe('PermitsWithPlots');
    expect(root.attributes['graphql.operation.type']).toBe('query');
  });

  it('has parsing, validation and the execution under it', () => {
    const names = childrenOf(spans, request()).map((span) => span.name);
    expect(names).toEqual(
      expect.arrayContaining(['graphql.parse', 'graphql.validate', 'query PermitsWithPlots']),
    );
    const execution = spans.find((span) => span.name === 'query PermitsWithPlots');
    expect(execution?.attributes).toMatchObject({
      'graphql.operation.name': 'PermitsWithPlots',
      'jingtu.request_id': requestId,
      'jingtu.principal': 'HOUSING',
    });
  });

  it('has a span per resolver batch, with its statement under it, under the execution', () => {
    const execution = spans.find((span) => span.name === 'query PermitsWithPlots') as ReadableSpan;
    const batches = spans.filter((span) => span.name === 'dataloader.batch');
    expect(batches.length).toBeGreaterThan(0);
    for (const batch of batches) {
      expect(parentOf(batch)).toBe(execution.spanContext().spanId);
      expect(batch.attributes['jingtu.batch.size']).toBeGreaterThan(0);
      const statements = childrenOf(spans, batch);
      expect(statements.map((span) => span.attributes['db.operation.name'])).toEqual(['SELECT']);
    }
    // both permits' plot is one key: one batch of one for the permits of the plot
    expect(batches.some((batch) => batch.attributes['jingtu.batch.size'] === 1)).toBe(true);
  });

  it('has a span per SQL statement: the key check, the page, the batches, the audit record', () => {
    const statements = spans.filter((span) => span.attributes['db.system.name'] === 'postgresql');
    const texts = statements.map((span) => String(span.attributes['db.query.text']));
    expect(texts.some((text) => text.includes('"api_key"'))).toBe(true);
    expect(texts.some((text) => text.includes('"construction_permit"'))).toBe(true);
    expect(texts.some((text) => text.startsWith('insert into audit_log'))).toBe(true);
    for (const span of statements) {
      expect(span.kind).toBe(SpanKind.CLIENT);
      expect(span.name).toBe(span.attributes['db.operation.name']);
      expect(span.attributes['db.response.returned_rows']).toBeTypeOf('number');
    }
  });

  it('never holds a statement value: the search text is a bound parameter', () => {
    const attributes = spans.flatMap((span) => Object.values(span.attributes).map(String));
    expect(attributes.some((value) => value.includes(id))).toBe(false);
  });

  it('marks a failed statement with its SQLSTATE', async () => {
    exporter.reset();
    const failing = hub.database.sql`select 1 / 0`;
    const { tracer } = await import('../src/tracing/spans.js');
    await tracer.startActiveSpan('work', async (span) => {
      await expect(failing).rejects.toThrow(/division by zero/);
      span.end();
    });
    const statement = exporter.getFinishedSpans().find((span) => span.name === 'SELECT');
    expect(statement?.attributes['db.response.status_code']).toBe('22012');
    expect(statement?.status.code).toBe(2); // ERROR
  });
});

describe('sampling', () => {
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const callerSpan = '00f067aa0ba902b7';
  const ask = (requestId: string, flags: string) =>
    fetch(`${hub.url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${keys.HOUSING}`,
        'x-request-id': requestId,
        traceparent: `00-${traceId}-${callerSpan}-${flags}`,
      },
      body: JSON.stringify({ query: 'query Me { me { code } }' }),
    });

  it("joins a caller's sampled trace", async () => {
    exporter.reset();
    const requestId = `joined-${uniqueId()}`;
    expect((await ask(requestId, '01')).status).toBe(200);
    const root = exporter
      .getFinishedSpans()
      .find((span) => span.kind === SpanKind.SERVER && span.attributes['jingtu.request_id'] === requestId);
    expect(root?.spanContext().traceId).toBe(traceId);
    expect(parentOf(root as ReadableSpan)).toBe(callerSpan);
  });

  it('makes no span at all for a request not sampled: the sampler decides first', async () => {
    exporter.reset();
    const requestId = `unsampled-${uniqueId()}`;
    expect((await ask(requestId, '00')).status).toBe(200);
    // the audit record's statement and the answer are done: nothing of this request was recorded
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId)).toEqual([]);
  });
});

describe('which requests are traced', () => {
  const decide = (traceId: string, parent?: { sampled: boolean }) => {
    const sampler = defaultSampler({}) as ParentBasedSampler;
    const parentContext = parent
      ? trace.setSpanContext(ROOT_CONTEXT, {
          traceId,
          spanId: '00f067aa0ba902b7',
          traceFlags: parent.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
          isRemote: true,
        })
      : ROOT_CONTEXT;
    return sampler.shouldSample(parentContext, traceId, 'POST /graphql', SpanKind.SERVER, {}, []).decision;
  };
  const traceIds = Array.from({ length: 4000 }, () => randomBytes(16).toString('hex'));

  it('by default, one request in a hundred of those that come without a trace', () => {
    expect(DEFAULT_TRACE_RATIO).toBe(0.01);
    const sampled = traceIds.filter((id) => decide(id) === SamplingDecision.RECORD_AND_SAMPLED).length;
    // 40 expected of 4,000; 10 or fewer, or 90 or more, less than once in 10^7 runs
    expect(sampled).toBeGreaterThan(10);
    expect(sampled).toBeLessThan(90);
    // the same trace id, the same decision (the ratio reads the id: every process of a trace agrees)
    expect(traceIds.map((id) => decide(id))).toEqual(traceIds.map((id) => decide(id)));
  });

  it("by default, every request whose caller's trace is sampled, and none whose caller's is not", () => {
    for (const id of traceIds.slice(0, 200)) {
      expect(decide(id, { sampled: true })).toBe(SamplingDecision.RECORD_AND_SAMPLED);
      expect(decide(id, { sampled: false })).toBe(SamplingDecision.NOT_RECORD);
    }
  });

  it('leaves the choice to OpenTelemetry when OTEL_TRACES_SAMPLER is set', () => {
    expect(defaultSampler({ OTEL_TRACES_SAMPLER: 'always_on' })).toBeUndefined();
    expect(defaultSampler({ OTEL_TRACES_SAMPLER: ' ' })).toBeDefined();
    expect(defaultSampler({})?.toString()).toBe(
      'ParentBased{root=TraceIdRatioBased{0.01}, remoteParentSampled=AlwaysOnSampler, remoteParentNotSampled=AlwaysOffSampler, localParentSampled=AlwaysOnSampler, localParentNotSampled=AlwaysOffSampler}',
    );
  });
});

describe('tracing on and off', () => {
  it('is on with an OTLP endpoint, off without one or when the SDK is disabled', () => {
    expect(tracingWanted({})).toBe(false);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: '' })).toBe(false);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).toBe(
      true,
    );
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'TRUE' })).toBe(
      false,
    );
  });
});

/** An OTLP/HTTP receiver on loopback: the spans a hub process sends, by name with their attributes. */
interface Received {
  name: string;
  parent?: string;
  id: string;
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
}

function attributesOf(list: { key: string; value: Record<string, unknown> }[] = []) {
  return Object.fromEntries(list.map(({ key, value }) => [key, Object.values(value)[0]]));
}

/** The hub's own Node, and Node 24 where there is one (test/support/node24.ts). */
const NODES = [
  { node: 'this Node', path: undefined },
  ...(NODE24 ? [{ node: 'Node 24', path: dirname(NODE24) }] : []),
];

describe.each(NODES)('a hub started with OTEL_EXPORTER_OTLP_ENDPOINT, on $node', ({ path }) => {
  const received: Received[] = [];
  let collector: Server;
  let spawned: HubProcess;
  const id = uniqueId();

  beforeAll(async () => {
    collector = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => {
        body += chunk;
      });
      request.on('end', () => {
        if (request.url === '/v1/traces') {
          for (const resourceSpans of JSON.parse(body).resourceSpans ?? []) {
            const resource = attributesOf(resourceSpans.resource?.attributes);
            for (const scope of resourceSpans.scopeSpans ?? []) {
              for (const span of scope.spans ?? []) {
                received.push({
                  name: span.name,
                  id: span.spanId,
                  parent: span.parentSpanId || undefined,
                  attributes: attributesOf(span.attributes),
                  resource,
                });
              }
            }
          }
        }
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const port = (collector.address() as AddressInfo).port;
    spawned = await spawnHub({
      DATABASE_URL: hub.database.url,
      JINGTU_JOBS: 'off',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      OTEL_BSP_SCHEDULE_DELAY: '60000',
      OTEL_SERVICE_NAME: 'jingtu-hub-test',
      // every request (the default is one in a hundred): OpenTelemetry's own setting, which the hub leaves to the SDK
      OTEL_TRACES_SAMPLER: 'always_on',
      // the command's `node`: first on the PATH
      ...(path ? { PATH: `${path}:${process.env.PATH}` } : {}),
    });
  });

  afterAll(async () => {
    await spawned?.stop();
    collector?.close();
  });

  it('exports the request, its operation and its statements with the request id, the last as it stops', async () => {
    const response = await fetch(`${spawned.url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${keys.HOUSING}`,
        'x-request-id': `otlp-${id}`,
      },
      body: JSON.stringify({ query: 'query Me { me { code } }' }),
    });
    expect(((await response.json()) as { data: unknown }).data).toEqual({ me: { code: 'HOUSING' } });
    expect((await fetch(`${spawned.url}/healthz`)).status).toBe(200);
    // the processor sends a batch a minute (below): these reach the collector as the hub stops
    expect(received).toEqual([]);
    expect(await spawned.stop()).toBe(0);
    const root = received.find(
      (span) => span.attributes['jingtu.request_id'] === `otlp-${id}` && !span.parent,
    );
    // the request's span, named by its route
    expect(root?.name).toBe('POST /graphql');
    expect(root?.attributes['http.route']).toBe('/graphql');
    expect(root?.resource['service.name']).toBe('jingtu-hub-test');
    const execution = received.find((span) => span.name === 'query Me');
    expect(execution?.parent).toBe(root?.id);
    const statements = received.filter((span) => span.attributes['db.system.name'] === 'postgresql');
    expect(statements.some((span) => span.parent === root?.id)).toBe(true);
    // probes are not traced
    const values = received.flatMap((span) => Object.values(span.attributes).map(String));
    expect(values.some((value) => value.includes('/healthz'))).toBe(false);
  });
});
