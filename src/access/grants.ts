import { addDays, subBusinessDays } from 'date-fns';
import { and, desc, eq, inArray, lt, or, type SQL, sql } from 'drizzle-orm';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import { type Dataset, fieldOf, sharingOf } from '../catalog/define.js';
import { datasetByName } from '../catalog/registry.js';
import { SHARING_CLASS_NAMES } from '../catalog/types.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../datasets/store.js';
import type { Db } from '../db/connection.js';
import { accessGrant } from '../db/hubTables.js';
import { countMatching, keysetPage, type Paged } from '../db/keysetPage.js';
import { badInput, userError } from '../errors.js';
import { assertDecideGrant, assertRevokeGrant, canRequestGrant, grantsVisibleTo } from './actions.js';
import { mandateFor } from './effectiveAccess.js';
import type { Principal } from './principal.js';

/**
 * The 有条件共享 workflow: requesting, deciding, revoking and listing grant requests. Who may do each is an
 * action of the catalogue (src/access/actions.ts); the errors here (FORBIDDEN, NOT_FOUND, CONFLICT,
 * BAD_USER_INPUT) are in Chinese and English. A request the caller may not see answers exactly as one that
 * does not exist.
 */

export type GrantRow = typeof accessGrant.$inferSelect;

/** A request unanswered after this many working days (Monday to Friday) is overdue. */
export const ANSWER_WITHIN_WORKING_DAYS = 10;

/** The longest term a request may ask for, in days (about ten years; the table checks it too). */
export const MAX_TERM_DAYS = 3660;

export interface AccessRequestInput {
  dataset: string;
  fields: string[];
  purpose: string;
  termDays: number;
}

function assertDataset(name: string): Dataset {
  const dataset = datasetByName(name);
  if (!dataset) {
    throw badInput(
      `未知的数据集 ${JSON.stringify(name)}，名称见数据目录 / unknown dataset ${JSON.stringify(name)}; see the catalogue for the names`,
      { field: 'dataset' },
    );
  }
  return dataset;
}

/**
 * Requests access to CONDITIONAL fields of a dataset the requester does not own, other than those a mandate
 * shares with it already.
 */
export async function requestAccess(
  db: Db,
  requester: Principal,
  input: AccessRequestInput,
): Promise<GrantRow> {
  const dataset = assertDataset(input.dataset);
  if (!canRequestGrant(requester, dataset)) {
    throw badInput(
      `${requester.code} 已可读取 ${dataset.name} 的全部字段，无需申请 / ${requester.code} already reads every field of ${dataset.name}`,
      { field: 'dataset' },
    );
  }
  const fields = [...new Set(input.fields)];
  if (fields.length === 0)
    throw badInput('请至少列出一个字段 / name at least one field', { field: 'fields' });
  for (const name of fields) {
    const field = fieldOf(dataset, name);
    if (!field) {
      throw badInput(
        `${dataset.name} 没有字段 ${JSON.stringify(name)} / ${dataset.name} has no field ${JSON.stringify(name)}`,
        { field: 'fields' },
      );
    }
    const sharing = sharingOf(field);
    if (sharing !== 'CONDITIONAL') {
      throw badInput(
        `${dataset.name}.${name} 属于${SHARING_CLASS_NAMES[sharing].zh}，只有有条件共享字段可申请授权 / ${dataset.name}.${name} is ${sharing}: only CONDITIONAL (有条件共享) fields are granted`,
        { field: 'fields' },
      );
    }
    // A field a plan already shares with the requester (法定共享) reads in clear without a grant, and keeps
    // reading so after any grant ends: a grant would add nothing, and an owner would be asked to decide
    // what is not theirs to refuse.
    const mandate = mandateFor(dataset, requester, name);
    if (mandate) {
      const { plan, article } = mandate.basis;
      throw badInput(
        `${dataset.name}.${name} 已依《${plan}》${article} 法定共享给 ${requester.code}，无需申请授权 / ${requester.code} already reads ${dataset.name}.${name} under a mandate (${plan}, ${article}): a grant would add nothing`,
        { field: 'fields', mandated: name },
      );
    }
  }
  const purpose = input.purpose.trim();
  if ([...purpose].length < 2)
    throw badInput('请用几个字说明用途 / state the purpose (用途) in a few words', { field: 'purpose' });
  if (!Number.isInteger(input.termDays) || input.termDays < 1 || input.termDays > MAX_TERM_DAYS) {
    throw badInput(
      `期限须为 1 至 ${MAX_TERM_DAYS} 的整天数 / termDays must be a whole number of days from 1 to ${MAX_TERM_DAYS}`,
      { field: 'termDays' },
    );
  }
  const [row] = await db
    .insert(accessGrant)
    .values({ dataset: dataset.name, fields, requester: requester.code, purpose, termDays: input.termDays })
    .returning();
  return row;
}

/** The grant requests a principal may see (the seeGrant action), as a condition. */
function visibleTo(principal: Principal): SQL | undefined {
  const visible = grantsVisibleTo(principal);
  if (visible === 'ALL') return undefined;
  const own = eq(accessGrant.requester, visible.requester);
  return visible.datasets.length ? or(own, inArray(accessGrant.dataset, visible.datasets)) : own;
}

/** The form of a request id (PostgreSQL's uuid input): anything else matches no request. */
const REQUEST_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The request with this id if the principal may see it: one statement, whether or not it exists. */
async function visibleRequest(db: Db, principal: Principal, id: string): Promise<GrantRow | undefined> {
  if (!REQUEST_ID.test(id)) return undefined;
  const [row] = await db
    .select()
    .from(accessGrant)
    .where(and(eq(accessGrant.id, id), visibleTo(principal)));
  return row;
}

/** The request `id` if the principal sees it (else NOT_FOUND) and may take the action on it (else FORBIDDEN). */
async function assertActionable(
  db: Db,
  principal: Principal,
  id: string,
  assertAction: (principal: Principal, dataset: Dataset) => void,
): Promise<GrantRow> {
  const row = await visibleRequest(db, principal, id);
  if (!row) {
    throw userError('NOT_FOUND', `没有您可查看的授权申请 ${id} / no access request ${id} that you can see`);
  }
  assertAction(principal, assertDataset(row.dataset));
  return row;
}

/** The reason a refusal or a revocation must give, trimmed. */
function reasonGiven(reason: string, zh: '拒绝' | '撤销', en: 'refusal' | 'revocation'): string {
  const trimmed = reason.trim();
  if (trimmed.length < 2)
    throw badInput(`${zh}须说明理由 / a ${en} needs a reason (${zh}理由)`, { field: 'reason' });
  return trimmed;
}

const STATUS_ZH = { PENDING: '待审批', APPROVED: '已批准' } as const;

/** Applies a change only from the expected status, so two deciders racing cannot both win. */
async function transition(
  db: Db,
  grant: GrantRow,
  from: keyof typeof STATUS_ZH,
  change: PgUpdateSetSource<typeof accessGrant>,
): Promise<GrantRow> {
  const [row] = await db
    .update(accessGrant)
    .set(change)
    .where(and(eq(accessGrant.id, grant.id), eq(accessGrant.status, from)))
    .returning();
  if (!row) {
    throw userError(
      'CONFLICT',
      `授权申请 ${grant.id} 已不是${STATUS_ZH[from]}状态 / access request ${grant.id} is no longer ${from}`,
    );
  }
  return row;
}

/**
 * The owner approves a pending request, until `expiresAt` (default: the requested term from now). An
 * expiry in the past, or beyond the requested term from now, is refused (BAD_USER_INPUT, with the latest
 * allowed): the owner grants at most what was asked for, and is told rather than silently cut short.
 */
export async function approveAccess(
  db: Db,
  owner: Principal,
  id: string,
  expiresAt?: Date | null,
): Promise<GrantRow> {
  const grant = await assertActionable(db, owner, id, (p, d) => assertDecideGrant(p, d, 'approve'));
  const now = new Date();
  const latest = addDays(now, grant.termDays);
  const until = expiresAt ?? latest;
  if (until.getTime() <= now.getTime())
    throw badInput('有效期须晚于当前时间 / expiresAt must be in the future', { field: 'expiresAt' });
  if (until.getTime() > latest.getTime()) {
    throw badInput(
      `有效期不得超过申请的期限：自现在起 ${grant.termDays} 天（至 ${latest.toISOString()}） / expiresAt may be at most the requested term of ${grant.termDays} days from now (${latest.toISOString()})`,
      { field: 'expiresAt', latest: latest.toISOString() },
    );
  }
  return transition(db, grant, 'PENDING', {
    status: 'APPROVED',
    decidedBy: owner.code,
    decidedAt: sql`now()`,
    expiresAt: until.toISOString(),
  });
}

/** The owner refuses a pending request; a reason is required. */
export async function refuseAccess(db: Db, owner: Principal, id: string, reason: string): Promise<GrantRow> {
  const decisionReason = reasonGiven(reason, '拒绝', 'refusal');
  const grant = await assertActionable(db, owner, id, (p, d) => assertDecideGrant(p, d, 'refuse'));
  return transition(db, grant, 'PENDING', {
    status: 'REFUSED',
    decidedBy: owner.code,
    decidedAt: sql`now()`,
    decisionReason,
  });
}

/** The owner (or a holder of revokeAnyGrant) revokes an approved grant; it stops working on the next request. */
export async function revokeAccess(db: Db, by: Principal, id: string, reason: string): Promise<GrantRow> {
  const revokeReason = reasonGiven(reason, '撤销', 'revocation');
  const grant = await assertActionable(db, by, id, assertRevokeGrant);
  return transition(db, grant, 'APPROVED', {
    status: 'REVOKED',
    revokedBy: by.code,
    revokedAt: sql`now()`,
    revokeReason,
  });
}

export interface GrantFilter {
  status?: readonly string[] | null;
  dataset?: string | null;
  overdue?: boolean | null;
  /** Page size (default 100, at most 1000, as the dataset lists). */
  first?: number | null;
  /** The cursor of the request after which the page starts. */
  after?: string | null;
}

/** A page of requests, newest first; a request's cursor is its id. */
export type GrantPage = Paged<GrantRow> & { cursorOf(row: GrantRow): string };

/** The moment before which an unanswered request is overdue. */
export function overdueBefore(now = new Date()): Date {
  return subBusinessDays(now, ANSWER_WITHIN_WORKING_DAYS);
}

function pageSize(first: number | null | undefined): number {
  if (first == null) return DEFAULT_PAGE_SIZE;
  if (first < 0 || first > MAX_PAGE_SIZE) {
    throw badInput(
      `每页条数须为 0 至 ${MAX_PAGE_SIZE}（收到 ${first}），更多请用 after 翻页 / first must be 0 to ${MAX_PAGE_SIZE} (got ${first}); page with after instead`,
      { argument: 'first' },
    );
  }
  return first;
}

/**
 * Where a page starts: after the request named by the cursor, which must be one the principal sees (a
 * request of another department is refused exactly as an id that never existed).
 */
async function afterCursor(db: Db, principal: Principal, cursor: string): Promise<SQL> {
  if (!(await visibleRequest(db, principal, cursor))) {
    throw badInput(
      '分页游标无效：请原样传入上一页的 endCursor 或某条目的 cursor / malformed cursor: pass the endCursor or an edge cursor of a previous page unchanged',
      { argument: 'after' },
    );
  }
  return sql`(${accessGrant.requestedAt}, ${accessGrant.id}) < (select ${accessGrant.requestedAt}, ${accessGrant.id} from ${accessGrant} where ${accessGrant.id} = ${cursor})`;
}

/**
 * A page of the grant requests the principal may see, newest first (keyset on requested_at and id).
 * EXPIRED is an approved grant past its expiry.
 */
export async function listAccessRequests(
  db: Db,
  principal: Principal,
  filter: GrantFilter,
): Promise<GrantPage> {
  const limit = pageSize(filter.first);
  const statuses = filter.status ?? [];
  const statusConditions = statuses.map((status) =>
    status === 'EXPIRED'
      ? sql`(${accessGrant.status} = 'APPROVED' and ${accessGrant.expiresAt} <= now())`
      : status === 'APPROVED'
        ? sql`(${accessGrant.status} = 'APPROVED' and ${accessGrant.expiresAt} > now())`
        : eq(accessGrant.status, status),
  );
  const overdue = and(
    eq(accessGrant.status, 'PENDING'),
    lt(accessGrant.requestedAt, overdueBefore().toISOString()),
  );
  const where = and(
    visibleTo(principal),
    statusConditions.length ? or(...statusConditions) : undefined,
    filter.dataset ? eq(accessGrant.dataset, filter.dataset) : undefined,
    filter.overdue === true ? overdue : filter.overdue === false ? sql`not (${overdue})` : undefined,
  );
  const after = filter.after ? await afterCursor(db, principal, filter.after) : undefined;
  const fetched =
    limit === 0
      ? []
      : await db
          .select()
          .from(accessGrant)
          .where(and(where, after))
          .orderBy(desc(accessGrant.requestedAt), desc(accessGrant.id))
          .limit(limit + 1);
  return keysetPage(fetched, limit, {
    hasPreviousPage: after !== undefined,
    cursorOf: (row) => row.id,
    count: (atMost) => countMatching(db, accessGrant, where, atMost),
  });
}
