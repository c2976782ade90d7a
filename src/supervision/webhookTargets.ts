import { type LookupAddress, lookup } from 'node:dns';
import { isIP } from 'node:net';
import { Networks, parsed } from '../networks.js';

/**
 * Which addresses an alert webhook may reach (against server-side request forgery: a principal that may
 * register a webhook must not make the hub POST to its own database, to loopback services or to a cloud
 * metadata address). Global unicast addresses are reachable; loopback, private, link-local, carrier-grade
 * NAT, unique-local, multicast, reserved and the IPv6 forms that embed an IPv4 address only within a network
 * the operator lists (JINGTU_WEBHOOK_NETWORKS, e.g. the departments' intranet `10.20.0.0/16`). The check is
 * made on the address a delivery connects to, after name resolution, so a name that resolves elsewhere later
 * (DNS rebinding) is refused as well.
 */
export class WebhookTargets {
  private readonly networks: Networks;

  /** `networks`: CIDR subnets or single addresses (checked by the configuration). */
  constructor(networks: readonly string[] = []) {
    this.networks = new Networks(networks);
  }

  /** Whether a delivery may connect to this IP address. */
  permits(address: string): boolean {
    // An IPv4-mapped IPv6 address (::ffff:127.0.0.1) is judged as the IPv4 address it is.
    const ip = parsed(address);
    if (!ip) return false;
    return this.networks.includes(address) || ip.range() === 'unicast';
  }

  /**
   * `dns.lookup` for `http.request`: resolves the name and keeps the permitted addresses; none left is an
   * error that names the host, not the addresses.
   */
  readonly lookup = (
    hostname: string,
    options: { all?: boolean; family?: number },
    callback: (error: Error | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const permitted = addresses.filter((a) => this.permits(a.address));
      if (!permitted.length) return callback(new WebhookTargetRefused(hostname), []);
      if (options.all) return callback(null, permitted);
      callback(null, permitted[0].address, permitted[0].family);
    });
  };

  /** Refuses a URL whose host is an IP address out of bounds (a name is checked as it resolves). */
  assertHost(url: URL): void {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) && !this.permits(host)) throw new WebhookTargetRefused(host);
  }
}

export class WebhookTargetRefused extends Error {
  constructor(host: string) {
    super(
      `${host} is not an address webhooks may reach (loopback, private and link-local networks only when JINGTU_WEBHOOK_NETWORKS lists them)`,
    );
  }
}
