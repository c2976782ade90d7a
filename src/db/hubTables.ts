import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  check,
  customType,
  date,
  foreignKey,
  index,
  integer,
  jsonb,
  numeric,
  pgSequence,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';
import { capabilityNames } from '../access/capabilities.js';
import {
  GROUNDWATER_CLASSES,
  LAND_USES,
  PRODUCE,
  sqlList,
  UNITS,
  VALUE_KINDS,
} from '../standards/vocabulary.js';

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
    /**
     * The key may run only its principal's registered documents (trustedDocument), never query text: a
     * department system's key, so that whoever steals it cannot explore (src/http/trustedDocuments.ts).
     */
    documentsOnly: boolean('documents_only').notNull().default(false),
    /**
     * When the key stops working (null: never). Set on single sign-on sessions (src/sso/): an analyst's login
     * is a short-lived key, so that every path a key takes (the edge, the audit's key id, revocation, `jingtu
     * keys list`) serves it unchanged.
     */
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'string' }),
    /** Whose single sign-on session the key is: the identity provider's issuer, `#`, the subject; null otherwise. */
    ssoSubject: text('sso_subject'),
  },
  (t) => [index('api_key_principal').on(t.principalCode)],
);

/**
 * Trusted documents (persisted queries): the operations a principal's systems run, registered from a
 * manifest by the hub's operator (`jingtu documents push`, src/documents/) and run by id. The id is the
 * SHA-256 of the body (hex), checked here too; a document is its registrant's alone: another principal's id
 * is not found. Rows are never changed: the same id always means the same text.
 */
export const trustedDocument = pgTable(
  'trusted_document',
  {
    principalCode: text('principal_code')
      .notNull()
      .references(() => principal.code),
    id: text('id').notNull(),
    operationName: text('operation_name').notNull(),
    /** `query` or `mutation`. */
    operationType: text('operation_type').notNull(),
    body: text('body').notNull(),
    registeredAt: timestamp('registered_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.principalCode, t.id] }),
    check('trusted_document_id', sql`${t.id} = encode(sha256(convert_to(${t.body}, 'UTF8')), 'hex')`),
    check('trusted_document_type', sql`${t.operationType} in ('query', 'mutation')`),
  ],
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

/** A PostgreSQL `polygon`, kept as its text form. */
const polygonText = customType<{ data: string; driverData: string }>({ dataType: () => 'polygon' });

/**
 * The area a record covered before a publish moved it: the previous value of each polygon field that an
 * update changed, with a position in the change sequence (taken in the publish's transaction). Rules that
 * reach records by where they lie (src/supervision: `ChangeQuery.movedFrom`) find through it what a record
 * no longer covers; rows every rule has evaluated past are purged.
 */
export const recordAreaBefore = pgTable(
  'record_area_before',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    dataset: text('dataset').notNull(),
    field: text('field').notNull(),
    changeSeq: bigint('change_seq', { mode: 'number' }).notNull().default(sql`nextval('hub_change_seq')`),
    area: polygonText('area').notNull(),
  },
  (t) => [index('record_area_before_seq').on(t.dataset, t.changeSeq)],
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

/**
 * The published standards the supervision rules compare measurements with (src/standards/): one row per
 * edition, with its source. Loaded by migrations, read-only for the hub's role: a new edition is another
 * migration adding its edition and values, and the edition in force on a date is the latest whose
 * `effectiveFrom` has come (migrations/0016_standard_values.sql, function `standard_edition_in_force`).
 */
export const standardEdition = pgTable(
  'standard_edition',
  {
    /** The standard without its year: `GB 15618`, `GB/T 14848`. */
    standard: text('standard').notNull(),
    /** The edition's year: `2018`. */
    edition: text('edition').notNull(),
    titleZh: text('title_zh').notNull(),
    titleEn: text('title_en').notNull(),
    issuerZh: text('issuer_zh').notNull(),
    issuerEn: text('issuer_en').notNull(),
    effectiveFrom: date('effective_from', { mode: 'string' }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.standard, t.edition] }),
    check('standard_edition_code', sql`${t.standard} ~ '^GB(/T)? [0-9]+$' and ${t.edition} ~ '^[0-9]{4}$'`),
    // Two editions in force from the same day would leave the edition in force undecided.
    unique('standard_edition_effective').on(t.standard, t.effectiveFrom),
  ],
);

/** What the standards measure: a stable code (`Cd`, `Cr6`, `benzo_a_pyrene`), its names and CAS number. */
export const standardAnalyte = pgTable(
  'standard_analyte',
  {
    code: text('code').primaryKey(),
    nameZh: text('name_zh').notNull(),
    nameEn: text('name_en').notNull(),
    /** Chemical Abstracts Service registry number; none for sums and parameters (total hardness). */
    cas: text('cas'),
  },
  (t) => [
    check('standard_analyte_code', sql`${t.code} ~ '^[A-Za-z][A-Za-z0-9_]{0,39}$'`),
    check('standard_analyte_cas', sql`${t.cas} ~ '^[0-9]{2,7}-[0-9]{2}-[0-9]$'`),
  ],
);

/**
 * One figure of a standard's edition and the conditions it applies to: soil land use and pH band (GB 15618,
 * GB 36600), produce category (GB 2762), groundwater class (GB/T 14848). A pH band is (above, upTo]: GB
 * 15618 writes its bands pH≤5.5, 5.5<pH≤6.5, 6.5<pH≤7.5, pH>7.5, so each boundary belongs to the band
 * below it. The unique key (nulls equal) keeps a condition from carrying two figures.
 */
export const standardValue = pgTable(
  'standard_value',
  {
    standard: text('standard').notNull(),
    edition: text('edition').notNull(),
    analyte: text('analyte')
      .notNull()
      .references(() => standardAnalyte.code),
    valueKind: text('value_kind').notNull(),
    landUse: text('land_use'),
    /** The pH band's lower bound, exclusive (none: no lower bound). */
    phAbove: numeric('ph_above', { precision: 4, scale: 2 }),
    /** The pH band's upper bound, inclusive (none: no upper bound). */
    phUpTo: numeric('ph_up_to', { precision: 4, scale: 2 }),
    produce: text('produce'),
    groundwaterClass: text('groundwater_class'),
    value: numeric('value').notNull(),
    unit: text('unit').notNull(),
    /** What the standard says beside the figure: the basis (总砷, 以N计), the exceptions of a category. */
    noteZh: text('note_zh'),
    noteEn: text('note_en'),
  },
  (t) => [
    foreignKey({
      name: 'standard_value_edition',
      columns: [t.standard, t.edition],
      foreignColumns: [standardEdition.standard, standardEdition.edition],
    }),
    unique('standard_value_condition')
      .on(
        t.standard,
        t.edition,
        t.analyte,
        t.valueKind,
        t.landUse,
        t.phAbove,
        t.phUpTo,
        t.produce,
        t.groundwaterClass,
      )
      .nullsNotDistinct(),
    index('standard_value_lookup').on(t.analyte, t.standard, t.valueKind),
    check('standard_value_kind', sql.raw(`value_kind in (${sqlList(Object.keys(VALUE_KINDS))})`)),
    check('standard_value_land_use', sql.raw(`land_use in (${sqlList(Object.keys(LAND_USES))})`)),
    check('standard_value_produce', sql.raw(`produce in (${sqlList(Object.keys(PRODUCE))})`)),
    check(
      'standard_value_groundwater_class',
      sql.raw(`groundwater_class in (${sqlList(Object.keys(GROUNDWATER_CLASSES))})`),
    ),
    check('standard_value_unit', sql.raw(`unit in (${sqlList(UNITS)})`)),
    check('standard_value_positive', sql`${t.value} > 0`),
    check(
      'standard_value_ph',
      sql`${t.phAbove} between 0 and 14 and ${t.phUpTo} between 0 and 14 and ${t.phAbove} < ${t.phUpTo}`,
    ),
    // Each kind of figure has its own conditions, and no other's.
    check(
      'standard_value_conditions',
      sql`case ${t.valueKind}
        when 'LIMIT' then ${t.produce} is not null and ${t.landUse} is null and ${t.groundwaterClass} is null
          and ${t.phAbove} is null and ${t.phUpTo} is null
        when 'CLASS_LIMIT' then ${t.groundwaterClass} is not null and ${t.landUse} is null and ${t.produce} is null
          and ${t.phAbove} is null and ${t.phUpTo} is null
        else ${t.landUse} is not null and ${t.produce} is null and ${t.groundwaterClass} is null end`,
    ),
  ],
);
