import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { and, eq, isNull } from 'drizzle-orm';
import type { Logger } from 'pino';
import { EffectiveAccess } from '../access/effectiveAccess.js';
import { principalByCode } from '../access/keys.js';
import type { Db } from '../db/connection.js';
import { Alerts } from '../supervision/alerts.js';
import { alertMessage } from '../supervision/feed.js';
import { alertWebhook, alertWebhookDelivery } from '../supervision/tables.js';
import { signedHeaders } from '../supervision/webhookSignature.js';
import { WebhookTargets } from '../supervision/webhookTargets.js';
import { inSpan } from '../tracing/spans.js';
import type { PgBoss } from './boss.js';

/**
 * Alert webhooks' deliveries, through pg-boss. The dispatch job (every minute) reads, for each live webhook,
 * the alert feed after the webhook's mark as its principal sees it now, and queues one delivery job per alert
 * change, whose id is derived from the webhook and the change (queued twice, it is one job; and it is the
 * `webhook-id` the receiver can deduplicate on); then moves the mark. A delivery job reads the alert again as
 * the principal and the one who registered the webhook both see it then (not visible any more, or changed
 * again since: skipped, the later change has its own delivery), POSTs it signed (src/supervision/webhookSignature.ts) and logs the attempt; a failure throws,
 * and pg-boss retries it with exponential backoff (retryDelay × 2ⁿ, jittered) up to retryLimit times.
 */

export const WEBHOOK_DISPATCH_QUEUE = 'jingtu-webhook-dispatch';
export const WEBHOOK_DELIVERY_QUEUE = 'jingtu-webhook-delivery';

export interface WebhookRetry {
  /** Retries after the first attempt. */
  retryLimit: number;
  /** Seconds before the first retry; each next one waits about twice as long. */
  retryDelay: number;
}

/** Eight retries from 30 s: the last about an hour after the first attempt fails (up to twice that). */
export const DEFAULT_WEBHOOK_RETRY: WebhookRetry = { retryLimit: 8, retryDelay: 30 };
/** A receiver answers within this, or the attempt fails. */
const DELIVERY_TIMEOUT_MS = 10_000;
/** Delivery workers per hub process. */
const DELIVERY_WORKERS = 4;
/** Changes read per statement while dispatching. */
const DISPATCH_PAGE = 500;

interface DeliveryJob {
  webhookId: string;
  alertId: string;
  changeSeq: number;
}

/** A UUID (pg-boss's job ids are) derived from the webhook and the feed position. */
export function messageId(webhookId: string, changeSeq: number): string {
  const hex = createHash('sha256').update(`${webhookId}:${changeSeq}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** What a principal may read now, with the grants it holds now; undefined if it is gone. */
async function accessOf(db: Db, principal: string, webhookId: string): Promise<EffectiveAccess | undefined> {
  const found = await principalByCode(db, principal, `webhook:${webhookId}`);
  return found && new EffectiveAccess(found.principal, found.grants);
}

/**
 * The alerts a webhook may deliver now: those its owner sees that the principal who registered it sees as
 * well (ECOLOGY registering a URL for a department learns no more through it than it reads itself).
 * Undefined when either is gone.
 */
async function alertsOf(db: Db, webhook: typeof alertWebhook.$inferSelect): Promise<Alerts | undefined> {
  const owner = await accessOf(db, webhook.principal, webhook.id);
  if (!owner) return undefined;
  if (webhook.createdBy === webhook.principal) return new Alerts(db, owner);
  const registrant = await accessOf(db, webhook.createdBy, webhook.id);
  return registrant && new Alerts(db, owner, [registrant]);
}

/** Queues the deliveries of every live webhook's new alert changes; returns how many it queued. */
export async function dispatchWebhooks(
  db: Db,
  boss: PgBoss,
  retry: WebhookRetry = DEFAULT_WEBHOOK_RETRY,
): Promise<{ webhooks: number; queued: number }> {
  const live = await db.select().from(alertWebhook).where(isNull(alertWebhook.removedAt));
  let queued = 0;
  for (const webhook of live) {
    const alerts = await alertsOf(db, webhook);
    if (!alerts) continue;
    let mark = webhook.deliveredSeq;
    for (;;) {
      const changes = await alerts.changesAfter(BigInt(mark), DISPATCH_PAGE);
      if (!changes.length) break;
      // One statement a page; a job whose id is queued already is left as it is (ON CONFLICT DO NOTHING).
      await boss.insert(
        changes.map((change) => ({
          id: messageId(webhook.id, change.changeSeq),
          name: WEBHOOK_DELIVERY_QUEUE,
          data: {
            webhookId: webhook.id,
            alertId: change.id,
            changeSeq: change.changeSeq,
          } satisfies DeliveryJob,
          ...retry,
          retryBackoff: true,
        })),
      );
      queued += changes.length;
      const next = changes[changes.length - 1].changeSeq;
      // Only from the mark read: a dispatch that ran meanwhile moved it, and queued the same jobs (same ids).
      await db
        .update(alertWebhook)
        .set({ deliveredSeq: next })
        .where(and(eq(alertWebhook.id, webhook.id), eq(alertWebhook.deliveredSeq, mark)));
      mark = next;
      if (changes.length < DISPATCH_PAGE) break;
    }
  }
  return { webhooks: live.length, queued };
}

type DeliveryStatus = 'DELIVERED' | 'FAILED' | 'GAVE_UP' | 'SKIPPED';

/** The secrets a delivery is signed with: the current one, and the one rotated out while it overlaps. */
function secretsOf(webhook: typeof alertWebhook.$inferSelect, now = new Date()): string[] {
  const { previousSecret, previousSecretUntil } = webhook;
  const overlapping = previousSecret && previousSecretUntil && new Date(previousSecretUntil) > now;
  return overlapping ? [webhook.secret, previousSecret] : [webhook.secret];
}

/**
 * POSTs a body to a receiver and answers its status: only to an address `targets` permits, following no
 * redirect, within DELIVERY_TIMEOUT_MS for the whole exchange.
 */
export async function postWebhook(
  url: string,
  headers: Record<string, string>,
  body: string,
  targets: WebhookTargets,
): Promise<number> {
  const target = new URL(url);
  targets.assertHost(target);
  const send = target.protocol === 'https:' ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const request = send(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
        lookup: targets.lookup as unknown as LookupFunction,
        signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
      },
      (response) => {
        response.on('error', reject);
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.resume();
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

/** One attempt of a delivery job: logged, and thrown when it failed so that pg-boss retries it. */
export async function deliverWebhook(
  db: Db,
  job: PgBoss.JobWithMetadata<DeliveryJob>,
  targets: WebhookTargets = new WebhookTargets(),
): Promise<DeliveryStatus> {
  const { webhookId, alertId, changeSeq } = job.data;
  const attempt = job.retryCount + 1;
  const started = performance.now();
  const log = async (status: DeliveryStatus, responseCode: number | null, error: string | null) => {
    await db.insert(alertWebhookDelivery).values({
      webhookId,
      alertId,
      changeSeq,
      attempt,
      status,
      responseCode,
      error: error?.slice(0, 500) ?? null,
      durationMs: Math.round(performance.now() - started),
    });
    return status;
  };
  const [webhook] = await db.select().from(alertWebhook).where(eq(alertWebhook.id, webhookId));
  if (!webhook) return 'SKIPPED';
  if (webhook.removedAt) return log('SKIPPED', null, 'the webhook was removed');
  const alerts = await alertsOf(db, webhook);
  const alert = alerts ? await alerts.byId(alertId) : null;
  if (!alerts || !alert)
    return log('SKIPPED', null, 'not visible to the webhook’s principal, or to whom registered it, now');
  if (alert.changeSeq !== changeSeq) return log('SKIPPED', null, 'superseded by a later change');
  const lastEvent = (await alerts.events(alertId)).at(-1) ?? null;
  const id = messageId(webhookId, changeSeq);
  const body = JSON.stringify({
    type: 'alert.changed',
    timestamp: new Date().toISOString(),
    data: { event: lastEvent?.event ?? null, alert: alertMessage({ ...alert, lastEvent }) },
  });
  let failure: string;
  let responseCode: number | null = null;
  try {
    const headers = { 'content-type': 'application/json', ...signedHeaders(secretsOf(webhook), id, body) };
    responseCode = await postWebhook(webhook.url, headers, body, targets);
    if (responseCode >= 200 && responseCode < 300) return log('DELIVERED', responseCode, null);
    failure = `the receiver answered HTTP ${responseCode}`;
  } catch (error) {
    failure =
      (error as Error).name === 'AbortError'
        ? `no answer within ${DELIVERY_TIMEOUT_MS} ms`
        : String((error as Error).message ?? error);
  }
  await log(attempt > job.retryLimit ? 'GAVE_UP' : 'FAILED', responseCode, failure);
  throw new Error(`webhook ${webhookId}: attempt ${attempt} failed: ${failure}`);
}

export interface WebhookJobOptions {
  db: Db;
  logger: Logger;
  retry?: WebhookRetry;
  pollingIntervalSeconds?: number;
  /** The dispatch schedule (default every minute). */
  cron?: string;
  /** The addresses deliveries may reach (default: global unicast only). */
  targets?: WebhookTargets;
  tz?: string;
}

/** The dispatch queue (stately: one waiting, one running), its schedule, and both queues' workers. */
export async function startWebhookJobs(boss: PgBoss, options: WebhookJobOptions): Promise<void> {
  const { db, logger, retry = DEFAULT_WEBHOOK_RETRY, pollingIntervalSeconds = 5 } = options;
  await boss.createQueue(WEBHOOK_DISPATCH_QUEUE, { name: WEBHOOK_DISPATCH_QUEUE, policy: 'stately' });
  await boss.createQueue(WEBHOOK_DELIVERY_QUEUE, {
    name: WEBHOOK_DELIVERY_QUEUE,
    policy: 'standard',
    ...retry,
    retryBackoff: true,
  });
  await boss.schedule(WEBHOOK_DISPATCH_QUEUE, options.cron ?? '* * * * *', {}, { tz: options.tz });
  await boss.work(WEBHOOK_DISPATCH_QUEUE, { pollingIntervalSeconds }, async ([job]) => {
    const outcome = await inSpan(
      `job ${WEBHOOK_DISPATCH_QUEUE}`,
      { 'jingtu.job.id': job.id },
      () => dispatchWebhooks(db, boss, retry),
      true,
    );
    if (outcome.queued) logger.info({ job: WEBHOOK_DISPATCH_QUEUE, ...outcome }, 'webhook deliveries queued');
    return outcome;
  });
  // Several workers, so that a receiver that fails or hangs (10 s each attempt, retried) does not hold up
  // the others' deliveries behind it. Deliveries are not ordered: a receiver orders by the alert's events.
  for (let worker = 0; worker < DELIVERY_WORKERS; worker++) {
    await boss.work<DeliveryJob>(
      WEBHOOK_DELIVERY_QUEUE,
      { pollingIntervalSeconds, includeMetadata: true },
      async ([job]) => {
        try {
          const delivered = () => deliverWebhook(db, job, options.targets);
          const span = { 'jingtu.job.id': job.id };
          return { status: await inSpan(`job ${WEBHOOK_DELIVERY_QUEUE}`, span, delivered, true) };
        } catch (error) {
          logger.warn({ job: WEBHOOK_DELIVERY_QUEUE, id: job.id, err: error }, 'webhook delivery failed');
          throw error;
        }
      },
    );
  }
}
