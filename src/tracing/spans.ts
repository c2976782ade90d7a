import {
  type Attributes,
  type ProxyTracerProvider,
  type Span,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';

/**
 * The hub's own spans, through the OpenTelemetry API only. With tracing off (no OTLP endpoint,
 * src/tracing/start.ts never ran) the API's tracer is a no-op: a span costs a function call and nothing is
 * recorded or sent.
 */
export const tracer = trace.getTracer('jingtu-hub');

/** Marks a span failed with the error that ended its work. */
export function recordFailure(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : undefined });
}

/** Whether the work now running is traced: its span is recorded (sampled), so spans under it would be. */
export function traced(): boolean {
  return trace.getActiveSpan()?.isRecording() ?? false;
}

/**
 * Runs `work` in a span (the active one while it runs: what it starts nests under it), ended when it settles.
 * Only under a recorded span (a sampled request's), unless `root` (a job's run, which starts its own trace):
 * an unsampled request's work makes no span objects and switches no context.
 */
export function inSpan<T>(
  name: string,
  attributes: Attributes,
  work: (span?: Span) => Promise<T>,
  root = false,
): Promise<T> {
  if (!root && !traced()) return work();
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      recordFailure(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Names the request an HTTP request's span is for by the id the hub answers with (`x-request-id`). */
export function noteRequestId(id: string): void {
  trace.getActiveSpan()?.setAttribute('jingtu.request_id', id);
}

/** Sends what the tracer provider holds and stops it (the hub stopping); nothing when tracing is off. */
export async function stopTracing(): Promise<void> {
  const provider = (trace.getTracerProvider() as ProxyTracerProvider).getDelegate?.() as {
    shutdown?: () => Promise<void>;
  };
  await provider?.shutdown?.();
}
