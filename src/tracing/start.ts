import { register } from 'node:module';

/**
 * Tracing is on when an OTLP endpoint is set (OTEL_EXPORTER_OTLP_ENDPOINT, or the traces' own
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) and OTEL_SDK_DISABLED is not `true`; off otherwise, and then the SDK
 * is never loaded. Read once, as the process starts.
 */
export function tracingWanted(env: NodeJS.ProcessEnv): boolean {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  return Boolean(endpoint) && env.OTEL_SDK_DISABLED?.trim().toLowerCase() !== 'true';
}

/**
 * Starts tracing for `jingtu serve` (bin/jingtu.js), before the hub's modules load: the hub is ECMAScript
 * modules, and OpenTelemetry's instrumentations patch an imported module only through import-in-the-middle's
 * loader hook, registered here first and limited to the modules they patch (http and https).
 */
export async function startTracing(env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  if (!tracingWanted(env)) return false;
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, {
    data: { include: ['http', 'node:http', 'https', 'node:https'] },
  });
  const { startSdk } = await import('./sdk.js');
  startSdk();
  return true;
}
