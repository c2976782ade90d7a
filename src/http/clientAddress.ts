import { isIPv4, isIPv6 } from 'node:net';
import type { Request } from 'express';

/**
 * The address a request comes from, as the limit on requests without a valid key counts it: Express's
 * `req.ip`, which is the peer's address unless the peer is a trusted proxy (`trust proxy`, set from
 * JINGTU_TRUSTED_PROXIES), and then the address that proxy forwarded. An IPv4 address as it is (also when
 * written IPv4-mapped, ::ffff:a.b.c.d); an IPv6 address as its /64, the block one subscriber gets, so that
 * one client cannot turn each of its addresses into a limit of its own.
 */
export function clientAddress(req: Request): string {
  const address = requestAddress(req);
  return isIPv6(address) ? `${ipv6Groups(address).slice(0, 4).join(':')}::/64` : address;
}

/**
 * The address a request comes from, whole: Express's `req.ip` (the peer's, or what a trusted proxy forwarded),
 * an IPv4-mapped IPv6 address as the IPv4 address it is. What /metrics checks against its networks.
 */
export function requestAddress(req: Request): string {
  const given = req.ip ?? '';
  const peer = req.socket.remoteAddress ?? 'unknown';
  // a trusted proxy may forward something that is not an address: the proxy is then the client
  const address = isIPv4(given) || isIPv6(given) ? given : peer;
  const mapped = address.match(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i);
  return mapped ? mapped[1] : address;
}

/** The eight groups of an IPv6 address, in lower-case hex without leading zeros. */
function ipv6Groups(address: string): string[] {
  const [head, tail] = address.replace(/%.*$/, '').toLowerCase().split('::');
  const part = (text: string | undefined) =>
    (text ? text.split(':') : []).flatMap((group) => {
      if (!group.includes('.')) return [group];
      // an IPv4 tail (::a.b.c.d) is the last two groups
      const [a, b, c, d] = group.split('.').map(Number);
      return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
    });
  const first = part(head);
  const last = part(tail);
  const zeros = tail === undefined ? [] : Array(8 - first.length - last.length).fill('0');
  return [...first, ...zeros, ...last].map((group) => Number.parseInt(group, 16).toString(16));
}
