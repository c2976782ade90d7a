import { GraphQLError } from 'graphql';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

/**
 * Requests per principal per minute, counted in this process's memory (rate-limiter-flexible): behind a
 * load balancer over N hub processes a principal gets up to N times the limit. A shared store would cost
 * a database write per request; the limit is there so that one department's runaway job cannot take the
 * whole hub, which a per-process count achieves. Health checks and GraphiQL's page carry no key and are not
 * counted; /graphql and the bulk endpoints are, once the key is known (requests without a valid key are
 * counted per address: AddressRateLimit).
 */
export class PrincipalRateLimit {
  private readonly limiter: RateLimiterMemory | undefined;

  /** `refusal`: what a caller past the limit reads (the public surface counts addresses: publicRateLimited). */
  constructor(
    readonly perMinute: number,
    private readonly refusal: (perMinute: number, retryAfterSeconds: number) => GraphQLError = rateLimited,
  ) {
    this.limiter = perMinute > 0 ? new RateLimiterMemory({ points: perMinute, duration: 60 }) : undefined;
  }

  /** Counts one request of `principal`; throws RATE_LIMITED (HTTP 429, Retry-After) past the limit. */
  async consume(principal: string): Promise<void> {
    if (!this.limiter) return;
    try {
      await this.limiter.consume(principal);
    } catch (refusal) {
      if (!(refusal instanceof RateLimiterRes)) throw refusal;
      throw this.refusal(this.perMinute, Math.max(1, Math.ceil(refusal.msBeforeNext / 1000)));
    }
  }
}

/**
 * Requests without a valid key (none, malformed, unknown or revoked) per client address per minute, in this
 * process's memory. Only refusals count: an address whose requests carry live keys is never limited here
 * (its principals have their own limit). Past the limit, the address's requests are refused with 429
 * before their key is looked up (`retryAfter`), for the rest of the minute.
 */
export class AddressRateLimit {
  private readonly limiter: RateLimiterMemory | undefined;

  constructor(readonly perMinute: number) {
    this.limiter = perMinute > 0 ? new RateLimiterMemory({ points: perMinute, duration: 60 }) : undefined;
  }

  /** Seconds until `address` may be refused again, once it has used its refusals; undefined before. */
  async retryAfter(address: string): Promise<number | undefined> {
    const used = await this.limiter?.get(address);
    if (!used || used.consumedPoints < this.perMinute || used.msBeforeNext <= 0) return undefined;
    return Math.max(1, Math.ceil(used.msBeforeNext / 1000));
  }

  /** Counts one refusal of `address`. */
  async refused(address: string): Promise<void> {
    await this.limiter?.penalty(address);
  }
}

/** What a client without a valid key reads once its address has used its refusals of the minute. */
export function addressRateLimited(perMinute: number, retryAfterSeconds: number): GraphQLError {
  return tooMany(
    `来自您地址的无有效密钥请求过多：每分钟最多 ${perMinute} 次，请 ${retryAfterSeconds} 秒后重试 / Too many requests without a valid key from your address: at most ${perMinute} a minute; try again in ${retryAfterSeconds} s`,
    retryAfterSeconds,
  );
}

/** What a client reads past its limit: when to try again, in the header and in the error. */
export function rateLimited(perMinute: number, retryAfterSeconds: number): GraphQLError {
  return tooMany(
    `请求过于频繁：每分钟最多 ${perMinute} 次，请 ${retryAfterSeconds} 秒后重试 / Too many requests: at most ${perMinute} a minute for your principal; try again in ${retryAfterSeconds} s`,
    retryAfterSeconds,
  );
}

/** What a client of the public surface (/public) reads past the limit of its address. */
export function publicRateLimited(perMinute: number, retryAfterSeconds: number): GraphQLError {
  return tooMany(
    `来自您地址的公开查询过多：每分钟最多 ${perMinute} 次，请 ${retryAfterSeconds} 秒后重试 / Too many public requests from your address: at most ${perMinute} a minute; try again in ${retryAfterSeconds} s`,
    retryAfterSeconds,
  );
}

/** RATE_LIMITED (HTTP 429: src/http/errors.ts) with Retry-After. */
function tooMany(message: string, retryAfterSeconds: number): GraphQLError {
  return new GraphQLError(message, {
    extensions: {
      code: 'RATE_LIMITED',
      retryAfter: retryAfterSeconds,
      http: { headers: new Map([['retry-after', String(retryAfterSeconds)]]) },
    },
  });
}
