import { and, eq, isNull, lt, lte, type SQL, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import { overdueBefore } from '../access/grants.js';
import type { Db } from '../db/connection.js';
import { accessGrant } from '../db/hubTables.js';

/**
 * Grant housekeeping. Nothing here decides access: an approved grant past `expires_at` is already
 * ineffective, because grants are read afresh on every request. The job records the transitions, once
 * each (idempotent: a row is stamped only while its stamp is null), and logs them for the people who act
 * on them:
 * - an approved grant that has expired gets `expired_noted_at`;
 * - a PENDING request unanswered after 10 working days gets `overdue_flagged_at` (a warning in the log:
 *   the owning department is late with its answer).
 */

export interface GrantHousekeeping {
  expired: number;
  overdue: number;
}

/** Stamps `stamp` on the grants that match every condition and bear no stamp yet; the rows stamped. */
function stampOnce(
  db: Db,
  stamp: 'expiredNotedAt' | 'overdueFlaggedAt',
  shown: 'expiresAt' | 'requestedAt',
  ...conditions: SQL[]
) {
  return db
    .update(accessGrant)
    .set({ [stamp]: sql`now()` })
    .where(and(...conditions, isNull(accessGrant[stamp])))
    .returning({
      id: accessGrant.id,
      dataset: accessGrant.dataset,
      requester: accessGrant.requester,
      [shown]: accessGrant[shown],
    });
}

export async function noteExpiredGrants(db: Db, logger: Logger, now = new Date()): Promise<number> {
  const expired = [eq(accessGrant.status, 'APPROVED'), lte(accessGrant.expiresAt, now.toISOString())];
  const rows = await stampOnce(db, 'expiredNotedAt', 'expiresAt', ...expired);
  for (const grant of rows) logger.info({ grant }, 'access grant expired');
  return rows.length;
}

export async function flagOverdueRequests(db: Db, logger: Logger, now = new Date()): Promise<number> {
  const overdue = [
    eq(accessGrant.status, 'PENDING'),
    lt(accessGrant.requestedAt, overdueBefore(now).toISOString()),
  ];
  const rows = await stampOnce(db, 'overdueFlaggedAt', 'requestedAt', ...overdue);
  for (const request of rows) {
    logger.warn({ request }, 'access request unanswered after 10 working days (overdue)');
  }
  return rows.length;
}

/** The grants job: both, in one run. */
export async function grantHousekeeping(
  db: Db,
  logger: Logger,
  now = new Date(),
): Promise<GrantHousekeeping> {
  return {
    expired: await noteExpiredGrants(db, logger, now),
    overdue: await flagOverdueRequests(db, logger, now),
  };
}
