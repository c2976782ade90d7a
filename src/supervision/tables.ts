import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgSequence,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

/**
 * The alert feed's sequence: an alert takes the next value whenever a change a receiver cares about happens
 * to it (opened, reopened, acknowledged, dismissed, commented, resolved), never when it is only seen again.
 */
export const alertChangeSequence = pgSequence('alert_change_seq');

/**
 * Alerts (预警): one per situation a supervision rule found, identified by its rule and the keys of its
 * evidence records, so that evaluating again finds the same alert. Its state follows the workflow:
 * OPEN → ACKNOWLEDGED → RESOLVED (the hub saw the situation end) or DISMISSED (a department that must act
 * gave a reason); a resolved alert whose situation returns is OPEN again.
 */
export const alert = pgTable(
  'alert',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    rule: text('rule').notNull(),
    /** sha256 of the rule and its evidence's datasets and keys (evaluate.ts `alertIdentity`). */
    identity: text('identity').notNull(),
    /** The records involved: `[{ dataset, key }]`. */
    evidence: jsonb('evidence').notNull(),
    /**
     * A digest of what an evaluation wrote (evidence, district, measure, severity; evaluate.ts `contentDigest`):
     * a full evaluation compares it with what it finds, and leaves an alert found unchanged unwritten.
     */
    digest: text('digest'),
    district: text('district'),
    measureKind: text('measure_kind'),
    measureValue: doublePrecision('measure_value'),
    severity: text('severity').notNull(),
    state: text('state').notNull().default('OPEN'),
    firstSeenAt: timestamp('first_seen_at', { withTimezone: true, mode: 'string' }).notNull(),
    /**
     * When an evaluation last wrote it as found: opened, reopened, changed, found by a per-key evaluation or
     * while dismissed; when resolved, the rule's last full evaluation before (it held then). A full evaluation
     * does not rewrite an open alert it finds unchanged: it records its own time in `supervision_state`, and
     * an open alert was seen then too (`lastSeenAt` in alerts.ts reads the later of the two).
     */
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true, mode: 'string' }).notNull(),
    resolvedAt: timestamp('resolved_at', { withTimezone: true, mode: 'string' }),
    resolvedReason: text('resolved_reason'),
    reopenedCount: integer('reopened_count').notNull().default(0),
    /** Its place in the alert feed (src/supervision/feed.ts): taken under the feed's lock, so in commit order. */
    changeSeq: bigint('change_seq', { mode: 'number' }).notNull().default(sql`nextval('alert_change_seq')`),
  },
  (t) => [
    unique('alert_identity').on(t.rule, t.identity),
    check('alert_state', sql`${t.state} in ('OPEN', 'ACKNOWLEDGED', 'RESOLVED', 'DISMISSED')`),
    check('alert_severity', sql`${t.severity} in ('HIGH', 'MEDIUM', 'LOW')`),
    // Not on last_seen_at, which evaluations rewrite: an update that changes no indexed column can be a
    // heap-only (HOT) one, with no index entries to write and its dead version pruned in place (the
    // migration leaves half of each page free for them: fillfactor 50).
    index('alert_rule_state').on(t.rule, t.state),
    index('alert_district_state').on(t.district, t.state),
    uniqueIndex('alert_feed_position').on(t.changeSeq),
  ],
);

/**
 * The records of each alert's evidence, one row per record, as `dataset` then the key as jsonb prints it
 * (evaluate.ts `RECORD_TEXT`): a per-key evaluation finds the alerts an affected record is evidence of by
 * this table's B-tree, instead of reading the evidence of every alert of the rule. Written once, when an
 * alert is first raised: its evidence records are its identity and never change. No foreign key: the rows
 * are written in the statement that raises their alert (a key's check per row would cost a city's first
 * evaluation a lookup for each of its million records), and alerts are never deleted.
 */
export const alertRecord = pgTable(
  'alert_record',
  {
    rule: text('rule').notNull(),
    record: text('record').notNull(),
    alertId: uuid('alert_id').notNull(),
  },
  (t) => [primaryKey({ name: 'alert_record_pkey', columns: [t.rule, t.record, t.alertId] })],
);

/** What happened to an alert, in order: opened, resolved, reopened by evaluation; the workflow's steps. */
export const alertEvent = pgTable(
  'alert_event',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    alertId: uuid('alert_id')
      .notNull()
      .references(() => alert.id),
    at: timestamp('at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
    event: text('event').notNull(),
    /** Who: a principal code, or null for the hub's own evaluation. */
    principal: text('principal'),
    note: text('note'),
  },
  (t) => [
    check(
      'alert_event_kind',
      sql`${t.event} in ('OPENED', 'RESOLVED', 'REOPENED', 'ACKNOWLEDGED', 'DISMISSED', 'COMMENTED')`,
    ),
    index('alert_event_alert').on(t.alertId, t.id),
  ],
);

/**
 * Where each rule's evaluation stands: the highest change sequence of its datasets when it last ran, so
 * that an incremental evaluation runs only the rules whose datasets changed since (evaluate.ts), and when
 * it last ran in full (every alert it left open or acknowledged was found then).
 */
export const supervisionState = pgTable('supervision_state', {
  rule: text('rule').primaryKey(),
  evaluatedSeq: bigint('evaluated_seq', { mode: 'number' }).notNull(),
  evaluatedAt: timestamp('evaluated_at', { withTimezone: true, mode: 'string' }).notNull(),
  fullEvaluatedAt: timestamp('full_evaluated_at', { withTimezone: true, mode: 'string' }),
});

/**
 * Outbound webhooks (预警推送): a department's URL that the hub POSTs each alert change to, signed with the
 * webhook's secret (Standard Webhooks). `deliveredSeq` is how far in the alert feed its deliveries were queued.
 */
export const alertWebhook = pgTable(
  'alert_webhook',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** The principal whose alerts it receives, as that principal sees them. */
    principal: text('principal').notNull(),
    url: text('url').notNull(),
    /** `whsec_` and the base64 key; shown once, when registered or rotated. */
    secret: text('secret').notNull(),
    /** The secret before the last rotation: deliveries are signed with it too until `previousSecretUntil`. */
    previousSecret: text('previous_secret'),
    previousSecretUntil: timestamp('previous_secret_until', { withTimezone: true, mode: 'string' }),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
    removedAt: timestamp('removed_at', { withTimezone: true, mode: 'string' }),
    deliveredSeq: bigint('delivered_seq', { mode: 'number' }).notNull().default(0),
  },
  (t) => [index('alert_webhook_principal').on(t.principal)],
);

/** Each attempt to deliver an alert change to a webhook: what the receiver answered, or why it failed. */
export const alertWebhookDelivery = pgTable(
  'alert_webhook_delivery',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    webhookId: uuid('webhook_id')
      .notNull()
      .references(() => alertWebhook.id),
    alertId: uuid('alert_id')
      .notNull()
      .references(() => alert.id),
    /** The alert's feed position the delivery carries; with the webhook, the message id. */
    changeSeq: bigint('change_seq', { mode: 'number' }).notNull(),
    attempt: integer('attempt').notNull(),
    at: timestamp('at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
    status: text('status').notNull(),
    responseCode: integer('response_code'),
    error: text('error'),
    durationMs: integer('duration_ms').notNull(),
  },
  (t) => [
    check('alert_webhook_delivery_status', sql`${t.status} in ('DELIVERED', 'FAILED', 'GAVE_UP', 'SKIPPED')`),
    index('alert_webhook_delivery_webhook').on(t.webhookId, t.id),
  ],
);
