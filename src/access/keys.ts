import { createHash, randomBytes } from 'node:crypto';
import { and, asc, eq, isNull, or, sql } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { accessGrant, apiKey, principal } from '../db/hubTables.js';
import type { ActiveGrant } from './effectiveAccess.js';
import { type Principal, principalFromRow } from './principal.js';

/** API keys: `jt_` and 32 random bytes. High-entropy secrets, so a SHA-256 hash is enough to store. */
export const hashKey = (key: string): string => createHash('sha256').update(key).digest('hex');

export class UnknownPrincipalError extends Error {}

/** Fails with UnknownPrincipalError, naming the principals there are, unless `principalCode` is one. */
export async function assertKnownPrincipal(db: Pick<Db, 'select'>, principalCode: string): Promise<void> {
  const [known] = await db
    .select({ code: principal.code })
    .from(principal)
    .where(eq(principal.code, principalCode));
  if (known) return;
  const codes = await db.select({ code: principal.code }).from(principal).orderBy(asc(principal.code));
  throw new UnknownPrincipalError(
    `unknown principal ${JSON.stringify(principalCode)}; known: ${codes.map((c) => c.code).join(', ')}`,
  );
}

/** What else a key is: a system's (documents only), or an analyst's single sign-on session (src/sso/). */
export interface KeyOptions {
  /** It runs only its principal's registered documents. */
  documentsOnly?: boolean;
  /** It stops working after this many seconds (a session); never when absent. */
  expiresInSeconds?: number;
  /** The identity it was made for (issuer `#` subject): a single sign-on session. */
  ssoSubject?: string;
}

/** Creates a key for a principal; the key itself is returned once and never stored. */
export async function createKey(
  db: Db,
  principalCode: string,
  name?: string,
  options: KeyOptions = {},
): Promise<{ id: string; key: string; expiresAt: string | null }> {
  await assertKnownPrincipal(db, principalCode);
  const key = `jt_${randomBytes(32).toString('base64url')}`;
  const [row] = await db
    .insert(apiKey)
    .values({
      principalCode,
      name: name ?? null,
      keyHash: hashKey(key),
      documentsOnly: options.documentsOnly ?? false,
      // the database's clock, which the key check compares it with
      expiresAt:
        options.expiresInSeconds === undefined
          ? null
          : sql`now() + make_interval(secs => ${options.expiresInSeconds})`,
      ssoSubject: options.ssoSubject ?? null,
    })
    .returning({ id: apiKey.id, expiresAt: apiKey.expiresAt });
  return { id: row.id, key, expiresAt: row.expiresAt };
}

/** What `revokeKey` did: revoked the key now, found it revoked already (and when), or found no such key. */
export type Revocation =
  | { outcome: 'REVOKED' }
  | { outcome: 'ALREADY_REVOKED'; revokedAt: string }
  | { outcome: 'UNKNOWN' };

/**
 * Revokes a live key. Only the revocation that takes a key from live to revoked says REVOKED (of two at once,
 * one), so only it is audited; a key revoked before keeps its first revocation time.
 */
export async function revokeKey(db: Db, id: string): Promise<Revocation> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return { outcome: 'UNKNOWN' };
  const revoked = await db
    .update(apiKey)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(apiKey.id, id), isNull(apiKey.revokedAt)))
    .returning({ id: apiKey.id });
  if (revoked.length > 0) return { outcome: 'REVOKED' };
  const [known] = await db.select({ revokedAt: apiKey.revokedAt }).from(apiKey).where(eq(apiKey.id, id));
  return known?.revokedAt
    ? { outcome: 'ALREADY_REVOKED', revokedAt: known.revokedAt }
    : { outcome: 'UNKNOWN' };
}

export interface Authenticated {
  principal: Principal;
  /** The principal's grants that are approved and unexpired right now. */
  grants: ActiveGrant[];
}

/**
 * The statement that finds the principals holding live keys among `$hashes`, with their active grants, by
 * key hash: built once per database and prepared (named) on each connection, since every request runs it.
 */
/** The grants of the principal of the row being read that are approved and unexpired now, as JSON. */
const activeGrants = sql<ActiveGrant[] | null>`(
  select json_agg(json_build_object('id', g.id, 'dataset', g.dataset, 'fields', g.fields, 'expiresAt', g.expires_at))
  from ${accessGrant} g
  where g.requester = ${principal.code} and g.status = 'APPROVED' and g.expires_at > now())`;

/** A principal as a key check reads it: who, with its capabilities and active grants. */
const principalColumns = {
  code: principal.code,
  kind: principal.kind,
  nameZh: principal.nameZh,
  nameEn: principal.nameEn,
  capabilities: principal.capabilities,
  grants: activeGrants,
};

/**
 * A principal by its code, with its active grants, as a request of it would be (the hub acting for it, as
 * a webhook's delivery does: `keyId` says so in what it records); undefined for an unknown code.
 */
export async function principalByCode(
  db: Db,
  code: string,
  keyId: string,
): Promise<Authenticated | undefined> {
  const [row] = await db.select(principalColumns).from(principal).where(eq(principal.code, code));
  if (!row) return undefined;
  const { grants, ...who } = row;
  return { principal: principalFromRow(who, keyId), grants: grants ?? [] };
}

function principalsStatement(db: Db) {
  return db
    .select({
      keyHash: apiKey.keyHash,
      keyId: apiKey.id,
      documentsOnly: apiKey.documentsOnly,
      ...principalColumns,
    })
    .from(apiKey)
    .innerJoin(principal, eq(principal.code, apiKey.principalCode))
    .where(
      and(
        sql`${apiKey.keyHash} = any(${sql.placeholder('hashes')}::text[])`,
        isNull(apiKey.revokedAt),
        // a session's key stops at its expiry, on every process: nothing keeps a key once checked
        or(isNull(apiKey.expiresAt), sql`${apiKey.expiresAt} > now()`),
      ),
    )
    .prepare('jingtu_key_check');
}

/** The principals holding live keys among `hashes`, with their active grants, in one statement. */
async function principalsOf(
  statement: ReturnType<typeof principalsStatement>,
  hashes: string[],
): Promise<Map<string, Authenticated>> {
  const rows = await statement.execute({ hashes });
  return new Map(
    rows.map(({ keyHash, grants, keyId, documentsOnly, ...who }) => [
      keyHash,
      { principal: { ...principalFromRow(who, keyId), documentsOnly }, grants: grants ?? [] },
    ]),
  );
}

/** Distinct keys one statement checks at most. */
const MAX_KEYS_PER_CHECK = 500;

interface Waiting {
  resolve(found: Authenticated | undefined): void;
  reject(error: unknown): void;
}

/**
 * The key checks of one database, group-committed like the audit records: requests that arrive while a
 * check is in flight are checked together by the next statement, which starts when that one returns. Every
 * request is checked by a statement that began after it arrived, so a revoked key or a changed grant takes
 * effect on the next request, on every hub process, as when each request ran its own; under load, the
 * requests of a moment (mostly a few keys) cost one statement instead of one each.
 */
class KeyChecks {
  private waiting = new Map<string, Waiting[]>();
  private inFlight = false;
  private readonly statement: ReturnType<typeof principalsStatement>;

  constructor(db: Db) {
    this.statement = principalsStatement(db);
  }

  check(hash: string): Promise<Authenticated | undefined> {
    return new Promise((resolve, reject) => {
      const waiters = this.waiting.get(hash);
      if (waiters) waiters.push({ resolve, reject });
      else this.waiting.set(hash, [{ resolve, reject }]);
      // A microtask later, so that the requests parsed in the same turn share the first statement too.
      if (!this.inFlight) {
        this.inFlight = true;
        queueMicrotask(() => this.run());
      }
    });
  }

  private async run(): Promise<void> {
    const batch = new Map<string, Waiting[]>();
    for (const [hash, waiters] of this.waiting) {
      if (batch.size >= MAX_KEYS_PER_CHECK) break;
      batch.set(hash, waiters);
    }
    for (const hash of batch.keys()) this.waiting.delete(hash);
    try {
      const found = await principalsOf(this.statement, [...batch.keys()]);
      for (const [hash, waiters] of batch) {
        const live = found.get(hash);
        // Each request gets its own copy: contexts must share nothing.
        for (const { resolve } of waiters) {
          resolve(live && { principal: { ...live.principal }, grants: [...live.grants] });
        }
      }
    } catch (error) {
      for (const waiters of batch.values()) for (const { reject } of waiters) reject(error);
    } finally {
      if (this.waiting.size) void this.run();
      else this.inFlight = false;
    }
  }
}

const keyChecks = new WeakMap<Db, KeyChecks>();

/**
 * The principal holding a live key and its active grants, read from the database for every request (so a
 * revocation or a new grant takes effect at once, on every hub process; nothing is cached), the requests of
 * a moment in one statement (see KeyChecks); undefined for an unknown, revoked or expired key.
 */
export function authenticate(db: Db, key: string): Promise<Authenticated | undefined> {
  return authenticateHash(db, hashKey(key));
}

/** authenticate, for a key already hashed by hashKey. */
export function authenticateHash(db: Db, hash: string): Promise<Authenticated | undefined> {
  let checks = keyChecks.get(db);
  if (!checks) {
    checks = new KeyChecks(db);
    keyChecks.set(db, checks);
  }
  return checks.check(hash);
}
