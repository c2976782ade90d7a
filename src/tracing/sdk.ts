import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
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
 * which src/tracing/spans.ts's tracer then reaches), OpenTelemetry's HTTP instrumentation for the requests
 * the hub sends, and the hub's own span per SQL statement. Loaded only when tracing is on (src/tracing/start.ts).
 */

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
  // OpenTelemetry's HTTP instrumentation for the requests the hub sends (alert webhooks); the requests it
  // answers are the hub's own spans, sampled first (src/tracing/requests.ts)
  registerInstrumentations({
    instrumentations: [new HttpInstrumentation({ disableIncomingRequestInstrumentation: true })],
  });
  // every pool's statements (postgres.js's Query is one class); this pool never connects
  traceStatements(postgres());
  return provider;
}
