import type { CursorSeal } from '../datasets/cursorSeal.js';
import { badInput } from '../errors.js';
import { type AlertEventRow, type AlertRow, type Alerts, actorsOf } from './alerts.js';
import { MAX_ALERT_CHANGES_LIMIT } from './feedLimits.js';
import type { Rule } from './rule.js';
import { ruleById } from './rules/index.js';

/**
 * The alert feed: every change of an alert a receiver cares about (opened, reopened, acknowledged,
 * dismissed, commented, resolved) in the order of its feed position (`alert.change_seq`, taken under the
 * feed's lock: feedLock.ts), each alert once at its latest state, as the caller sees it (the Alerts service
 * decides which alerts). Pulled over HTTP (`GET /alerts/changes`, `jingtu sync pull alerts`) and pushed by the
 * webhooks. An alert the caller may not see is not there, and the cursor never moves past it: as for
 * datasets, cursors are sealed (src/sync/changes.ts), so their gaps tell nothing of others' alerts.
 */

/** The name feed cursors are sealed for (no dataset has it). */
export const ALERT_FEED = 'alerts';
/** Rows read per statement while streaming. */
const PAGE = 500;

export function alertCursor(seal: CursorSeal, changeSeq: number): string {
  return seal.sealPosition('changes', ALERT_FEED, BigInt(changeSeq));
}

/** The feed position a cursor stands for; none (or empty) is the beginning. */
export function alertPosition(seal: CursorSeal, after: string | null | undefined): bigint {
  if (after == null || after === '' || after === '0') return 0n;
  const position = seal.openPosition('changes', ALERT_FEED, after);
  if (position === undefined) {
    throw badInput(
      '预警变更游标无效：请原样传入上次返回的游标（或不带 after 从头读取） / Malformed alert feed cursor: pass a ' +
        'cursor the alert feed returned, unchanged (or none, to start from the beginning)',
      { argument: 'after' },
    );
  }
  return position;
}

/** An alert as the feed and the webhooks carry it: what GraphQL's `Alert` says, evidence as dataset and key. */
export function alertMessage(row: AlertRow & { lastEvent: AlertEventRow | null }) {
  const rule = ruleById(row.rule) as Rule;
  return {
    id: row.id,
    rule: row.rule,
    ruleName: { zh: rule.zh, en: rule.en },
    severity: row.severity,
    state: row.state,
    district: row.district,
    actors: actorsOf(rule, row),
    measure:
      row.measureKind && row.measureValue != null ? { kind: row.measureKind, value: row.measureValue } : null,
    evidence: row.evidence.map((e) => ({ dataset: e.dataset, key: e.key })),
    firstSeenAt: row.firstSeenAt,
    lastSeenAt: row.lastSeenAt,
    resolvedAt: row.resolvedAt,
    resolvedReason: row.resolvedReason,
    reopenedCount: row.reopenedCount,
    change: row.lastEvent && {
      event: row.lastEvent.event,
      at: row.lastEvent.at,
      principal: row.lastEvent.principal,
      note: row.lastEvent.note,
    },
  };
}

/**
 * The feed after a cursor as NDJSON: one line per changed alert,
 *
 *   {"cursor":"…","event":"OPENED"|…,"alert":{…}}
 *
 * and a last line {"endCursor":"…","hasMore":true|false}, as the dataset change feed (src/sync/export.ts).
 * `onRows` counts what was sent, for the audit.
 */
export async function* alertChangeStream(
  alerts: Alerts,
  seal: CursorSeal,
  after: string | undefined,
  limit: number,
  onRows: (count: number) => void,
): AsyncGenerator<string> {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_ALERT_CHANGES_LIMIT) {
    throw badInput(
      `limit 须为 1 至 ${MAX_ALERT_CHANGES_LIMIT} 的整数 / limit must be a whole number from 1 to ${MAX_ALERT_CHANGES_LIMIT}`,
      { argument: 'limit' },
    );
  }
  let position = alertPosition(seal, after);
  let endCursor = after || '0';
  let remaining = limit;
  let hasMore = false;
  for (;;) {
    // One row more than is left to send tells whether there is more.
    const size = Math.min(PAGE, remaining + 1);
    const rows = await alerts.changesAfter(position, size);
    const sent = rows.slice(0, remaining);
    remaining -= sent.length;
    hasMore = rows.length > sent.length;
    onRows(sent.length);
    let chunk = '';
    for (const row of sent) {
      endCursor = alertCursor(seal, row.changeSeq);
      chunk += `${JSON.stringify({ cursor: endCursor, event: row.lastEvent?.event ?? null, alert: alertMessage(row) })}\n`;
    }
    if (sent.length) position = BigInt(sent[sent.length - 1].changeSeq);
    if (chunk) yield chunk;
    if (hasMore || rows.length < size) break;
  }
  yield `${JSON.stringify({ endCursor, hasMore })}\n`;
}
