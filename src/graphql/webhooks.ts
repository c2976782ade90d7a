import type { Context } from '../context.js';
import {
  type DeliveryRow,
  MAX_DELIVERY_PAGE,
  ROTATION_OVERLAP_HOURS,
  type WebhookRow,
  Webhooks,
} from '../supervision/webhooks.js';
import { builder } from './builder.js';
import { maxLength } from './inputLengths.js';

/**
 * Alert webhooks over GraphQL (src/supervision/webhooks.ts decides who manages which): register (the secret
 * is in the answer, once), remove, and the deliveries' log. Each mutation is audited.
 */

const webhooksOf = (ctx: Context) => new Webhooks(ctx.db, ctx.access);

const DeliveryStatus = builder.enumType('AlertWebhookDeliveryStatus', {
  description: '推送结果 / What became of a delivery attempt',
  values: {
    DELIVERED: { description: '已送达（2xx） / The receiver answered 2xx' },
    FAILED: { description: '失败，将重试 / Failed; it will be retried' },
    GAVE_UP: { description: '失败，已达重试上限 / Failed for the last time: the retry limit is reached' },
    SKIPPED: {
      description:
        '未发送：该单位已不可见该预警，或其后又有变更 / Not sent: the alert is no longer visible to the department, or changed again since',
    },
  },
});

const Delivery = builder.objectRef<DeliveryRow>('AlertWebhookDelivery').implement({
  description: '一次推送尝试 / One attempt to deliver an alert change',
  fields: (t) => ({
    alertId: t.exposeID('alertId', { nullable: false, description: '预警编号 / The alert' }),
    attempt: t.exposeInt('attempt', { nullable: false, description: '第几次尝试 / Attempt number, from 1' }),
    at: t.field({
      type: 'DateTime',
      nullable: false,
      description: '时间 / When',
      resolve: (d) => new Date(d.at),
    }),
    status: t.field({
      type: DeliveryStatus,
      nullable: false,
      description: '结果 / Outcome',
      resolve: (d) => d.status as never,
    }),
    responseCode: t.exposeInt('responseCode', {
      description: '接收方的 HTTP 状态码 / The receiver’s HTTP status',
    }),
    error: t.exposeString('error', { description: '失败原因 / Why it failed' }),
    durationMs: t.exposeInt('durationMs', { nullable: false, description: '耗时（毫秒） / Duration, ms' }),
  }),
});

const Webhook = builder.objectRef<WebhookRow>('AlertWebhook').implement({
  description: '预警推送地址 / A URL the hub POSTs alert changes to, signed (Standard Webhooks)',
  fields: (t) => ({
    id: t.exposeID('id', { nullable: false, description: '推送地址编号 / Webhook id' }),
    principal: t.exposeString('principal', {
      nullable: false,
      description: '接收单位：按其权限推送 / Whose alerts it receives, as that department sees them',
    }),
    url: t.exposeString('url', { nullable: false, description: '推送地址 / The URL' }),
    createdBy: t.exposeString('createdBy', { nullable: false, description: '登记单位 / Registered by' }),
    createdAt: t.field({
      type: 'DateTime',
      nullable: false,
      description: '登记时间 / Registered at',
      resolve: (w) => new Date(w.createdAt),
    }),
    removedAt: t.field({
      type: 'DateTime',
      description: '停用时间 / Removed at',
      resolve: (w) => (w.removedAt ? new Date(w.removedAt) : null),
    }),
    previousSecretUntil: t.field({
      type: 'DateTime',
      description:
        '更换密钥后，旧密钥签名截止时间 / After a secret rotation: until when deliveries carry a signature with the old secret too',
      resolve: (w) => (w.previousSecretUntil ? new Date(w.previousSecretUntil) : null),
    }),
    deliveries: t.field({
      type: [Delivery],
      nullable: false,
      description:
        '推送记录（仅本单位可见的预警），从新到旧 / Its delivery attempts of the alerts you see, newest first',
      args: {
        first: t.arg.int({
          description: `条数，默认 50，最多 ${MAX_DELIVERY_PAGE} / How many (default 50, at most ${MAX_DELIVERY_PAGE})`,
        }),
        alertId: t.arg.id({
          description: '只看此预警的推送 / Only the deliveries of this alert',
          ...maxLength('id'),
        }),
      },
      resolve: (w, args, ctx) =>
        webhooksOf(ctx).deliveries(
          w.id,
          args.first ?? 50,
          args.alertId == null ? null : String(args.alertId),
        ),
    }),
  }),
});

const Registered = builder
  .objectRef<{ webhook: WebhookRow; secret: string }>('RegisteredAlertWebhook')
  .implement({
    description: '登记结果：密钥仅此一次显示 / A registered webhook and its secret, shown this once only',
    fields: (t) => ({
      webhook: t.field({
        type: Webhook,
        nullable: false,
        description: '推送地址 / The webhook',
        resolve: (r) => r.webhook,
      }),
      secret: t.exposeString('secret', {
        nullable: false,
        description:
          '签名密钥（whsec_…），请妥善保存 / The signing secret (whsec_…): keep it, it is not shown again',
      }),
    }),
  });

builder.queryField('alertWebhooks', (t) =>
  t.field({
    type: [Webhook],
    nullable: false,
    description:
      '本单位的预警推送地址（生态环境局：全部） / Your alert webhooks (ECOLOGY, with actOnAllAlerts: all)',
    resolve: (_root, _args, ctx) => webhooksOf(ctx).list(),
  }),
);

builder.mutationField('registerAlertWebhook', (t) =>
  t.field({
    type: Registered,
    nullable: false,
    description:
      '登记预警推送地址（http/https），此后每次可见预警的变更都签名推送 / Register a URL (http or https) to receive each change of the alerts the department may see, signed',
    args: {
      url: t.arg.string({ required: true, description: '推送地址 / The URL', ...maxLength('prose') }),
      principal: t.arg.string({
        description:
          '接收单位，默认本单位（生态环境局可代登记，只推送双方均可见的预警） / Whose alerts (default: yours; ECOLOGY may register for any, and then receives only the alerts both see)',
        ...maxLength('name'),
      }),
    },
    resolve: async (_root, args, ctx) => {
      const registered = await webhooksOf(ctx).register(args.url, args.principal ?? null);
      const { webhook } = registered;
      ctx.audit.action({
        action: 'REGISTER_WEBHOOK',
        webhook: webhook.id,
        principal: webhook.principal,
        url: webhook.url,
      });
      return registered;
    },
  }),
);

builder.mutationField('rotateAlertWebhookSecret', (t) =>
  t.field({
    type: Registered,
    nullable: false,
    description: `更换签名密钥（新密钥仅此一次显示；${ROTATION_OVERLAP_HOURS} 小时内同时以旧密钥签名） / A new signing secret, shown this once; for ${ROTATION_OVERLAP_HOURS} hours deliveries are signed with the old one as well`,
    args: { id: t.arg.id({ required: true, description: '推送地址编号 / Webhook id', ...maxLength('id') }) },
    resolve: async (_root, args, ctx) => {
      const rotated = await webhooksOf(ctx).rotateSecret(String(args.id));
      ctx.audit.action({
        action: 'ROTATE_WEBHOOK_SECRET',
        webhook: rotated.webhook.id,
        principal: rotated.webhook.principal,
      });
      return rotated;
    },
  }),
);

builder.mutationField('removeAlertWebhook', (t) =>
  t.field({
    type: Webhook,
    nullable: false,
    description: '停用预警推送地址 / Remove an alert webhook: nothing more is delivered to it',
    args: { id: t.arg.id({ required: true, description: '推送地址编号 / Webhook id', ...maxLength('id') }) },
    resolve: async (_root, args, ctx) => {
      const webhook = await webhooksOf(ctx).remove(String(args.id));
      ctx.audit.action({ action: 'REMOVE_WEBHOOK', webhook: webhook.id, principal: webhook.principal });
      return webhook;
    },
  }),
);
