import type { IncomingMessage } from 'node:http';
// The library Fastify computes request.ip with: both transports read addresses alike.
import proxyAddr from '@fastify/proxy-addr';
import { parseClientAddress } from '../auth/client-ip.js';
import type { Config } from '../config.js';

/** Whether the hop'th address from the socket's peer (hop 0) is a proxy we trust. */
export type TrustedProxies = (address: string, hop: number) => boolean;

// No TRUST_PROXY: the peer is the client, and X-Forwarded-For is never read.
const NO_PROXY: TrustedProxies = () => false;

/** TRUST_PROXY as one function, for Fastify's request.ip and for the WebSocket upgrade alike. */
export function trustedProxies(trust: Config['trustProxy']): TrustedProxies {
  if (trust === false) return NO_PROXY;
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return proxyAddr.compile([...trust]);
}

/**
 * The client's address: the socket's peer, or behind trusted proxies the X-Forwarded-For
 * entry they vouch for, in one canonical spelling (parseClientAddress). An entry that is
 * not an address (garbage, `unknown`, a shape we do not read) is not a client of its own:
 * the address of the hop that reported it stands instead, so every such request shares
 * the trusted proxy's counters rather than getting fresh ones.
 */
export function clientAddress(request: IncomingMessage, trusted: TrustedProxies): string {
  const peer = request.socket.remoteAddress ?? '';
  // Every request asks: without trusted proxies, skip parsing a header that cannot count.
  if (trusted === NO_PROXY) return parseClientAddress(peer) ?? peer;
  // From the peer (first) to the client as far as the trusted proxies vouch (last).
  const chain = proxyAddr.all(request, trusted);
  for (let hop = chain.length - 1; hop >= 0; hop--) {
    const address = parseClientAddress(chain[hop]!);
    if (address !== null) return address;
  }
  return peer;
}
