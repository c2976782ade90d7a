import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PgBoss } from '../../src/jobs/boss.js';
import { type RunningJobs, startJobs } from '../../src/jobs/scheduler.js';
import { deliverWebhook, dispatchWebhooks, messageId, startWebhookJobs } from '../../src/jobs/webhooks.js';
import { onAlertsChanged } from '../../src/supervision/alertsChanged.js';
import { evaluateRules } from '../../src/supervision/evaluate.js';
import { irrigationWaterFailed } from '../../src/supervision/rules/irrigationWaterFailed.js';
import { registerSiteSensitiveUse as rule } from '../../src/supervision/rules/registerSiteSensitiveUse.js';
import { WebhookTargets } from '../../src/supervision/webhookTargets.js';
import { withTestHub } from '../support/hub.js';
import { outgoingRecord, square, uniqueId } from '../support/records.js';
import { seed, withSeed } from '../support/seed.js';

/**
 * Alert webhooks against receivers on loopback: signed deliveries (checked here with node:crypto, not with
 * the hub's code), retries with backoff through pg-boss and their log, the retry limit, scope, bad input.
 */

const hub = withTestHub();
const id = uniqueId();
const lon = 115.6 + Math.random() * 0.05;
const PAIRS = [
  { district: '110111', at: 0 },
  { district: '110105', at: 0.01 },
];
const sites = PAIRS.map(({ district, at }, i) =>
  outgoingRecord('contaminatedSite', `wh${id}${i}`, {
    district,
    boundary: square(lon + at, 39.48, 0.002),
    status: 'LISTED',
  }),
);
const plots = PAIRS.map(({ district, at }, i) =>
  outgoingRecord('landUseChange', `wh${id}${i}`, {
    parcelCode: `WH-${id}-${i}`,
    district,
    boundary: square(lon + at + 0.001, 39.481, 0.002),
  }),
);
/**
 * A failed well on a classed parcel: an IRRIGATION_WATER_FAILED alert, whose CONDITIONAL evidence fields
 * ECOLOGY reads by mandate and MANAGER, a department of this file that manages every webhook
 * (actOnAllAlerts) but holds no grant, does not.
 */
const parcel = outgoingRecord('farmlandClass', `wh${id}`, {
  parcelCode: `GD-WH-${id}`,
  boundary: square(lon + 0.02, 39.485, 0.002),
});
const well = outgoingRecord('irrigationWell', `wh${id}`, {
  wellCode: `JJ-WH-${id}`,
  district: parcel.district,
  location: { type: 'Point', coordinates: [lon + 0.021, 39.486] },
  lastTestedOn: '2026-05-01',
  lastTestResult: 'NON_COMPLIANT',
});
const MANAGER = `WHM${id}`;
const { keys } = withSeed(hub, (s) =>
  s
    .keys('ECOLOGY', 'PLANNING', 'HOUSING', '110111', '110105')
    .testPrincipal(MANAGER, 'DEPARTMENT', ['actOnAllAlerts'])
    .key()
    .records('contaminatedSite', sites)
    .records('landUseChange', plots)
    .records('farmlandClass', [parcel])
    .records('irrigationWell', [well]),
);

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  answered: number;
}
const received: Received[] = [];
/** How a path answers the n-th request of a message (webhook-id), from 1. */
const ANSWERS: Record<string, (n: number) => number> = {
  '/ok': () => 204,
  '/flaky': (n) => (n <= 2 ? 500 : 200),
  '/down': () => 503,
};
let receiver: Server;
let base = '';
let jobs: RunningJobs;
let boss: PgBoss;
const schema = `pgboss_wh_${id.toLowerCase()}`;
const RETRY = { retryLimit: 2, retryDelay: 1 };
const webhooks: Record<string, { id: string; secret: string }> = {};

async function ask(key: string, query: string, variables?: Record<string, unknown>) {
  return (await hub.graphql(key, query, variables)).body;
}
const REGISTER = `mutation($url: String!, $principal: String) {
  registerAlertWebhook(url: $url, principal: $principal) { secret webhook { id principal url createdBy } } }`;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      const path = req.url ?? '';
      const n =
        received.filter((r) => r.path === path && r.headers['webhook-id'] === req.headers['webhook-id'])
          .length + 1;
      const answered = (ANSWERS[path] ?? (() => 404))(n);
      received.push({ path, headers: req.headers, body, answered });
      res.statusCode = answered;
      res.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  const logger = pino({ level: 'silent' });
  jobs = await startJobs({
    sql: hub.database.sql,
    logger,
    schema,
    definitions: [],
    timing: { pollingIntervalSeconds: 0.5 },
    workers: [
      (b, pollingIntervalSeconds) =>
        startWebhookJobs(b, {
          db: hub.database.db,
          logger,
          retry: RETRY,
          pollingIntervalSeconds,
          cron: '0 0 1 1 *',
          // The receivers are on loopback, which a deployment reaches only when JINGTU_WEBHOOK_NETWORKS lists it.
          targets: new WebhookTargets(['127.0.0.1']),
        }),
    ],
  });
  boss = jobs.boss;
  // The webhooks first: each receives the changes after its registration.
  for (const [name, key, path, principal] of [
    ['district', keys['110111'], '/ok', null],
    ['housing', keys.ECOLOGY, '/ok', 'HOUSING'],
    ['flaky', keys['110105'], '/flaky', null],
    ['down', keys.PLANNING, '/down', null],
    ['ecology', keys.ECOLOGY, '/ok', null],
    ['peek', keys[MANAGER], '/ok', 'ECOLOGY'],
  ] as const) {
    const body = await ask(key, REGISTER, { url: `${base}${path}`, principal });
    expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
    webhooks[name] = {
      id: body.data.registerAlertWebhook.webhook.id,
      secret: body.data.registerAlertWebhook.secret,
    };
  }
  await evaluateRules(hub.database.sql, [rule, irrigationWaterFailed]);
  await dispatchWebhooks(hub.database.db, boss, RETRY);
}, 120_000);

afterAll(async () => {
  await hub.database
    .sql`update alert_webhook set removed_at = now() where id = any(${Object.values(webhooks).map((w) => w.id)}::uuid[])`;
  await jobs?.stop();
  await hub.database.sql`drop schema if exists ${hub.database.sql(schema)} cascade`;
  receiver?.close();
});

/** This file's alert ids by plot. */
async function myAlerts(): Promise<Map<string, string>> {
  const rows = await hub.database.sql<{ id: string; parcel: string }[]>`
    select id, e->'key'->>'parcelCode' as parcel from alert, jsonb_array_elements(evidence) e
    where rule = ${rule.id} and e->>'dataset' = 'landUseChange' and e->'key'->>'parcelCode' like ${`WH-${id}-%`}`;
  return new Map(rows.map((r) => [r.parcel, r.id]));
}

async function log(webhook: string) {
  return hub.database.sql<
    { alert_id: string; attempt: number; status: string; response_code: number | null }[]
  >`
    select alert_id, attempt, status, response_code from alert_webhook_delivery
    where webhook_id = ${webhooks[webhook].id} order by alert_id, attempt`;
}

async function until(check: () => Promise<boolean>, ms: number, what: string) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The test receiver's own check: HMAC-SHA256 of "id.timestamp.body" with the secret's bytes, compared in constant time. */
function signedBy(secret: string, r: Received): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key)
    .update(`${r.headers['webhook-id']}.${r.headers['webhook-timestamp']}.${r.body}`)
    .digest();
  const fresh = Math.abs(Date.now() / 1000 - Number(r.headers['webhook-timestamp'])) < 300;
  // Space-separated `v1,<base64>` signatures: several while a secret is being rotated.
  return (
    fresh &&
    String(r.headers['webhook-signature'])
      .split(' ')
      .some((signature) => {
        const given = Buffer.from(signature.replace(/^v1,/, ''), 'base64');
        return given.length === expected.length && timingSafeEqual(given, expected);
      })
  );
}

describe('alert webhooks', { timeout: 180_000 }, () => {
  it('deliver each change a department may see, signed, and nothing else', async () => {
    const mine = await myAlerts();
    expect(mine.size).toBe(2);
    await until(
      async () =>
        (await log('district')).some(
          (d) => d.alert_id === mine.get(plots[0].parcelCode) && d.status === 'DELIVERED',
        ),
      30_000,
      'the delivery',
    );
    const district = received.filter((r) => r.path === '/ok' && signedBy(webhooks.district.secret, r));
    const alerts = district.map((r) => JSON.parse(r.body).data.alert);
    // Its own district's alert, once, and no other district's alert at all.
    expect(alerts.filter((a) => [...mine.values()].includes(a.id)).map((a) => a.id)).toEqual([
      mine.get(plots[0].parcelCode),
    ]);
    expect(new Set(alerts.map((a) => a.district))).toEqual(new Set(['110111']));
    expect(JSON.parse(district[0].body).data).toMatchObject({
      event: 'OPENED',
      alert: { rule: rule.id, state: 'OPEN' },
    });
    // A body changed on the way no longer matches its signature; another webhook's secret does not sign it.
    expect(
      signedBy(webhooks.district.secret, { ...district[0], body: district[0].body.replace('OPEN', 'DONE') }),
    ).toBe(false);
    expect(signedBy(webhooks.housing.secret, district[0])).toBe(false);
    expect((await log('district')).filter((d) => [...mine.values()].includes(d.alert_id))).toEqual([
      { alert_id: mine.get(plots[0].parcelCode), attempt: 1, status: 'DELIVERED', response_code: 204 },
    ]);
    // HOUSING need not act on this rule: its webhook (registered for it by ECOLOGY) gets none of them.
    const housing = received.filter((r) => signedBy(webhooks.housing.secret, r));
    expect(housing.filter((r) => [...mine.values()].includes(JSON.parse(r.body).data.alert.id))).toEqual([]);
  });

  it('a receiver that fails twice gets the delivery accepted once after two retries, each attempt logged', async () => {
    const alertId = (await myAlerts()).get(plots[1].parcelCode);
    await until(
      async () => (await log('flaky')).some((d) => d.alert_id === alertId && d.status === 'DELIVERED'),
      // In the server run other files' alerts (thousands when one evaluates the demo data) are delivered
      // to these webhooks as well, and retried: this file's deliveries wait their turn.
      100_000,
      'the third attempt',
    );
    // Other files' alerts in 110105 (the shared database) reach this webhook too: this file's alert only.
    const attempts = received.filter(
      (r) =>
        r.path === '/flaky' &&
        signedBy(webhooks.flaky.secret, r) &&
        JSON.parse(r.body).data.alert.id === alertId,
    );
    expect(attempts.map((r) => r.answered)).toEqual([500, 500, 200]);
    // One message: the same webhook-id on each attempt, for the receiver to deduplicate on.
    expect(new Set(attempts.map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect((await log('flaky')).filter((d) => d.alert_id === alertId)).toEqual([
      { alert_id: alertId, attempt: 1, status: 'FAILED', response_code: 500 },
      { alert_id: alertId, attempt: 2, status: 'FAILED', response_code: 500 },
      { alert_id: alertId, attempt: 3, status: 'DELIVERED', response_code: 200 },
    ]);
    // Backoff: pg-boss waits retryDelay × 2ⁿ⁻¹ × (1 + a random fraction) before retry n, so at least 1 s, then
    // 2 s (whole seconds in the header: a wait of at least g s shows as at least ⌊g⌋). The two gaps are
    // not compared with each other: the jitter and the workers' polling can make the first the longer.
    const at = attempts.map((r) => Number(r.headers['webhook-timestamp']));
    expect(at[1] - at[0]).toBeGreaterThanOrEqual(RETRY.retryDelay);
    expect(at[2] - at[1]).toBeGreaterThanOrEqual(2 * RETRY.retryDelay);
  });

  it('a receiver that always fails is tried 1 + retryLimit times, then given up', async () => {
    const mine = [...(await myAlerts()).values()].sort();
    const gaveUp = async () =>
      (await log('down')).filter((d) => mine.includes(d.alert_id) && d.status === 'GAVE_UP').length;
    await until(async () => (await gaveUp()) === 2, 100_000, 'the last attempts');
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const entries = (await log('down')).filter((d) => mine.includes(d.alert_id));
    expect(entries.map((d) => [d.alert_id, d.attempt, d.status, d.response_code])).toEqual(
      mine.flatMap((a) => [
        [a, 1, 'FAILED', 503],
        [a, 2, 'FAILED', 503],
        [a, 3, 'GAVE_UP', 503],
      ]),
    );
    const posts = received.filter(
      (r) => r.path === '/down' && mine.includes(JSON.parse(r.body).data.alert.id),
    );
    expect(posts).toHaveLength(6);
  });

  it('the log is read by the owner and ECOLOGY, not by others; the secret is never shown again', async () => {
    const LIST = '{ alertWebhooks { id principal url deliveries { alertId attempt status responseCode } } }';
    const own = (await ask(keys['110105'], LIST)).data.alertWebhooks;
    expect(own.map((w: { id: string }) => w.id)).toEqual([webhooks.flaky.id]);
    // In the server run other files' alerts of 110105 reach this webhook too: the newest 50 may be theirs.
    const alertId = (await myAlerts()).get(plots[1].parcelCode);
    const OF_ALERT = `query($alert: ID) { alertWebhooks { deliveries(alertId: $alert) { alertId attempt status } } }`;
    const ofAlert = async (alert: string) =>
      (await ask(keys['110105'], OF_ALERT, { alert })).data.alertWebhooks[0].deliveries;
    expect(await ofAlert(alertId as string)).toEqual([
      { alertId, attempt: 3, status: 'DELIVERED' },
      { alertId, attempt: 2, status: 'FAILED' },
      { alertId, attempt: 1, status: 'FAILED' },
    ]);
    // Another district's alert, and an id that is no alert, show nothing.
    expect(await ofAlert((await myAlerts()).get(plots[0].parcelCode) as string)).toEqual([]);
    expect(await ofAlert('not-an-alert')).toEqual([]);
    const tooLong = await ask(keys['110105'], OF_ALERT, { alert: 'x'.repeat(65) });
    expect(tooLong.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    const ecology = (await ask(keys.ECOLOGY, LIST)).data.alertWebhooks.map((w: any) => w.id);
    expect(ecology).toEqual(expect.arrayContaining(Object.values(webhooks).map((w) => w.id)));
    const housing = (await ask(keys.HOUSING, LIST)).data.alertWebhooks.map((w: any) => w.id);
    expect(housing).toEqual([webhooks.housing.id]);
    const introspected = await ask(keys.ECOLOGY, '{ __type(name: "AlertWebhook") { fields { name } } }');
    expect(introspected.data.__type.fields.map((f: any) => f.name)).not.toContain('secret');
    // Registration is audited, with the webhook and whose it is.
    const [audit] = await hub.database.sql<{ principal: string }[]>`
      select principal from audit_log where detail->'actions' @> ${JSON.stringify([{ action: 'REGISTER_WEBHOOK', webhook: webhooks.housing.id, principal: 'HOUSING' }])}::jsonb`;
    expect(audit.principal).toBe('ECOLOGY');
  });

  it('registered for another, delivers only what the registrant sees too, and logs only what the reader sees', async () => {
    const [failedWell] = await hub.database.sql<{ id: string }[]>`
      select id from alert, jsonb_array_elements(evidence) e
      where rule = ${irrigationWaterFailed.id} and e->>'dataset' = 'irrigationWell' and e->'key'->>'wellCode' = ${well.wellCode}`;
    expect(failedWell).toBeDefined();
    const both = (await myAlerts()).get(plots[0].parcelCode) as string;
    const delivered = async (webhook: string, alertId: string) =>
      (await log(webhook)).some((d) => d.alert_id === alertId && d.status === 'DELIVERED');
    // ECOLOGY's own webhook gets the well's alert; the one MANAGER registered for ECOLOGY gets only the
    // alert MANAGER sees as well.
    await until(async () => await delivered('ecology', failedWell.id), 100_000, 'ECOLOGY’s own delivery');
    await until(async () => await delivered('peek', both), 100_000, 'the delivery both see');
    await dispatchWebhooks(hub.database.db, boss, RETRY);
    expect((await log('peek')).filter((d) => d.alert_id === failedWell.id)).toEqual([]);
    const peeked = received.filter((r) => signedBy(webhooks.peek.secret, r));
    expect(peeked.map((r) => JSON.parse(r.body).data.alert.id)).not.toContain(failedWell.id);
    // ECOLOGY's webhook's log, read by ECOLOGY and by MANAGER (who manages every webhook).
    const LOG = 'query { alertWebhooks { id deliveries(first: 500) { alertId status } } }';
    const logOf = async (key: string) =>
      ((await ask(key, LOG)).data.alertWebhooks as { id: string; deliveries: { alertId: string }[] }[])
        .find((w) => w.id === webhooks.ecology.id)
        ?.deliveries.map((d) => d.alertId);
    const ecologyView = await logOf(keys.ECOLOGY);
    const managerView = await logOf(keys[MANAGER]);
    // Other files' alerts reach ECOLOGY's webhook too (the shared database): only these two are compared.
    expect(ecologyView).toEqual(expect.arrayContaining([failedWell.id]));
    expect(managerView).toBeDefined();
    expect(managerView).not.toContain(failedWell.id);
  });

  it('rotates a secret: signed with both for the overlap, then with the new one only; not by another', async () => {
    const ROTATE = `mutation($id: ID!) { rotateAlertWebhookSecret(id: $id) {
      secret webhook { id previousSecretUntil } } }`;
    const refused = await ask(keys.HOUSING, ROTATE, { id: webhooks.district.id });
    expect(refused.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const old = webhooks.district.secret;
    const rotated = await ask(keys['110111'], ROTATE, { id: webhooks.district.id });
    expect(rotated.errors, JSON.stringify(rotated.errors)).toBeUndefined();
    const { secret, webhook } = rotated.data.rotateAlertWebhookSecret;
    expect(secret).toMatch(/^whsec_/);
    expect(secret).not.toBe(old);
    const hours = (new Date(webhook.previousSecretUntil).getTime() - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(23.9);
    expect(hours).toBeLessThanOrEqual(24);
    webhooks.district.secret = secret;

    const alertId = (await myAlerts()).get(plots[0].parcelCode) as string;
    /** Comments the alert with a note of its own, dispatches, and returns the delivery the receiver got. */
    const deliveryOf = async (note: string) => {
      const commented = await ask(
        keys['110111'],
        'mutation($id: ID!, $note: String) { commentAlert(id: $id, note: $note) { state } }',
        { id: alertId, note },
      );
      expect(commented.errors, JSON.stringify(commented.errors)).toBeUndefined();
      await dispatchWebhooks(hub.database.db, boss, RETRY);
      let found: Received | undefined;
      await until(
        async () => {
          // The district's webhook's delivery (ECOLOGY's webhooks get the change too): signed with the new secret.
          found = received.find((r) => r.body.includes(note) && signedBy(secret, r));
          return found !== undefined;
        },
        100_000,
        `the delivery of "${note}"`,
      );
      return found as Received;
    };
    const during = await deliveryOf(`轮换期间 ${id}`);
    expect(String(during.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(signedBy(secret, during)).toBe(true);
    expect(signedBy(old, during)).toBe(true);

    // The overlap over: the old secret signs nothing more.
    await hub.database.sql`
      update alert_webhook set previous_secret_until = now() - interval '1 second' where id = ${webhooks.district.id}`;
    const after = await deliveryOf(`轮换之后 ${id}`);
    expect(String(after.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(signedBy(secret, after)).toBe(true);
    expect(signedBy(old, after)).toBe(false);
    const [audit] = await hub.database.sql<{ principal: string }[]>`
      select principal from audit_log where detail->'actions' @> ${JSON.stringify([{ action: 'ROTATE_WEBHOOK_SECRET', webhook: webhooks.district.id }])}::jsonb`;
    expect(audit.principal).toBe('110111');
  });

  it('a delivery queued before its webhook was removed is skipped, and the log says why', async () => {
    const registered = await ask(keys['110111'], REGISTER, { url: `${base}/ok` });
    const gone = registered.data.registerAlertWebhook.webhook.id as string;
    const removed = await ask(keys['110111'], 'mutation($id: ID!) { removeAlertWebhook(id: $id) { id } }', {
      id: gone,
    });
    expect(removed.errors).toBeUndefined();
    const alertId = (await myAlerts()).get(plots[0].parcelCode) as string;
    const job = {
      data: { webhookId: gone, alertId, changeSeq: 1 },
      retryCount: 0,
      retryLimit: RETRY.retryLimit,
    };
    expect(await deliverWebhook(hub.database.db, job as never)).toBe('SKIPPED');
    const LIST = '{ alertWebhooks { id removedAt deliveries { alertId status error } } }';
    const listed = (await ask(keys['110111'], LIST)).data.alertWebhooks.find((w: any) => w.id === gone);
    expect(listed.removedAt).not.toBeNull();
    expect(listed.deliveries).toEqual([{ alertId, status: 'SKIPPED', error: 'the webhook was removed' }]);
    expect(received.filter((r) => r.headers['webhook-id'] === messageId(gone, 1))).toEqual([]);
  });

  it('refuses a bad URL, an oversized one, an unknown department, another’s webhook, with clear errors', async () => {
    const refused = async (key: string, query: string, variables: Record<string, unknown>) => {
      const body = await ask(key, query, variables);
      expect(body.data?.registerAlertWebhook ?? body.data?.removeAlertWebhook ?? null).toBeNull();
      return body.errors?.[0];
    };
    for (const url of [
      'ftp://127.0.0.1/x',
      'not a url',
      'javascript:alert(1)',
      'http://user:pw@127.0.0.1/',
      `http://h/${'a'.repeat(2100)}`,
    ]) {
      const error = await refused(keys['110111'], REGISTER, { url });
      expect(error?.extensions?.code, url.slice(0, 30)).toBe('BAD_USER_INPUT');
      expect(error?.message, url.slice(0, 30)).toMatch(/[\u4e00-\u9fff].*\/ .*[a-z]/);
    }
    const unknown = await refused(keys.ECOLOGY, REGISTER, { url: `${base}/ok`, principal: 'NO_SUCH_DEPT' });
    expect(unknown?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(unknown?.message).toContain('NO_SUCH_DEPT');
    // Not for another department, whether it exists or not: refused alike.
    for (const principal of ['110111', 'NO_SUCH_DEPT']) {
      expect(
        (await refused(keys.HOUSING, REGISTER, { url: `${base}/ok`, principal }))?.extensions?.code,
      ).toBe('FORBIDDEN');
    }
    const REMOVE = 'mutation($id: ID!) { removeAlertWebhook(id: $id) { id } }';
    for (const target of [webhooks.district.id, '00000000-0000-4000-8000-000000000000', 'x']) {
      expect((await refused(keys.HOUSING, REMOVE, { id: target }))?.extensions?.code).toBe('NOT_FOUND');
    }
    const count = await hub.database
      .sql`select 1 from alert_webhook where url like ${'%NO_SUCH%'} or url like 'ftp%'`;
    expect(count).toHaveLength(0);
  });

  it('a committed change of alerts is announced at once (the hub then queues the dispatch), a refused step is not', async () => {
    let heard = 0;
    const stop = onAlertsChanged(() => {
      heard++;
    });
    try {
      const alertId = (await myAlerts()).get(`WH-${id}-0`) as string;
      const STEP = 'mutation($id: ID!, $note: String) { commentAlert(id: $id, note: $note) { state } }';
      const commented = await ask(keys['110111'], STEP, { id: alertId, note: '已通知产权单位' });
      expect(commented.errors, JSON.stringify(commented.errors)).toBeUndefined();
      expect(heard).toBe(1);
      const refused = await ask(keys['110111'], STEP, { id: alertId, note: ' ' });
      expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(heard).toBe(1);
      // A new plot on this file's site: the evaluation that opens its alert announces it.
      await seed(hub.database.db).records('landUseChange', [
        outgoingRecord('landUseChange', `wh${id}new`, {
          parcelCode: `WH-${id}-new`,
          district: '110111',
          boundary: square(lon + 0.0005, 39.4805, 0.001),
        }),
      ]);
      await evaluateRules(hub.database.sql, [rule]);
      expect(heard).toBeGreaterThanOrEqual(2);
    } finally {
      stop();
    }
  });
});
