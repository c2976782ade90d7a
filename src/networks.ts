import ipaddr from 'ipaddr.js';

/**
 * A list of networks an operator configures (JINGTU_WEBHOOK_NETWORKS, JINGTU_METRICS_NETWORKS): CIDR subnets
 * and single addresses, checked by the configuration (src/config.ts). A leaf: it imports no module of the hub.
 */
export class Networks {
  private readonly networks: [ipaddr.IPv4 | ipaddr.IPv6, number][];

  constructor(entries: readonly string[] = []) {
    this.networks = entries.map((entry) => (entry.includes('/') ? ipaddr.parseCIDR(entry) : single(entry)));
  }

  /** Whether an address is in one of the networks; an IPv4-mapped IPv6 address counts as its IPv4 address. */
  includes(address: string): boolean {
    const ip = parsed(address);
    return (
      !!ip && this.networks.some(([network, bits]) => ip.kind() === network.kind() && ip.match(network, bits))
    );
  }
}

/** An address as ipaddr.js reads it (::ffff:a.b.c.d as a.b.c.d), or undefined for anything else. */
export function parsed(address: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  return ipaddr.isValid(address) ? ipaddr.process(address) : undefined;
}

/** Whether an address is a loopback one (127.0.0.0/8, ::1, or 127.x written IPv4-mapped). */
export function isLoopback(address: string): boolean {
  return parsed(address)?.range() === 'loopback';
}

/** A single address as a network of one. */
function single(address: string): [ipaddr.IPv4 | ipaddr.IPv6, number] {
  const ip = ipaddr.parse(address);
  return [ip, ip.kind() === 'ipv4' ? 32 : 128];
}
