import { createHash, randomBytes } from 'node:crypto';
import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { Principal } from '../context.js';
import type { Db } from '../db/connection.js';
import { accessGrant, apiKey, principal } from '../db/hubTables.js';
import type { ActiveGrant } from './effectiveAccess.js';

/** API keys: `jt_` and 32 random bytes. High-entropy secrets, so a SHA-256 hash is enough to store. */
const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');

export class UnknownPrincipalError extends Error {}

export interface KeyInfo {
  id: string;
  principalCode: string;
  name: string | null;
  createdAt: string;
  revokedAt: string | null;
}

/** Creates a key for a principal; the key itself is returned once and never stored. */
export async function createKey(
  db: Db,
  principalCode: string,
  name?: string,
): Promise<{ id: string; key: string }> {
  const [known] = await db
    .select({ code: principal.code })
    .from(principal)
    .where(eq(principal.code, principalCode));
  if (!known) {
    const codes = await db.select({ code: principal.code }).from(principal).orderBy(asc(principal.code));
    throw new UnknownPrincipalError(
      `unknown principal ${JSON.stringify(principalCode)}; known: ${codes.map((c) => c.code).join(', ')}`,
    );
  }
  const key = `jt_${randomBytes(32).toString('base64url')}`;
  const [row] = await db
    .insert(apiKey)
    .values({ principalCode, name: name ?? null, keyHash: hashKey(key) })
    .returning({ id: apiKey.id });
  return { id: row.id, key };
}

export async function listKeys(db: Db): Promise<KeyInfo[]> {
  return db
    .select({
      id: apiKey.id,
      principalCode: apiKey.principalCode,
      name: apiKey.name,
      createdAt: apiKey.createdAt,
      revokedAt: apiKey.revokedAt,
    })
    .from(apiKey)
    .orderBy(asc(apiKey.createdAt));
}

/** Revokes a key; false when no such key exists. Revoking twice keeps the first revocation time. */
export async function revokeKey(db: Db, id: string): Promise<boolean> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return false;
  const rows = await db
    .update(apiKey)
    .set({ revokedAt: sql`coalesce(${apiKey.revokedAt}, now())` })
    .where(eq(apiKey.id, id))
    .returning({ id: apiKey.id });
  return rows.length > 0;
}

export interface Authenticated {
  principal: Principal;
  /** The principal's grants that are approved and unexpired right now. */
  grants: ActiveGrant[];
}

/**
 * The principal holding a live key and its active grants, read in one statement on every request (so a
 * revocation or a new grant takes effect at once, on every hub process); undefined for an unknown or
 * revoked key.
 */
export async function authenticate(db: Db, key: string): Promise<Authenticated | undefined> {
  const activeGrants = sql<ActiveGrant[] | null>`(
    select json_agg(json_build_object('id', g.id, 'dataset', g.dataset, 'fields', g.fields, 'expiresAt', g.expires_at))
    from ${accessGrant} g
    where g.requester = ${principal.code} and g.status = 'APPROVED' and g.expires_at > now())`;
  const [row] = await db
    .select({
      keyId: apiKey.id,
      code: principal.code,
      kind: principal.kind,
      nameZh: principal.nameZh,
      nameEn: principal.nameEn,
      grants: activeGrants,
    })
    .from(apiKey)
    .innerJoin(principal, eq(principal.code, apiKey.principalCode))
    .where(and(eq(apiKey.keyHash, hashKey(key)), isNull(apiKey.revokedAt)));
  if (!row) return undefined;
  const { grants, ...who } = row;
  return { principal: { ...who, kind: who.kind as Principal['kind'] }, grants: grants ?? [] };
}
