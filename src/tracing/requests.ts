import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { NextFunction, Request, Response } from 'express';
import { tracer } from './spans.js';

/**
 * A span per HTTP request the hub answers, made by the hub itself, sampled first. OpenTelemetry's HTTP and
 * Express instrumentations were measured (README, "Tracing"): they work out a request's attributes and
 * switch its context before the sampler decides, and wrap every Express layer, which cost W1 22% more CPU
 * per request on Node 20 (8% on Node 24) with no request traced at all. Here an unsampled request costs a
 * sampler's decision, and only a sampled one is given its attributes and its context, in which everything
 * the request runs (its operation, batches and statements: src/tracing) nests.
 */

/** Requests not traced: probes, scrapes and static files, many and of no interest. */
const UNTRACED = /^\/(?:healthz|readyz|metrics|app\/|graphiql\/|favicon)/;

/** The route that answered: a route's path under its router's, or the path a router was mounted at. */
function routeOf(req: Request): string | undefined {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof path === 'string') return `${req.baseUrl}${path}`;
  return req.baseUrl || undefined;
}

export function traceRequests() {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (UNTRACED.test(req.path)) {
      next();
      return;
    }
    // a caller's trace (W3C traceparent), which the request's span joins
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const span = tracer.startSpan(req.method, { kind: SpanKind.SERVER }, parent);
    if (!span.isRecording()) {
      next();
      return;
    }
    span.setAttributes({
      'http.request.method': req.method,
      'url.path': req.path,
      'url.scheme': req.protocol,
      'network.protocol.version': req.httpVersion,
      'client.address': req.ip ?? '',
      'user_agent.original': req.headers['user-agent'] ?? '',
    });
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      const route = routeOf(req);
      if (route) {
        span.setAttribute('http.route', route);
        span.updateName(`${req.method} ${route}`);
      }
      if (res.headersSent) span.setAttribute('http.response.status_code', res.statusCode);
      // a server's span fails on its own errors only (5xx), not on a client's (4xx)
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      if (!res.writableFinished) span.setAttribute('jingtu.response.cut_short', true);
      span.end();
    };
    res.once('finish', end);
    res.once('close', end);
    const active = trace.setSpan(parent, span);
    // what the request's and the answer's events start (the body read, the end of the answer) is in it too
    context.bind(active, req);
    context.bind(active, res);
    context.with(active, next);
  };
}
