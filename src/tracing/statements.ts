import { type Span, SpanKind } from '@opentelemetry/api';
import type postgres from 'postgres';
import { recordFailure, traced, tracer } from './spans.js';

/**
 * A span per SQL statement. postgres.js has no OpenTelemetry instrumentation (porsager/postgres#461 is
 * open), and every statement the hub runs (drizzle's, the hub's own tagged templates, a transaction's,
 * pg-boss's through the hub's pool) is a postgres.js `Query`: a promise that runs when it is first awaited
 * (`handle`) and settles through its `resolve` or `reject`. The span starts there, under the span active
 * where the statement was awaited, and ends when the statement does; a statement run outside any span
 * (pg-boss polling its queues, the migrations at start) is not traced. Only the statement's text is recorded
 * (its values are bound parameters, never in the text), cut to MAX_TEXT characters.
 */
const MAX_TEXT = 2000;

/** The parts of postgres.js's Query (src/query.js, src/connection.js) the span reads and wraps. */
interface Statement {
  executed: boolean;
  /** The text sent, once the connection has built it. */
  string?: string;
  strings: readonly string[];
  resolve: (result: unknown) => void;
  reject: (error: unknown) => void;
  handle(): Promise<void>;
}

let patched = false;

/** Starts tracing every statement of every postgres.js pool of this process (their Query is one class). */
export function traceStatements(sql: postgres.Sql): void {
  if (patched) return;
  patched = true;
  // a query runs only when awaited: this one never is
  const query = Object.getPrototypeOf(sql`select 1`) as Statement;
  const handle = query.handle;
  query.handle = function (this: Statement) {
    // only a statement of some traced (sampled) work, a request or a job: not pg-boss's polling
    if (!this.executed && traced()) {
      follow(this, tracer.startSpan('postgresql', { kind: SpanKind.CLIENT }));
    }
    return handle.call(this);
  };
}

function follow(statement: Statement, span: Span): void {
  const { resolve, reject } = statement;
  statement.resolve = (result) => {
    describe(span, statement);
    const rows = (result as { count?: unknown } | null)?.count;
    if (typeof rows === 'number') span.setAttribute('db.response.returned_rows', rows);
    span.end();
    resolve(result);
  };
  statement.reject = (error) => {
    describe(span, statement);
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code === 'string') span.setAttribute('db.response.status_code', code);
    recordFailure(span, error);
    span.end();
    reject(error);
  };
}

function describe(span: Span, statement: Statement): void {
  const text = (statement.string ?? statement.strings.join('?')).trim();
  const operation = /^\w+/.exec(text)?.[0]?.toUpperCase() ?? 'SQL';
  span.updateName(operation);
  span.setAttributes({
    'db.system.name': 'postgresql',
    'db.operation.name': operation,
    'db.query.text': text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text,
  });
}
