import { HeaderMap } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

/**
 * Requests per principal per minute, counted in this process's memory (rate-limiter-flexible): behind a
 * load balancer over N hub processes a principal gets up to N times the limit. A shared store would cost
 * a database write per request; the limit is there so that one department's runaway job cannot take the
 * whole hub, which a per-process count achieves. Health checks and GraphiQL's page carry no key and are not
 * counted; /graphql and the bulk endpoints are, once the key is known.
 */
export class PrincipalRateLimit {
  private readonly limiter: RateLimiterMemory | undefined;

  constructor(readonly perMinute: number) {
    this.limiter = perMinute > 0 ? new RateLimiterMemory({ points: perMinute, duration: 60 }) : undefined;
  }

  /** Counts one request of `principal`; throws RATE_LIMITED (HTTP 429, Retry-After) past the limit. */
  async consume(principal: string): Promise<void> {
    if (!this.limiter) return;
    try {
      await this.limiter.consume(principal);
    } catch (refusal) {
      if (!(refusal instanceof RateLimiterRes)) throw refusal;
      throw rateLimited(this.perMinute, Math.max(1, Math.ceil(refusal.msBeforeNext / 1000)));
    }
  }
}

/** What a client reads past its limit: when to try again, in the header and in the error. */
export function rateLimited(perMinute: number, retryAfterSeconds: number): GraphQLError {
  return new GraphQLError(
    `请求过于频繁：每分钟最多 ${perMinute} 次，请 ${retryAfterSeconds} 秒后重试 / Too many requests: at most ${perMinute} a minute for your principal; try again in ${retryAfterSeconds} s`,
    {
      extensions: {
        code: 'RATE_LIMITED',
        retryAfter: retryAfterSeconds,
        http: { status: 429, headers: new HeaderMap([['retry-after', String(retryAfterSeconds)]]) },
      },
    },
  );
}
