import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { isLoopback, Networks } from '../networks.js';
import { requestAddress } from './clientAddress.js';
import { bearerKey } from './edge.js';

/** Who may read /metrics besides loopback (src/config.ts, MetricsConfig). */
export interface MetricsAccessOptions {
  /** Client addresses and subnets (JINGTU_METRICS_NETWORKS). */
  networks?: readonly string[];
  /** The metrics key (JINGTU_METRICS_KEY), sent as `Authorization: Bearer <key>`. */
  key?: string;
}

/** Why a request may read /metrics. */
export type MetricsGrant = 'loopback' | 'network' | 'key';

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * Who reads /metrics: what they show (operation names, principal kinds, queue and dataset states, the pool)
 * is for the people who run the hub. A request may when its client address (through JINGTU_TRUSTED_PROXIES,
 * as everywhere: src/http/clientAddress.ts) is a loopback address and it was not forwarded (no
 * X-Forwarded-For or Forwarded header: a reverse proxy on the same machine would otherwise open it to
 * everyone behind it), when the address is in JINGTU_METRICS_NETWORKS, or when it carries the metrics key.
 * The key is compared in constant time, as digests of equal length. API keys do not open it.
 */
export class MetricsAccess {
  private readonly networks: Networks;
  private readonly key: Buffer | undefined;

  constructor(options: MetricsAccessOptions = {}) {
    this.networks = new Networks(options.networks);
    this.key = options.key ? digest(options.key) : undefined;
  }

  grant(req: Request): MetricsGrant | undefined {
    const address = requestAddress(req);
    const forwarded = req.headers['x-forwarded-for'] !== undefined || req.headers.forwarded !== undefined;
    if (isLoopback(address) && !forwarded) return 'loopback';
    if (this.networks.includes(address)) return 'network';
    if (this.key) {
      const given = bearerKey(req.headers.authorization);
      if ('key' in given && timingSafeEqual(digest(given.key), this.key)) return 'key';
    }
    return undefined;
  }
}
