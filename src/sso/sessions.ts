import { and, asc, eq, isNotNull, isNull, sql } from 'drizzle-orm';
import { createKey } from '../access/keys.js';
import type { Db } from '../db/connection.js';
import { apiKey, principal } from '../db/hubTables.js';

/**
 * An analyst's single sign-on session is a short-lived API key of the principal the claim named, marked with
 * the identity it was made for: the edge, the audit's key id, revocation and `jingtu keys list` serve it as
 * any key, and the key check refuses it once expired (src/access/keys.ts).
 */

/** The codes of the principals there are: what a claim may name. */
export async function principalCodes(db: Db): Promise<Set<string>> {
  const rows = await db.select({ code: principal.code }).from(principal).orderBy(asc(principal.code));
  return new Set(rows.map((row) => row.code));
}

/** `issuer#subject`: the identity a session is for, unique across providers. */
export const ssoSubject = (issuer: string, subject: string): string => `${issuer}#${subject}`;

/** Opens a session: a key of `principalCode` that works for `hours`. */
export function openSession(
  db: Db,
  session: {
    principalCode: string;
    issuer: string;
    subject: string;
    name: string | undefined;
    hours: number;
  },
): Promise<{ id: string; key: string; expiresAt: string | null }> {
  return createKey(db, session.principalCode, `SSO ${session.name ?? session.subject}`.slice(0, 120), {
    expiresInSeconds: session.hours * 3600,
    ssoSubject: ssoSubject(session.issuer, session.subject),
  });
}

/**
 * Ends the session of a key: ENDED when it was a live session (revoked now), NOT_A_SESSION for any other key
 * (an API key is revoked by its operator, `jingtu keys revoke`, not by whoever holds it), ALREADY_ENDED when
 * another request ended it first.
 */
export async function endSession(
  db: Db,
  keyId: string,
): Promise<{ outcome: 'ENDED' | 'ALREADY_ENDED'; ssoSubject: string } | { outcome: 'NOT_A_SESSION' }> {
  const [ended] = await db
    .update(apiKey)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(apiKey.id, keyId), isNotNull(apiKey.ssoSubject), isNull(apiKey.revokedAt)))
    .returning({ ssoSubject: apiKey.ssoSubject });
  if (ended?.ssoSubject) return { outcome: 'ENDED', ssoSubject: ended.ssoSubject };
  const [known] = await db.select({ ssoSubject: apiKey.ssoSubject }).from(apiKey).where(eq(apiKey.id, keyId));
  return known?.ssoSubject
    ? { outcome: 'ALREADY_ENDED', ssoSubject: known.ssoSubject }
    : { outcome: 'NOT_A_SESSION' };
}
