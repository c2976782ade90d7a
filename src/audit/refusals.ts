import type { AuditSink } from './writer.js';

/** A request refused before it had a principal: no key, a malformed, unknown or revoked one, or a flood. */
export interface Refusal {
  /** Where it came from: the client's address, an IPv6 client's /64 (src/http/clientAddress.ts). */
  address: string;
  /** What it asked for, as its audit event: GRAPHQL, BULK_PUBLISH, BULK_EXPORT, BULK_CHANGES. */
  event: string;
  /** What the client got: UNAUTHENTICATED, RATE_LIMITED, UNAVAILABLE, TIMEOUT. */
  outcome: string;
  requestId: string;
  operationName: string | null;
  reason: string;
}

/** The event of a record that counts the refusals of an address in a minute. */
export const COUNTED_REFUSALS_EVENT = 'UNAUTHENTICATED_REQUESTS';

/** Addresses with records of their own per minute and process; the refusals of any more are counted together. */
const MAX_ADDRESSES = 100;
/** Distinct addresses the shared count tells apart (its `addresses`), so that memory stays bounded too. */
const MAX_ADDRESSES_COUNTED = 10_000;

interface Tally {
  count: number;
  outcomes: Record<string, number>;
  events: Record<string, number>;
}

const add = (counts: Record<string, number>, key: string) => {
  counts[key] = (counts[key] ?? 0) + 1;
};

/**
 * The audit of requests refused without a valid key. Anyone can send them, so they must not cost a record
 * each, or anyone could grow the six-month log without bound: the first refusal of an address in a minute
 * is written as a record of its own (what was asked, why it was refused, the address); the rest of that
 * minute are counted, and written as one record per address (event UNAUTHENTICATED_REQUESTS, with the count
 * by outcome and by event) when the minute ends or the hub stops. Past MAX_ADDRESSES addresses in a minute,
 * the refusals of the others have no record of their own and are counted in one record together (address
 * null, with how many addresses): at most 2 × MAX_ADDRESSES + 1 records per minute and hub process, whatever
 * is sent. Refusals of an authenticated principal are not counted here: each has its own record.
 */
export class UnauthenticatedRefusals {
  private readonly minuteMs: number;
  private readonly maxAddresses: number;
  private minute: number;
  /** This minute's addresses, with their refusals after the first. */
  private readonly tallies = new Map<string, Tally>();
  /** Refusals of the addresses past maxAddresses, counted together. */
  private others: (Tally & { addresses: Set<string> }) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly writing = new Set<Promise<void>>();

  /** `minuteMs` and `maxAddresses` are for tests: a minute is 60 s, MAX_ADDRESSES addresses. */
  constructor(
    private readonly audit: AuditSink,
    options: { minuteMs?: number; maxAddresses?: number } = {},
  ) {
    this.minuteMs = options.minuteMs ?? 60_000;
    this.maxAddresses = options.maxAddresses ?? MAX_ADDRESSES;
    this.minute = this.now();
  }

  /** Audits a refusal; resolves when its record is committed, or at once when it is only counted. */
  record(refusal: Refusal): Promise<void> {
    if (this.now() !== this.minute) this.flush();
    const tally = this.tallies.get(refusal.address);
    if (tally) {
      this.count(tally, refusal);
      return Promise.resolve();
    }
    if (this.tallies.size >= this.maxAddresses) {
      this.others ??= { count: 0, outcomes: {}, events: {}, addresses: new Set() };
      this.count(this.others, refusal);
      if (this.others.addresses.size < MAX_ADDRESSES_COUNTED) this.others.addresses.add(refusal.address);
      return Promise.resolve();
    }
    this.tallies.set(refusal.address, { count: 0, outcomes: {}, events: {} });
    this.schedule();
    return this.write({
      event: refusal.event,
      principal: null,
      keyId: null,
      requestId: refusal.requestId,
      operationName: refusal.operationName,
      documentHash: null,
      outcome: refusal.outcome,
      detail: { reason: refusal.reason, address: refusal.address },
    });
  }

  /** Writes what the minute has counted, at its end or at shutdown, and begins the next. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const from = new Date(this.minute * this.minuteMs).toISOString();
    const to = new Date((this.minute + 1) * this.minuteMs).toISOString();
    const counted = (address: string | null, tally: Tally, more: Record<string, unknown> = {}) =>
      this.write({
        event: COUNTED_REFUSALS_EVENT,
        principal: null,
        keyId: null,
        requestId: null,
        operationName: null,
        documentHash: null,
        outcome: 'REFUSED',
        detail: {
          address,
          from,
          to,
          ...more,
          count: tally.count,
          outcomes: tally.outcomes,
          events: tally.events,
        },
      });
    for (const [address, tally] of this.tallies) if (tally.count > 0) void counted(address, tally);
    if (this.others) {
      const { addresses, ...tally } = this.others;
      void counted(null, tally, {
        addresses: addresses.size,
        addressesCapped: addresses.size >= MAX_ADDRESSES_COUNTED,
      });
    }
    this.tallies.clear();
    this.others = undefined;
    this.minute = this.now();
  }

  /** At shutdown: writes what is counted, and waits for every record to be committed. */
  async close(): Promise<void> {
    this.flush();
    await Promise.all(this.writing);
  }

  private count(tally: Tally, refusal: Refusal): void {
    tally.count++;
    add(tally.outcomes, refusal.outcome);
    add(tally.events, refusal.event);
    this.schedule();
  }

  private write(record: Parameters<AuditSink['write']>[0]): Promise<void> {
    const written = this.audit.write(record).finally(() => this.writing.delete(written));
    this.writing.add(written);
    return written;
  }

  /** The end of the minute flushes it (the timer does not keep the process alive). */
  private schedule(): void {
    if (this.timer) return;
    // (a millisecond late, so that the minute has ended when it fires)
    this.timer = setTimeout(() => this.flush(), (this.minute + 1) * this.minuteMs - Date.now() + 1);
    this.timer.unref();
  }

  private now(): number {
    return Math.floor(Date.now() / this.minuteMs);
  }
}
