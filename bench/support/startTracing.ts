/**
 * Starts tracing in a benchmark's hub process (`--import`, before the hub's modules load), as
 * bin/jingtu.js does for `jingtu serve`: bench/support/hub.ts sets OTEL_EXPORTER_OTLP_ENDPOINT.
 */
import { startTracing } from '../../src/tracing/start.js';

if (!(await startTracing())) throw new Error('tracing did not start: OTEL_EXPORTER_OTLP_ENDPOINT is not set');
