import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import type { Request, RequestHandler } from 'express';
import { type DocumentNode, Kind } from 'graphql';
import { graphqlOutcome } from '../audit/plugin.js';
import type { Context } from '../context.js';
import type { HubMetrics } from '../metrics/hubMetrics.js';
import type { Admission, Asking } from './edge.js';
import { deadlineOf } from './timeouts.js';

/**
 * Request metrics (jingtu_requests_total, jingtu_request_duration_seconds): each request of the API gets a
 * note when it arrives; what it is and how it went is written on the note as the request passes the layers
 * that know (the route its event, the edge its principal's kind or its refusal, Apollo its operation and
 * outcome), and the note is counted when the answer ends. Requests no layer names an event for (health,
 * GraphiQL's page, the map's files, /metrics itself, unknown paths) are not counted.
 *
 * What a request pays for it is kept small (0.5% of a W1 request's instructions: `npm run bench --
 * instructions`): the note rides on the request itself, no layer of its own is added to a route (the routes
 * call noteEvent), and the one side table is the audit trail's, for Apollo's plugin.
 */
interface Note {
  started: number;
  event?: string;
  /** The GraphQL operation's name; null for an anonymous one. */
  operation?: string | null;
  principalKind?: string;
  /** What the layer that answered says it came to; else the HTTP status says (outcomeOfStatus). */
  outcome?: string;
}

/** Where a request carries its note (a property of the request's own, like the request id pino-http adds). */
const NOTE = Symbol('jingtu.requestMetrics.note');
type NotedRequest = Request & { [NOTE]?: Note };
/**
 * A GraphQL request's note, for Apollo's plugins (they see its context, not the request), by the context's
 * audit trail: Apollo runs an operation on a shallow copy of the context, which holds the same trail.
 */
const contextNotes = new WeakMap<Context['audit'], Note>();

/** The outcome of an answer no layer named one for, by its status (as the audit would name it). */
function outcomeOfStatus(status: number, finished: boolean): string {
  if (!finished) return 'CUT_SHORT';
  if (status < 400) return 'OK';
  switch (status) {
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'FORBIDDEN';
    case 404:
      return 'NOT_FOUND';
    case 408:
      return 'TIMEOUT';
    case 429:
      return 'RATE_LIMITED';
    case 503:
      return 'UNAVAILABLE';
    default:
      return status < 500 ? 'BAD_REQUEST' : 'FAILED';
  }
}

/** Notes every request on arrival and counts it when its answer ends (if a layer named its event). */
export function measureRequests(metrics: HubMetrics): RequestHandler {
  return (req, res, next) => {
    const note: Note = { started: performance.now() };
    (req as NotedRequest)[NOTE] = note;
    // 'close' is emitted once, when the answer ends or the connection does
    res.on('close', () => {
      if (!note.event) return;
      const own = note.outcome ?? outcomeOfStatus(res.statusCode, res.writableFinished);
      metrics.request({
        event: note.event,
        operation: note.operation,
        principalKind: note.principalKind,
        // TIMEOUT when a /graphql deadline answered first (src/http/timeouts.ts), as the audit records it
        outcome: deadlineOf(req)?.outcome(own) ?? own,
        seconds: (performance.now() - note.started) / 1000,
      });
    });
    next();
  };
}

/**
 * Names the event of a request (for a route whose requests do not pass the edge first, or not always); called
 * by a layer the route has anyway. Nothing for a request metrics do not note (metrics off).
 */
export function noteEvent(req: Request, event: string): void {
  const note = (req as NotedRequest)[NOTE];
  if (note) note.event ??= event;
}

/** What the edge found: the event asked for, and the principal's kind (its context) or the refusal's outcome. */
export function noteAdmission(req: Request, asking: Asking, admission: Admission): void {
  const note = (req as NotedRequest)[NOTE];
  if (!note) return;
  note.event ??= asking.event;
  if (admission.refusal) note.outcome = admission.refusal.outcome;
  if ('context' in admission && admission.context) {
    note.principalKind = admission.context.principal.kind;
    contextNotes.set(admission.context.audit, note);
  }
}

/** The name of a document's first operation (null: unnamed): of one that failed validation, say. */
function firstOperationName(document: DocumentNode): string | null {
  for (const definition of document.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION) return definition.name?.value ?? null;
  }
  return null;
}

/**
 * Apollo's part: the operation's name (the one run, the one asked for, or for a document that did not
 * validate its first; none for one that did not parse) and what the answer came to (as the audit counts it).
 */
export function metricsPlugin(): ApolloServerPlugin<Context> {
  // one listener for every request: it keeps nothing of its own
  const listener: GraphQLRequestListener<Context> = {
    async willSendResponse({ contextValue, document, operationName, request, response }) {
      const note = contextNotes.get(contextValue.audit);
      if (!note) return;
      note.operation =
        operationName ?? request.operationName ?? (document ? firstOperationName(document) : undefined);
      note.outcome = graphqlOutcome(response);
    },
  };
  return {
    async requestDidStart() {
      return listener;
    },
  };
}
