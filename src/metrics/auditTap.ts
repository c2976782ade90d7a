import type { AuditRecord, AuditSink } from '../audit/writer.js';
import type { HubMetrics, PublishAction } from './hubMetrics.js';

/**
 * The audit sink with the hub's metrics reading what it is given: every publish (over HTTP, GraphQL, or by a
 * pull job) is an action of its request's audit record (src/sync/ingest.ts), so the publish metrics count
 * exactly what the audit accounts for, in the hub whose sink it is. Everything else passes through unchanged.
 */
export function measuredAudit(sink: AuditSink, metrics: HubMetrics): AuditSink {
  return {
    write(record: AuditRecord, options?: { expected?: boolean }) {
      const actions = (record.detail as { actions?: unknown }).actions;
      if (Array.isArray(actions)) {
        for (const action of actions as { action?: unknown }[]) {
          if (action?.action === 'PUBLISH') metrics.published(action as PublishAction);
        }
      }
      return sink.write(record, options);
    },
    expect: () => sink.expect(),
    close: () => sink.close(),
  };
}
