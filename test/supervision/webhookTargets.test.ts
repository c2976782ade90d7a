import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { postWebhook } from '../../src/jobs/webhooks.js';
import { WebhookTargetRefused, WebhookTargets } from '../../src/supervision/webhookTargets.js';

/**
 * Where an alert webhook may POST (server-side request forgery): public addresses, and loopback, private or
 * link-local ones only within the networks JINGTU_WEBHOOK_NETWORKS lists, judged on the address connected
 * to, after name resolution. Against a receiver on loopback.
 */

let receiver: Server;
let port = 0;
let hits = 0;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    hits++;
    req.resume();
    req.on('end', () => {
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  port = (receiver.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

describe('webhook targets', () => {
  it('permit public addresses, and loopback, private, link-local and their IPv6 forms only in a listed network', () => {
    const open = new WebhookTargets();
    for (const address of ['8.8.8.8', '114.114.114.114', '2400:3200::1']) {
      expect(open.permits(address), address).toBe(true);
    }
    const inner = [
      '127.0.0.1',
      '127.8.9.10',
      '0.0.0.0',
      '10.1.2.3',
      '172.16.5.4',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '224.0.0.1',
      '255.255.255.255',
      '::1',
      '::',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
      '::ffff:10.0.0.1',
      '64:ff9b::7f00:1',
      '2002:7f00:1::1',
      'not an address',
    ];
    for (const address of inner) expect(open.permits(address), address).toBe(false);
    const intranet = new WebhookTargets(['10.20.0.0/16', '127.0.0.1', 'fd00:1::/32']);
    expect(intranet.permits('10.20.3.4')).toBe(true);
    expect(intranet.permits('::ffff:10.20.3.4')).toBe(true);
    expect(intranet.permits('127.0.0.1')).toBe(true);
    expect(intranet.permits('fd00:1::5')).toBe(true);
    expect(intranet.permits('10.21.0.1')).toBe(false);
    expect(intranet.permits('127.0.0.2')).toBe(false);
    expect(intranet.permits('169.254.169.254')).toBe(false);
  });

  it('refuse a delivery to loopback by address or by a name that resolves there, and the receiver gets nothing', async () => {
    const before = hits;
    const open = new WebhookTargets();
    for (const host of ['127.0.0.1', 'localhost', '[::ffff:127.0.0.1]', '0x7f.1']) {
      await expect(postWebhook(`http://${host}:${port}/hook`, {}, '{}', open), host).rejects.toBeInstanceOf(
        WebhookTargetRefused,
      );
    }
    expect(hits).toBe(before);
  });

  it('deliver to loopback once JINGTU_WEBHOOK_NETWORKS lists it, by address and by name', async () => {
    const networks = loadConfig({ JINGTU_WEBHOOK_NETWORKS: '127.0.0.1/32, 10.20.0.0/16' }).webhookNetworks;
    expect(networks).toEqual(['127.0.0.1/32', '10.20.0.0/16']);
    const listed = new WebhookTargets(networks);
    const before = hits;
    expect(await postWebhook(`http://127.0.0.1:${port}/hook`, {}, '{}', listed)).toBe(204);
    expect(await postWebhook(`http://localhost:${port}/hook`, {}, '{}', listed)).toBe(204);
    expect(hits).toBe(before + 2);
  });

  it('refuses a bad JINGTU_WEBHOOK_NETWORKS at start with a line that says what it must be', () => {
    expect(() => loadConfig({ JINGTU_WEBHOOK_NETWORKS: '10.0.0.0/8, intranet' })).toThrow(
      /JINGTU_WEBHOOK_NETWORKS.*IP addresses or subnets/,
    );
  });
});
