import type { Request } from 'express';
import { GraphQLError } from 'graphql';
import { type Authenticated, authenticateHash, hashKey } from '../access/keys.js';
import type { UnauthenticatedRefusals } from '../audit/refusals.js';
import type { AuditRecord, AuditSink } from '../audit/writer.js';
import { type Context, createContext } from '../context.js';
import type { ReferenceData } from '../datasets/reference.js';
import type { Db } from '../db/connection.js';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import { clientAddress } from './clientAddress.js';
import { databaseUnavailable } from './errors.js';
import { type AddressRateLimit, addressRateLimited, type PrincipalRateLimit } from './rateLimit.js';
import { deadlineOf } from './timeouts.js';

/** What a request asks for, as the audit record of its refusal names it. */
export interface Asking {
  /** GRAPHQL, BULK_PUBLISH, BULK_EXPORT, BULK_CHANGES */
  event: string;
  operationName: string | null;
}

/** Why a request was refused before it had a context: the outcome its audit record names. */
export type RefusalOutcome = 'UNAUTHENTICATED' | 'RATE_LIMITED' | 'UNAVAILABLE' | 'FAILED';

/** A request refused at the edge, already audited; `error` is what the client gets (src/http/errors.ts). */
export interface Refusal {
  outcome: RefusalOutcome;
  error: unknown;
}

/** The request's context, or its refusal. */
export type Admission = { context: Context; refusal?: undefined } | { refusal: Refusal; context?: undefined };

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** The key of an `Authorization: Bearer <key>` header, or why there is none and what to tell the client. */
export function bearerKey(header: string | undefined): { key: string } | { reason: string; message: string } {
  const match = header?.match(BEARER);
  if (match) return { key: match[1] };
  if (!header?.trim()) {
    return {
      reason: 'no key',
      message: '缺少 API 密钥 / Missing API key: send the header "Authorization: Bearer <key>"',
    };
  }
  // The header is never echoed: it may hold a key.
  const bare = /^jt_\S+$/.test(header.trim());
  return {
    reason: 'Authorization header not "Bearer <key>"',
    message: bare
      ? 'Authorization 请求头应为 "Bearer <密钥>"：请在密钥前加上 "Bearer " / The Authorization header must be "Bearer <key>": put "Bearer " before the key'
      : 'Authorization 请求头应为 "Bearer <密钥>"（密钥中间不含空格） / The Authorization header must be "Bearer <key>", the key in one piece',
  };
}

function unauthenticated(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED' } });
}

type Presented = { key: string; hash: string } | { reason: string; message: string };

/** Each request's presented key and its hash, worked out once (the flood check and the key check both ask). */
const presentedKeys = new WeakMap<Request, Presented>();

function presentedKey(req: Request): Presented {
  let presented = presentedKeys.get(req);
  if (!presented) {
    const bearer = bearerKey(req.headers.authorization);
    presented = 'key' in bearer ? { key: bearer.key, hash: hashKey(bearer.key) } : bearer;
    presentedKeys.set(req, presented);
  }
  return presented;
}

/** Keys remembered as seen authenticating (their hashes), the most recent. */
const MAX_RECENT_KEYS = 10_000;

/**
 * The keys this process has seen authenticate, by hash, most recent last. A flooding address's requests are
 * refused before their key is looked up, except those with a key found here: principals working from the
 * same address as a flood (behind the same NAT or proxy) keep working. A key found here is still checked
 * (a revoked one is refused, and forgotten); only a key that has never been valid cannot be in it.
 */
class RecentKeys {
  private readonly hashes = new Set<string>();

  has(hash: string): boolean {
    return this.hashes.has(hash);
  }

  add(hash: string): void {
    this.hashes.delete(hash);
    this.hashes.add(hash);
    if (this.hashes.size > MAX_RECENT_KEYS) this.hashes.delete(this.hashes.values().next().value as string);
  }

  delete(hash: string): void {
    this.hashes.delete(hash);
  }
}

/** Told, synchronously, what the edge made of a request: its refusal, or its context. */
export type EdgeObserver = (req: Request, asking: Asking, admission: Admission) => void;

/**
 * The one HTTP edge, for /graphql and every REST route: a request becomes a Context (its key's principal
 * and grants) or a typed Refusal, each refusal audited here. A request without a valid key is refused
 * UNAUTHENTICATED, counted against its address (AddressRateLimit) and audited through
 * UnauthenticatedRefusals (the first of an address in a minute as a record of its own, the rest as a
 * count); once its address has used its refusals, RATE_LIMITED before its key is looked up. A principal's
 * refusals (its own rate limit) are one record each; so are a known key's while the database is out.
 */
export class Edge {
  private readonly recent = new RecentKeys();

  constructor(
    private readonly options: {
      db: Db;
      reference: ReferenceData;
      audit: AuditSink;
      refusals: UnauthenticatedRefusals;
      addresses: AddressRateLimit;
      principals?: PrincipalRateLimit;
      /** false only in a benchmark (HubDependencies.keyCheckEveryRequest): each key read once. */
      keyCheckEveryRequest?: boolean;
      /** Told what the edge found of each request it answers (the request metrics, src/http/requestMetrics.ts). */
      observer?: EdgeObserver;
    },
  ) {}

  /** The keys read once, when keyCheckEveryRequest is false (a benchmark's upper bound; never deployed). */
  private readonly readOnce = new Map<string, Promise<Authenticated | undefined>>();

  private check(hash: string): Promise<Authenticated | undefined> {
    if (this.options.keyCheckEveryRequest !== false) return authenticateHash(this.options.db, hash);
    let found = this.readOnce.get(hash);
    if (!found) {
      found = authenticateHash(this.options.db, hash);
      this.readOnce.set(hash, found);
    }
    return found;
  }

  /**
   * RATE_LIMITED (audited) for a request whose address has used its refusals of the minute, unless it
   * carries a key seen authenticating; undefined otherwise. Costs no key lookup and reads no body.
   */
  async flooded(req: Request, asking: Asking): Promise<Refusal | undefined> {
    const refusal = await this.floodRefusal(req, asking);
    if (refusal) this.options.observer?.(req, asking, { refusal });
    return refusal;
  }

  private async floodRefusal(req: Request, asking: Asking): Promise<Refusal | undefined> {
    const presented = presentedKey(req);
    if ('hash' in presented && this.recent.has(presented.hash)) return undefined;
    const address = clientAddress(req);
    const retryAfter = await this.options.addresses.retryAfter(address);
    if (retryAfter === undefined) return undefined;
    await this.options.refusals.record(
      this.refusal(req, asking, address, 'RATE_LIMITED', 'too many requests without a valid key'),
    );
    return {
      outcome: 'RATE_LIMITED',
      error: addressRateLimited(this.options.addresses.perMinute, retryAfter),
    };
  }

  /**
   * The request's context, or its refusal, audited: UNAUTHENTICATED, RATE_LIMITED (the address's or the
   * principal's limit), UNAVAILABLE (the database is out of reach), FAILED (the key could not be checked).
   */
  async admit(req: Request, asking: Asking): Promise<Admission> {
    const admission = await this.admission(req, asking);
    this.options.observer?.(req, asking, admission);
    return admission;
  }

  private async admission(req: Request, asking: Asking): Promise<Admission> {
    const refusal = await this.floodRefusal(req, asking);
    if (refusal) return { refusal };
    const authenticated = await this.authenticated(req, asking);
    if ('refusal' in authenticated) return authenticated;
    const { db, reference } = this.options;
    return {
      context: createContext({
        ...authenticated,
        requestId: String(req.id),
        db,
        reference,
        deadline: deadlineOf(req),
      }),
    };
  }

  /** The principal and grants of the request's key, or its refusal. */
  private async authenticated(req: Request, asking: Asking): Promise<Authenticated | { refusal: Refusal }> {
    const { audit, refusals, addresses, principals } = this.options;
    const address = clientAddress(req);
    const refuse = async (outcome: RefusalOutcome, reason: string, error: unknown, counts: boolean) => {
      if (counts) await addresses.refused(address);
      await refusals.record(this.refusal(req, asking, address, outcome, reason));
      return { refusal: { outcome, error } };
    };
    /** A refusal of a principal's request: a record of its own. */
    const refusePrincipal = async (outcome: RefusalOutcome, error: unknown, record: Partial<AuditRecord>) => {
      await audit.write({
        event: asking.event,
        principal: null,
        keyId: null,
        requestId: String(req.id),
        operationName: asking.operationName,
        documentHash: null,
        outcome: answered(req, outcome),
        detail: {},
        ...record,
      });
      return { refusal: { outcome, error } };
    };
    const presented = presentedKey(req);
    if (!('hash' in presented)) {
      return refuse('UNAUTHENTICATED', presented.reason, unauthenticated(presented.message), true);
    }
    const { hash } = presented;
    let authenticated: Authenticated | undefined;
    try {
      authenticated = await this.check(hash);
    } catch (error) {
      // not the client's doing: audited, not counted against its address
      if (!isDatabaseUnavailable(error))
        return refuse('FAILED', 'the key could not be checked', error, false);
      const reason = 'database unavailable: the key could not be checked';
      // A key seen valid is a principal's request that the outage refused: one record of its own, as
      // before the outage (the key could not be checked, so the record names no principal).
      if (this.recent.has(hash)) {
        return refusePrincipal('UNAVAILABLE', databaseUnavailable(), { detail: { address, reason } });
      }
      return refuse('UNAVAILABLE', reason, databaseUnavailable(), false);
    }
    if (!authenticated) {
      this.recent.delete(hash);
      return refuse(
        'UNAUTHENTICATED',
        'unknown, revoked or expired key',
        unauthenticated('API 密钥无效、已吊销或已过期 / Unknown, revoked or expired API key'),
        true,
      );
    }
    this.recent.add(hash);
    try {
      await principals?.consume(authenticated.principal.code);
    } catch (error) {
      const { code: principal, keyId } = authenticated.principal;
      return refusePrincipal('RATE_LIMITED', error, { principal, keyId });
    }
    return authenticated;
  }

  private refusal(req: Request, asking: Asking, address: string, outcome: RefusalOutcome, reason: string) {
    return {
      address,
      event: asking.event,
      outcome: answered(req, outcome),
      requestId: String(req.id),
      operationName: asking.operationName,
      reason,
    };
  }
}

/** The outcome the client gets: its own, or TIMEOUT when a /graphql deadline answered first (timeouts.ts). */
function answered(req: Request, outcome: string): string {
  return deadlineOf(req)?.outcome(outcome) ?? outcome;
}
