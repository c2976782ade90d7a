import { addDays, subBusinessDays } from 'date-fns';
import { and, desc, eq, inArray, lt, or, type SQL, sql } from 'drizzle-orm';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import { type Dataset, sharingOf } from '../catalog/define.js';
import { datasetByName, datasets } from '../catalog/registry.js';
import type { Principal } from '../context.js';
import type { Db } from '../db/connection.js';
import { accessGrant } from '../db/hubTables.js';
import { badInput, forbidden, userError } from '../errors.js';

/**
 * The 有条件共享 workflow as a service that owns its authorisation: who may request, decide, revoke and see
 * a grant request. Each `assert…` throws a user error (FORBIDDEN, NOT_FOUND, CONFLICT, BAD_USER_INPUT).
 */

export type GrantRow = typeof accessGrant.$inferSelect;

/** A request unanswered after this many working days (Monday to Friday) is overdue. */
export const ANSWER_WITHIN_WORKING_DAYS = 10;

export interface AccessRequestInput {
  dataset: string;
  fields: string[];
  purpose: string;
  termDays: number;
}

function assertDataset(name: string): Dataset {
  const dataset = datasetByName(name);
  if (!dataset) {
    throw badInput(`unknown dataset ${JSON.stringify(name)}; see the catalogue for the names`, {
      field: 'dataset',
    });
  }
  return dataset;
}

/** Requests access to CONDITIONAL fields of a dataset the requester does not own. */
export async function requestAccess(
  db: Db,
  requester: Principal,
  input: AccessRequestInput,
): Promise<GrantRow> {
  const dataset = assertDataset(input.dataset);
  if (requester.kind === 'AUDITOR' || requester.code === dataset.owner) {
    throw badInput(`${requester.code} already reads every field of ${dataset.name}`, { field: 'dataset' });
  }
  const fields = [...new Set(input.fields)];
  if (fields.length === 0) throw badInput('name at least one field', { field: 'fields' });
  for (const name of fields) {
    const field = dataset.fields[name];
    if (!field) throw badInput(`${dataset.name} has no field ${JSON.stringify(name)}`, { field: 'fields' });
    if (sharingOf(field) !== 'CONDITIONAL') {
      throw badInput(
        `${dataset.name}.${name} is ${sharingOf(field)}: only CONDITIONAL (有条件共享) fields are granted`,
        { field: 'fields' },
      );
    }
  }
  const purpose = input.purpose.trim();
  if ([...purpose].length < 2)
    throw badInput('state the purpose (用途) in a few words', { field: 'purpose' });
  if (!Number.isInteger(input.termDays) || input.termDays < 1 || input.termDays > 3660) {
    throw badInput('termDays must be a whole number of days from 1 to 3660', { field: 'termDays' });
  }
  const [row] = await db
    .insert(accessGrant)
    .values({ dataset: dataset.name, fields, requester: requester.code, purpose, termDays: input.termDays })
    .returning();
  return row;
}

/** What a principal may see of grant requests: its own, those on datasets it owns; auditors all. */
function visibleTo(principal: Principal): SQL | undefined {
  if (principal.kind === 'AUDITOR') return undefined;
  const owned = datasets.filter((d) => d.owner === principal.code).map((d) => d.name);
  const own = eq(accessGrant.requester, principal.code);
  return owned.length ? or(own, inArray(accessGrant.dataset, owned)) : own;
}

async function assertVisible(db: Db, principal: Principal, id: string): Promise<GrantRow> {
  const [row] = /^[0-9a-f-]{36}$/i.test(id)
    ? await db
        .select()
        .from(accessGrant)
        .where(and(eq(accessGrant.id, id), visibleTo(principal)))
    : [];
  if (!row) throw userError('NOT_FOUND', `no access request ${id} that you can see`);
  return row;
}

function assertOwner(principal: Principal, grant: GrantRow, action: string): void {
  if (assertDataset(grant.dataset).owner !== principal.code) {
    throw forbidden(`only the owner of ${grant.dataset} may ${action} its access requests`);
  }
}

/** Applies a change only from the expected status, so two deciders racing cannot both win. */
async function transition(
  db: Db,
  grant: GrantRow,
  from: string,
  change: PgUpdateSetSource<typeof accessGrant>,
): Promise<GrantRow> {
  const [row] = await db
    .update(accessGrant)
    .set(change)
    .where(and(eq(accessGrant.id, grant.id), eq(accessGrant.status, from)))
    .returning();
  if (!row) throw userError('CONFLICT', `access request ${grant.id} is no longer ${from}`);
  return row;
}

/** The owner approves a pending request, until `expiresAt` (default: the requested term from now). */
export async function approveAccess(
  db: Db,
  owner: Principal,
  id: string,
  expiresAt?: Date | null,
): Promise<GrantRow> {
  const grant = await assertVisible(db, owner, id);
  assertOwner(owner, grant, 'approve');
  const until = expiresAt ?? addDays(new Date(), grant.termDays);
  if (until.getTime() <= Date.now())
    throw badInput('expiresAt must be in the future', { field: 'expiresAt' });
  return transition(db, grant, 'PENDING', {
    status: 'APPROVED',
    decidedBy: owner.code,
    decidedAt: sql`now()`,
    expiresAt: until.toISOString(),
  });
}

/** The owner refuses a pending request; a reason is required. */
export async function refuseAccess(db: Db, owner: Principal, id: string, reason: string): Promise<GrantRow> {
  if (reason.trim().length < 2) throw badInput('a refusal needs a reason (拒绝理由)', { field: 'reason' });
  const grant = await assertVisible(db, owner, id);
  assertOwner(owner, grant, 'refuse');
  return transition(db, grant, 'PENDING', {
    status: 'REFUSED',
    decidedBy: owner.code,
    decidedAt: sql`now()`,
    decisionReason: reason.trim(),
  });
}

/** The owner or an auditor revokes an approved grant; it stops working on the next request. */
export async function revokeAccess(db: Db, by: Principal, id: string, reason: string): Promise<GrantRow> {
  if (reason.trim().length < 2) throw badInput('a revocation needs a reason', { field: 'reason' });
  const grant = await assertVisible(db, by, id);
  if (by.kind !== 'AUDITOR') assertOwner(by, grant, 'revoke');
  return transition(db, grant, 'APPROVED', {
    status: 'REVOKED',
    revokedBy: by.code,
    revokedAt: sql`now()`,
    revokeReason: reason.trim(),
  });
}

export interface GrantFilter {
  status?: readonly string[] | null;
  dataset?: string | null;
  overdue?: boolean | null;
}

/** The moment before which an unanswered request is overdue. */
export function overdueBefore(now = new Date()): Date {
  return subBusinessDays(now, ANSWER_WITHIN_WORKING_DAYS);
}

/** Grant requests the principal may see, newest first. EXPIRED is an approved grant past its expiry. */
export async function listAccessRequests(
  db: Db,
  principal: Principal,
  filter: GrantFilter,
): Promise<GrantRow[]> {
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
  return db
    .select()
    .from(accessGrant)
    .where(
      and(
        visibleTo(principal),
        statusConditions.length ? or(...statusConditions) : undefined,
        filter.dataset ? eq(accessGrant.dataset, filter.dataset) : undefined,
        filter.overdue === true ? overdue : filter.overdue === false ? sql`not (${overdue})` : undefined,
      ),
    )
    .orderBy(desc(accessGrant.requestedAt))
    .limit(1000);
}
