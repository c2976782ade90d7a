import { createHash } from 'node:crypto';
import type { Request } from 'express';
import { GraphQLError } from 'graphql';
import { type Authenticated, authenticate } from '../access/keys.js';
import type { UnauthenticatedRefusals } from '../audit/refusals.js';
import type { AuditSink } from '../audit/writer.js';
import type { Db } from '../db/connection.js';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import { clientAddress } from './clientAddress.js';
import { UNAVAILABLE_MESSAGE } from './errors.js';
import { type AddressRateLimit, addressRateLimited, type PrincipalRateLimit } from './rateLimit.js';

/** What a request asks for, as the audit record of its refusal names it. */
export interface Asking {
  /** GRAPHQL, BULK_PUBLISH, BULK_EXPORT, BULK_CHANGES */
  event: string;
  operationName: string | null;
  /** The outcome the client gets instead of `own` (a /graphql deadline may answer first: timeouts.ts). */
  answered?: (own: string) => string;
}

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
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
}

function unavailable(): GraphQLError {
  return new GraphQLError(UNAVAILABLE_MESSAGE, {
    extensions: {
      code: 'SERVICE_UNAVAILABLE',
      http: { status: 503, headers: new Map([['retry-after', '10']]) },
    },
  });
}

const hashOf = (key: string) => createHash('sha256').update(key).digest('hex');

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

/**
 * HTTP → principal, for /graphql and the bulk routes alike: the key of the Authorization header, the
 * limits, and the audit of every refusal. A request without a valid key is refused with 401, counted
 * against its address (AddressRateLimit) and audited through UnauthenticatedRefusals (the first of an
 * address in a minute as a record of its own, the rest as a count); once its address has used its
 * refusals, 429 before its key is looked up. A principal's refusals (its own rate limit) are one record each.
 */
export class Authentication {
  private readonly recent = new RecentKeys();

  constructor(
    private readonly options: {
      db: Db;
      audit: AuditSink;
      refusals: UnauthenticatedRefusals;
      addresses: AddressRateLimit;
      principals?: PrincipalRateLimit;
    },
  ) {}

  /**
   * 429 RATE_LIMITED (audited) for a request whose address has used its refusals of the minute, unless it
   * carries a key seen authenticating; undefined otherwise. Costs no key lookup and reads no body.
   */
  async floodRefusal(req: Request, asking: Asking): Promise<GraphQLError | undefined> {
    const presented = bearerKey(req.headers.authorization);
    if ('key' in presented && this.recent.has(hashOf(presented.key))) return undefined;
    const address = clientAddress(req);
    const retryAfter = await this.options.addresses.retryAfter(address);
    if (retryAfter === undefined) return undefined;
    await this.options.refusals.record(
      this.refusal(req, asking, address, 'RATE_LIMITED', 'too many requests without a valid key'),
    );
    return addressRateLimited(this.options.addresses.perMinute, retryAfter);
  }

  /**
   * The principal and grants of the request's key. Throws, each refusal audited: UNAUTHENTICATED (401),
   * RATE_LIMITED (429, the address's or the principal's limit), SERVICE_UNAVAILABLE (503: the key could not
   * be checked).
   */
  async admit(req: Request, asking: Asking): Promise<Authenticated> {
    const flood = await this.floodRefusal(req, asking);
    if (flood) throw flood;
    const { db, audit, refusals, addresses, principals } = this.options;
    const address = clientAddress(req);
    const refuse = async (outcome: string, reason: string, error: unknown, counts: boolean) => {
      if (counts) await addresses.refused(address);
      await refusals.record(this.refusal(req, asking, address, outcome, reason));
      return error;
    };
    const presented = bearerKey(req.headers.authorization);
    if (!('key' in presented)) {
      throw await refuse('UNAUTHENTICATED', presented.reason, unauthenticated(presented.message), true);
    }
    const hash = hashOf(presented.key);
    let authenticated: Authenticated | undefined;
    try {
      authenticated = await authenticate(db, presented.key);
    } catch (error) {
      // not the client's doing: audited, not counted against its address
      if (isDatabaseUnavailable(error)) {
        if (this.recent.has(hash)) {
          // A key seen valid is a principal's request that the outage refused: one record of its own, as
          // before the outage (the key could not be checked, so the record names no principal).
          await audit.write({
            event: asking.event,
            principal: null,
            keyId: null,
            requestId: String(req.id),
            operationName: asking.operationName,
            documentHash: null,
            outcome: asking.answered?.('UNAVAILABLE') ?? 'UNAVAILABLE',
            detail: { address, reason: 'database unavailable: the key could not be checked' },
          });
          throw unavailable();
        }
        throw await refuse(
          'UNAVAILABLE',
          'database unavailable: the key could not be checked',
          unavailable(),
          false,
        );
      }
      throw await refuse('FAILED', 'the key could not be checked', error, false);
    }
    if (!authenticated) {
      this.recent.delete(hash);
      throw await refuse(
        'UNAUTHENTICATED',
        'unknown or revoked key',
        unauthenticated('API 密钥无效或已吊销 / Unknown or revoked API key'),
        true,
      );
    }
    this.recent.add(hash);
    try {
      await principals?.consume(authenticated.principal.code);
    } catch (refusal) {
      // A principal's refusal is its own record (group-committed with the others of the moment).
      await audit.write({
        event: asking.event,
        principal: authenticated.principal.code,
        keyId: authenticated.principal.keyId,
        requestId: String(req.id),
        operationName: asking.operationName,
        documentHash: null,
        outcome: asking.answered?.('RATE_LIMITED') ?? 'RATE_LIMITED',
        detail: {},
      });
      throw refusal;
    }
    return authenticated;
  }

  private refusal(req: Request, asking: Asking, address: string, outcome: string, reason: string) {
    return {
      address,
      event: asking.event,
      outcome: asking.answered?.(outcome) ?? outcome,
      requestId: String(req.id),
      operationName: asking.operationName,
      reason,
    };
  }
}
