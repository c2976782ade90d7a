import type { AuditSink } from '../audit/writer.js';

/** The event of the audit record that counts a minute's public requests. */
export const PUBLIC_REQUESTS_EVENT = 'PUBLIC_REQUESTS';

/** What a public request asked and got, as it is counted. */
export interface PublicRequest {
  /** GRAPHQL, or the download's format: JSON, CSV, GEOJSON; INDEX for the list of downloads. */
  route: string;
  /** The public dataset asked for, or null (none, or a name that is not a public dataset). */
  dataset: string | null;
  /** OK, NOT_MODIFIED (304), or the error code: RATE_LIMITED, BAD_USER_INPUT, NOT_FOUND, … */
  outcome: string;
}

/**
 * The audit of /public, in aggregate. Anyone may send public requests, without a key: a record each would
 * let anyone grow the six-month log without bound and would say nothing an auditor needs. So they are
 * counted per route, dataset and outcome, and written as ONE audit record per minute and hub process
 * (event PUBLIC_REQUESTS, principal null, outcome COUNTED, detail { from, to, total, counts: [{ route,
 * dataset, outcome, count }] }) when the minute ends or the hub stops; a minute without requests writes
 * nothing. The counted keys are bounded by the catalogue (routes × public datasets × outcomes), never by what
 * a client sends. Auditors read the records through `auditLog(filter: { event: "PUBLIC_REQUESTS" })`
 * like any other. No address is kept: the public surface is for everyone, and the rate limit is in memory.
 */
export class PublicRequestCounts {
  private readonly minuteMs: number;
  private minute: number;
  private readonly counts = new Map<string, PublicRequest & { count: number }>();
  private timer: NodeJS.Timeout | undefined;
  private readonly writing = new Set<Promise<void>>();

  /** `minuteMs` is for tests: a minute is 60 s. */
  constructor(
    private readonly audit: AuditSink,
    options: { minuteMs?: number } = {},
  ) {
    this.minuteMs = options.minuteMs ?? 60_000;
    this.minute = this.now();
  }

  /** Counts one request. */
  count(request: PublicRequest): void {
    if (this.now() !== this.minute) this.flush();
    const key = `${request.route}\u0000${request.dataset ?? ''}\u0000${request.outcome}`;
    const known = this.counts.get(key);
    if (known) known.count++;
    else this.counts.set(key, { ...request, count: 1 });
    if (!this.timer) {
      // a millisecond late, so that the minute has ended when it fires; it does not keep the process alive
      this.timer = setTimeout(() => this.flush(), (this.minute + 1) * this.minuteMs - Date.now() + 1);
      this.timer.unref();
    }
  }

  /** Writes what the minute has counted and begins the next. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.counts.size) {
      const counts = [...this.counts.values()];
      const written = this.audit
        .write({
          event: PUBLIC_REQUESTS_EVENT,
          principal: null,
          keyId: null,
          requestId: null,
          operationName: null,
          documentHash: null,
          outcome: 'COUNTED',
          detail: {
            from: new Date(this.minute * this.minuteMs).toISOString(),
            to: new Date((this.minute + 1) * this.minuteMs).toISOString(),
            total: counts.reduce((sum, { count }) => sum + count, 0),
            counts,
          },
        })
        .finally(() => this.writing.delete(written));
      this.writing.add(written);
    }
    this.counts.clear();
    this.minute = this.now();
  }

  /** At shutdown: writes what is counted and waits until every record is committed. */
  async close(): Promise<void> {
    this.flush();
    await Promise.all(this.writing);
  }

  private now(): number {
    return Math.floor(Date.now() / this.minuteMs);
  }
}
