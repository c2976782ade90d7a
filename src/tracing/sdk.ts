import type { IncomingMessage } from 'node:http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  NodeTracerProvider,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import postgres from 'postgres';
import { traceStatements } from './statements.js';

/**
 * The OpenTelemetry SDK, set up for the hub's process: a tracer provider (the OpenTelemetry API's global,
 * which src/tracing/spans.ts's tracer then reaches), the official HTTP and Express instrumentations, and
 * the hub's own span per SQL statement. Loaded only when tracing is on (src/tracing/start.ts).
 */

/** Requests not traced: probes, scrapes and static files, many and of no interest. */
const UNTRACED = /^\/(?:healthz|readyz|metrics|app\/|graphiql\/|favicon)/;

export interface TracingOptions {
  /** Where spans go: OTLP over HTTP by default (OTEL_EXPORTER_OTLP_* settings), an in-memory one in tests. */
  exporter?: SpanExporter;
  /** Export each span as it ends (tests) instead of in batches. */
  immediate?: boolean;
}

export function startSdk(options: TracingOptions = {}): NodeTracerProvider {
  const exporter = options.exporter ?? new OTLPTraceExporter();
  const provider = new NodeTracerProvider({
    // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES override
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: 'jingtu-hub' }).merge(
      detectResources({ detectors: [envDetector] }),
    ),
    spanProcessors: [
      options.immediate ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(exporter),
    ],
  });
  // the global provider, with an AsyncLocalStorage context (a span is the parent of what its work starts)
  provider.register();
  registerInstrumentations({
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request: IncomingMessage) => UNTRACED.test(request.url ?? ''),
      }),
      // the route names the request's span; a span per middleware would be a dozen per request
      new ExpressInstrumentation({
        ignoreLayersType: [ExpressLayerType.MIDDLEWARE, ExpressLayerType.ROUTER],
      }),
    ],
  });
  // every pool's statements (postgres.js's Query is one class); this pool never connects
  traceStatements(postgres());
  return provider;
}
