import { and, desc, eq, getTableColumns, inArray, isNull, sql } from 'drizzle-orm';
import { assertManageWebhook, canManageWebhook } from '../access/actions.js';
import { holds } from '../access/capabilities.js';
import type { EffectiveAccess } from '../access/effectiveAccess.js';
import type { Principal } from '../access/principal.js';
import type { Db } from '../db/connection.js';
import { principal as principalTable } from '../db/hubTables.js';
import { badInput, userError } from '../errors.js';
import { Alerts, UUID } from './alerts.js';
import { ALERT_FEED_LOCK } from './feedLock.js';
import { alert, alertWebhook, alertWebhookDelivery } from './tables.js';
import { newWebhookSecret } from './webhookSignature.js';

/**
 * Alert webhooks (预警推送) as their owners manage them: a principal registers a URL for itself (ECOLOGY,
 * with actOnAllAlerts, for any principal), gets the secret once, removes it, and reads its delivery log.
 * What a webhook delivers is decided at delivery time (src/jobs/webhooks.ts): the alerts that both its
 * owner and the principal who registered it see then, so that registering for another department never
 * shows the registrant more than it sees itself. The delivery log, too, lists only the deliveries of
 * alerts the reader sees.
 */

export type WebhookRow = Omit<typeof alertWebhook.$inferSelect, 'secret' | 'previousSecret'>;
export type DeliveryRow = typeof alertWebhookDelivery.$inferSelect;

/** A webhook URL has at most this many characters. */
export const MAX_WEBHOOK_URL_LENGTH = 2000;
/** Live webhooks one principal may have. */
export const MAX_WEBHOOKS_PER_PRINCIPAL = 10;
export const MAX_DELIVERY_PAGE = 500;

const { secret: _secret, previousSecret: _previous, ...listed } = getTableColumns(alertWebhook);

/** How long deliveries are signed with the old secret as well after a rotation, for receivers to switch. */
export const ROTATION_OVERLAP_HOURS = 24;

/** The URL as the hub will POST to it, or BAD_USER_INPUT saying what is wrong with it. */
export function webhookUrl(text: string): string {
  if (text.length > MAX_WEBHOOK_URL_LENGTH) {
    throw badInput(
      `推送地址最多 ${MAX_WEBHOOK_URL_LENGTH} 个字符 / A webhook URL has at most ${MAX_WEBHOOK_URL_LENGTH} characters (got ${text.length})`,
      { argument: 'url' },
    );
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw badInput('推送地址不是有效的网址 / The webhook URL is not a valid URL', { argument: 'url' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw badInput(
      `推送地址须为 http 或 https（收到 ${url.protocol}） / A webhook URL must be http or https (got ${url.protocol})`,
      { argument: 'url' },
    );
  }
  if (url.username || url.password) {
    throw badInput('推送地址不得包含用户名或密码 / A webhook URL must not carry a user name or password', {
      argument: 'url',
    });
  }
  return url.toString();
}

export class Webhooks {
  private readonly me: Principal;

  constructor(
    private readonly db: Db,
    private readonly access: EffectiveAccess,
  ) {
    this.me = access.principal;
  }

  /**
   * Registers a webhook for `owner` (the caller by default). It receives the alert changes from now on (the
   * feed's position read under its lock, so none in flight is missed or sent twice). Returns the secret,
   * which is never shown again.
   */
  async register(urlText: string, owner: string | null): Promise<{ webhook: WebhookRow; secret: string }> {
    const principal = owner ?? this.me.code;
    const url = webhookUrl(urlText);
    assertManageWebhook(this.me, principal);
    const [known] = await this.db
      .select({ code: principalTable.code })
      .from(principalTable)
      .where(eq(principalTable.code, principal));
    if (!known) {
      throw badInput(
        `没有单位 ${JSON.stringify(principal)} / Unknown department or district ${JSON.stringify(principal)}`,
        {
          argument: 'principal',
        },
      );
    }
    const secret = newWebhookSecret();
    const webhook = await this.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${ALERT_FEED_LOCK}))`);
      const [{ live }] = await tx
        .select({ live: sql<number>`count(*)::int` })
        .from(alertWebhook)
        .where(and(eq(alertWebhook.principal, principal), isNull(alertWebhook.removedAt)));
      if (live >= MAX_WEBHOOKS_PER_PRINCIPAL) {
        throw badInput(
          `每个单位最多 ${MAX_WEBHOOKS_PER_PRINCIPAL} 个推送地址 / At most ${MAX_WEBHOOKS_PER_PRINCIPAL} webhooks per department: remove one first`,
        );
      }
      const [row] = await tx
        .insert(alertWebhook)
        .values({
          principal,
          url,
          secret,
          createdBy: this.me.code,
          deliveredSeq: sql`(select coalesce(max(${alert.changeSeq}), 0) from ${alert})`,
        })
        .returning(listed);
      return row;
    });
    return { webhook, secret };
  }

  /** The live and removed webhooks the caller manages: its own, or all with actOnAllAlerts. */
  list(): Promise<WebhookRow[]> {
    const mine = holds(this.me, 'actOnAllAlerts') ? undefined : eq(alertWebhook.principal, this.me.code);
    return this.db.select(listed).from(alertWebhook).where(mine).orderBy(desc(alertWebhook.createdAt));
  }

  /** One webhook the caller manages, or null (another's is not told apart from none). */
  async byId(id: string): Promise<WebhookRow | null> {
    if (!UUID.test(id)) return null;
    const [row] = await this.db.select(listed).from(alertWebhook).where(eq(alertWebhook.id, id));
    return row && canManageWebhook(this.me, row.principal) ? row : null;
  }

  /**
   * A new secret for a live webhook the caller manages, shown this once. For ROTATION_OVERLAP_HOURS
   * deliveries carry a signature with the old secret as well, so that the receiver can switch without
   * refusing any; an earlier rotation's old secret is dropped.
   */
  async rotateSecret(id: string): Promise<{ webhook: WebhookRow; secret: string }> {
    const found = await this.byId(id);
    if (!found || found.removedAt) throw userError('NOT_FOUND', '没有该推送地址 / No such webhook');
    const secret = newWebhookSecret();
    const [webhook] = await this.db
      .update(alertWebhook)
      .set({
        previousSecret: sql`${alertWebhook.secret}`,
        previousSecretUntil: sql`now() + make_interval(hours => ${ROTATION_OVERLAP_HOURS})`,
        secret,
      })
      .where(and(eq(alertWebhook.id, id), isNull(alertWebhook.removedAt)))
      .returning(listed);
    if (!webhook) throw userError('NOT_FOUND', '没有该推送地址 / No such webhook');
    return { webhook, secret };
  }

  /** Stops a webhook: nothing more is queued for it, and queued deliveries are dropped. */
  async remove(id: string): Promise<WebhookRow> {
    const found = await this.byId(id);
    if (!found) throw userError('NOT_FOUND', '没有该推送地址 / No such webhook');
    const [row] = await this.db
      .update(alertWebhook)
      .set({ removedAt: sql`coalesce(${alertWebhook.removedAt}, now())` })
      .where(eq(alertWebhook.id, id))
      .returning(listed);
    return row;
  }

  /** A webhook's delivery attempts of the alerts the caller sees (of one alert, when given), newest first. */
  async deliveries(webhookId: string, first: number, alertId?: string | null): Promise<DeliveryRow[]> {
    if (!Number.isInteger(first) || first < 1 || first > MAX_DELIVERY_PAGE) {
      throw badInput(`first 须为 1 至 ${MAX_DELIVERY_PAGE} / first must be 1 to ${MAX_DELIVERY_PAGE}`, {
        argument: 'first',
      });
    }
    // A malformed alert id is an alert nobody sees: no deliveries, as for one the caller may not see.
    if (alertId != null && !UUID.test(alertId)) return [];
    return this.db
      .select()
      .from(alertWebhookDelivery)
      .where(
        and(
          eq(alertWebhookDelivery.webhookId, webhookId),
          alertId == null ? undefined : eq(alertWebhookDelivery.alertId, alertId),
          inArray(alertWebhookDelivery.alertId, new Alerts(this.db, this.access).visibleIds()),
        ),
      )
      .orderBy(desc(alertWebhookDelivery.id))
      .limit(first);
  }
}
