import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  NodeTracerProvider,
  ParentBasedSampler,
  type Sampler,
  SimpleSpanProcessor,
  type SpanExporter,
  TraceIdRatioBasedSampler,
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
  /** Which requests are traced; as defaultSampler() says unless given. */
  sampler?: Sampler;
}

/**
 * The share of requests traced when OTEL_TRACES_SAMPLER is not set: one in a hundred, at which tracing cost W1
 * 2.2% more CPU per request on Node 24 and 11.5% on Node 20, whose AsyncLocalStorage hook costs the same at
 * any share (README, Benchmarks › levers); OpenTelemetry's own default traces every request, 22% more.
 */
export const DEFAULT_TRACE_RATIO = 0.01;

/**
 * The hub's default sampler: a request whose caller's trace is sampled (its `traceparent`) is traced, and of
 * the rest one in a hundred (`parentbased_traceidratio` 0.01). Undefined when OTEL_TRACES_SAMPLER is set: the
 * SDK then builds the one it names, with OTEL_TRACES_SAMPLER_ARG.
 */
export function defaultSampler(env: NodeJS.ProcessEnv = process.env): Sampler | undefined {
  if (env.OTEL_TRACES_SAMPLER?.trim()) return undefined;
  return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(DEFAULT_TRACE_RATIO) });
}

export function startSdk(options: TracingOptions = {}): NodeTracerProvider {
  const exporter = options.exporter ?? new OTLPTraceExporter();
  const sampler = options.sampler ?? defaultSampler();
  const provider = new NodeTracerProvider({
    // none: the SDK's from OTEL_TRACES_SAMPLER
    ...(sampler ? { sampler } : {}),
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
