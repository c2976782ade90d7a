import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgSequence,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import { capabilityNames } from '../access/capabilities.js';

/**
 * Who can hold a key: the departments, the districts and the auditors, with their capabilities
 * (src/access/capabilities.ts). Rows are reference data loaded by migrations, so adding a department or
 * district, or giving one a capability, needs no code change.
 */
export const principal = pgTable(
  'principal',
  {
    code: text('code').primaryKey(),
    kind: text('kind').notNull(),
    nameZh: text('name_zh').notNull(),
    nameEn: text('name_en').notNull(),
    capabilities: text('capabilities').array().notNull().default(sql`'{}'::text[]`),
  },
  (t) => [
    check('principal_kind', sql`${t.kind} in ('DEPARTMENT', 'DISTRICT', 'AUDITOR')`),
    check(
      'principal_capabilities',
      sql`${t.capabilities} <@ array[${sql.raw(capabilityNames.map((name) => `'${name}'`).join(', '))}]::text[]`,
    ),
  ],
);

/** API keys. Only a SHA-256 hash of the key is stored; the key itself is shown once, at creation. */
export const apiKey = pgTable(
  'api_key',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    principalCode: text('principal_code')
      .notNull()
      .references(() => principal.code),
    name: text('name'),
    keyHash: text('key_hash').notNull().unique(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'string' }),
  },
  (t) => [index('api_key_principal').on(t.principalCode)],
);

/**
 * The 有条件共享 workflow: a principal asks for named fields of a dataset with a purpose and a term; the
 * owner approves (with an expiry) or refuses (with a reason); the owner or a holder of revokeAnyGrant
 * (auditors) can revoke. A grant is active while APPROVED and unexpired, read afresh on every request, so
 * decisions take effect at once on every hub process.
 */
export const accessGrant = pgTable(
  'access_grant',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    dataset: text('dataset').notNull(),
    fields: text('fields').array().notNull(),
    requester: text('requester')
      .notNull()
      .references(() => principal.code),
    purpose: text('purpose').notNull(),
    termDays: integer('term_days').notNull(),
    status: text('status').notNull().default('PENDING'),
    requestedAt: timestamp('requested_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
    decidedBy: text('decided_by'),
    decidedAt: timestamp('decided_at', { withTimezone: true, mode: 'string' }),
    decisionReason: text('decision_reason'),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'string' }),
    revokedBy: text('revoked_by'),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'string' }),
    revokeReason: text('revoke_reason'),
    /** When the grant-housekeeping job noticed that this approved grant had expired (src/jobs/grants.ts). */
    expiredNotedAt: timestamp('expired_noted_at', { withTimezone: true, mode: 'string' }),
    /** When the job flagged this request as unanswered after 10 working days (set once). */
    overdueFlaggedAt: timestamp('overdue_flagged_at', { withTimezone: true, mode: 'string' }),
  },
  (t) => [
    check('access_grant_status', sql`${t.status} in ('PENDING', 'APPROVED', 'REFUSED', 'REVOKED')`),
    check('access_grant_term', sql`${t.termDays} between 1 and 3660`),
    index('access_grant_requester').on(t.requester, t.status),
    index('access_grant_dataset').on(t.dataset, t.status),
  ],
);

/**
 * The change sequence: every insert, update or tombstone of a dataset record takes the next value, so a
 * dataset's changes are read in order with a cursor. Publishing holds a per-dataset lock until commit, so
 * values become visible in order: a reader never skips one that commits later.
 */
export const changeSequence = pgSequence('hub_change_seq');

/**
 * Published batches, by their idempotency key: a batch sent again (after a timeout, say) finds its first
 * result here and changes nothing. Only applied batches are kept; a rejected all-or-nothing batch leaves
 * no row, so the corrected batch may reuse its key. A key is the publisher's own (per dataset): one
 * publisher's keys neither block nor reveal another's.
 */
export const syncBatch = pgTable(
  'sync_batch',
  {
    dataset: text('dataset').notNull(),
    batchKey: text('batch_key').notNull(),
    publisher: text('publisher').notNull(),
    mode: text('mode').notNull(),
    result: jsonb('result').notNull(),
    appliedAt: timestamp('applied_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.dataset, t.publisher, t.batchKey] }),
    index('sync_batch_applied').on(t.dataset, t.appliedAt),
  ],
);

/**
 * Each dataset's freshness against its declared update cycle, written by the freshness job
 * (src/jobs/freshness.ts): when it was last published (last applied batch or last change), and whether
 * that is longer ago than the cycle.
 */
export const datasetFreshness = pgTable('dataset_freshness', {
  dataset: text('dataset').primaryKey(),
  lastPublishedAt: timestamp('last_published_at', { withTimezone: true, mode: 'string' }),
  stale: boolean('stale').notNull(),
  checkedAt: timestamp('checked_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
});

/**
 * Where each configured pull job (src/jobs/pull.ts) continues in its remote hub's change feed, and from
 * which remote hub and dataset that cursor is: a cursor is meaningless against another feed.
 */
export const pullState = pgTable('pull_state', {
  name: text('name').primaryKey(),
  remoteUrl: text('remote_url').notNull(),
  dataset: text('dataset').notNull(),
  cursor: text('cursor').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
});

/**
 * The audit trail (等保 2.0 audit records; the Cybersecurity Law's network logs): one append-only record
 * per GraphQL operation, bulk transfer, key change and configuration change, hash-chained. The chain is
 * kept by triggers (migrations/0006_audit_chain.sql, linked per statement since
 * 0008_audit_chain_per_statement.sql), the same for every writer: each record's hash
 * covers its content and the previous record's hash, and `audit_chain_head` holds the last one, so an
 * edited, deleted or truncated record shows in `jingtu audit verify`. Triggers refuse updates, deletions
 * (but those of records past the legal retention floor, oldest first) and truncation.
 */
export const auditLog = pgTable(
  'audit_log',
  {
    seq: bigint('seq', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    at: timestamp('at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
    event: text('event').notNull(),
    principal: text('principal'),
    keyId: uuid('key_id'),
    requestId: text('request_id'),
    operationName: text('operation_name'),
    documentHash: text('document_hash'),
    outcome: text('outcome').notNull(),
    /** What was read (datasets, fields and how), rows, grants used, actions taken, errors by code. */
    detail: jsonb('detail').notNull(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [
    index('audit_log_at').on(t.at),
    index('audit_log_principal').on(t.principal, t.at),
    index('audit_log_detail').using('gin', sql`${t.detail} jsonb_path_ops`),
  ],
);

/**
 * The audit chain's ends: the last record (seq and hash) and the anchor, the last record removed by
 * retention, whose hash the first remaining record carries. One row, written only by the chain trigger.
 */
export const auditChainHead = pgTable(
  'audit_chain_head',
  {
    id: boolean('id').primaryKey().default(true),
    lastSeq: bigint('last_seq', { mode: 'number' }),
    lastHash: text('last_hash').notNull(),
    anchorSeq: bigint('anchor_seq', { mode: 'number' }),
    anchorHash: text('anchor_hash').notNull(),
  },
  (t) => [check('audit_chain_head_single', sql`${t.id}`)],
);

/**
 * The secret that seals cursors (src/datasets/cursorSeal.ts), one row created with a random secret by
 * migration 0011. It lives in the database so that every hub process, and every restart, opens the cursors
 * the others gave out. `numericHorizon` is the last change sequence given out before cursors were sealed:
 * the numeric change cursors of pull states kept from before are accepted up to it (src/sync/changes.ts).
 */
export const cursorSecret = pgTable(
  'cursor_secret',
  {
    id: boolean('id').primaryKey().default(true),
    secret: text('secret').notNull(),
    numericHorizon: bigint('numeric_horizon', { mode: 'number' }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
  },
  (t) => [check('cursor_secret_single', sql`${t.id}`)],
);
