import { isIPv4, isIPv6 } from 'node:net';

const IPV4_MAPPED = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;
// What proxies write besides a bare address: an IPv4 address with a port, an IPv6
// address in brackets (with or without a port).
const IPV4_WITH_PORT = /^(\d+\.\d+\.\d+\.\d+):\d{1,5}$/;
const BRACKETED_IPV6 = /^\[([^\]]+)\](?::\d{1,5})?$/;

/**
 * An address as a proxy or the socket reports it, in one canonical spelling, or null when
 * it is not an address (`unknown`, RFC 7239's `_hidden`, garbage). Ports and brackets are
 * dropped; IPv4 must be strict dotted decimal (`010.0.0.1` is refused: octal to some
 * parsers, decimal to others); IPv4-mapped IPv6 becomes IPv4; IPv6 is lower-cased and
 * compressed (RFC 5952), its zone dropped. So each client has one spelling, and one counter.
 */
export function parseClientAddress(raw: string): string | null {
  let address = raw.trim();
  address = IPV4_WITH_PORT.exec(address)?.[1] ?? BRACKETED_IPV6.exec(address)?.[1] ?? address;
  if (isIPv4(address)) return address;
  const withoutZone = address.split('%', 1)[0]!;
  if (!isIPv6(withoutZone)) return null;
  const mapped = IPV4_MAPPED.exec(withoutZone);
  if (mapped !== null) return isIPv4(mapped[1]!) ? mapped[1]! : null;
  // The WHATWG URL parser writes IPv6 in RFC 5952's canonical form.
  const canonical = new URL(`http://[${withoutZone}]/`).hostname.slice(1, -1);
  const embedded = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
  if (embedded !== null) {
    const high = Number.parseInt(embedded[1]!, 16);
    const low = Number.parseInt(embedded[2]!, 16);
    return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
  }
  return canonical;
}

/**
 * The key under which a client's attempts are counted. An IPv4 address as is (also when
 * it arrives IPv4-mapped, `::ffff:127.0.0.1`); an IPv6 address by its /64 prefix, because
 * one subscriber is routinely given a whole /64 and could otherwise rotate through it.
 */
export function clientIpKey(address: string): string {
  const mapped = IPV4_MAPPED.exec(address);
  if (mapped !== null) return mapped[1]!;
  if (isIPv4(address)) return address;
  if (isIPv6(address)) return `${expandIpv6(address).slice(0, 4).join(':')}::/64`;
  return address;
}

/** The eight 16-bit groups of an IPv6 address, without leading zeros. */
function expandIpv6(address: string): string[] {
  const withoutZone = address.split('%', 1)[0]!.toLowerCase();
  const [head, tail] = withoutZone.split('::') as [string, string | undefined];
  const groups = (part: string | undefined) => (part ? part.split(':') : []);
  const left = groups(head);
  const right = groups(tail);
  // An embedded IPv4 tail (::1.2.3.4) stands for two groups.
  const last = right.length > 0 ? right : left;
  if (last.length > 0 && isIPv4(last.at(-1)!)) {
    const [a, b, c, d] = last.pop()!.split('.').map(Number) as [number, number, number, number];
    last.push(((a << 8) | b).toString(16), ((c << 8) | d).toString(16));
  }
  const missing = tail === undefined ? 0 : 8 - left.length - right.length;
  return [...left, ...Array<string>(missing).fill('0'), ...right].map((group) =>
    Number.parseInt(group, 16).toString(16),
  );
}
