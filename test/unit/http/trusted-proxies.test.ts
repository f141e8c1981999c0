import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from '@jest/globals';
import type { Services } from '../../../src/graphql/context.js';
import { createGraphQLPipeline } from '../../../src/graphql/pipeline.js';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { declareModules } from '../../../src/graphql/schema.js';
import { modules } from '../../../src/modules/registry.js';
import { clientAddress, trustedProxies } from '../../../src/http/trusted-proxies.js';

// What an HTTP request and a WebSocket upgrade request both are to Node.
const requestFrom = (peer: string, forwardedFor?: string) =>
  ({
    socket: { remoteAddress: peer },
    headers: { ...(forwardedFor !== undefined && { 'x-forwarded-for': forwardedFor }), 'user-agent': 'test' },
  }) as unknown as IncomingMessage;

describe('clientAddress', () => {
  it('is the socket peer when TRUST_PROXY is unset, whatever X-Forwarded-For says', () => {
    expect(clientAddress(requestFrom('127.0.0.1', '203.0.113.7'), trustedProxies(false))).toBe('127.0.0.1');
  });

  it('is the forwarded address when the peer is a trusted proxy (TRUST_PROXY=127.0.0.1)', () => {
    expect(clientAddress(requestFrom('127.0.0.1', '203.0.113.7'), trustedProxies(['127.0.0.1']))).toBe('203.0.113.7');
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', () => {
    expect(clientAddress(requestFrom('198.51.100.1', '203.0.113.7'), trustedProxies(['127.0.0.1']))).toBe('198.51.100.1');
  });

  it('with TRUST_PROXY=1, is the address the proxy saw, whatever the client put before it', () => {
    expect(clientAddress(requestFrom('127.0.0.1', '10.9.9.9, 203.0.113.7'), trustedProxies(1))).toBe('203.0.113.7');
  });
});

describe('clientAddress with X-Forwarded-For entries that are not plain addresses', () => {
  const trusted = trustedProxies(['127.0.0.1']);

  it.each([
    ['an address with a port', '203.0.113.7:51234', '203.0.113.7'],
    ['a bracketed IPv6 address with a port', '[2001:DB8::7]:443', '2001:db8::7'],
    ['an IPv4-mapped address', '::ffff:203.0.113.7', '203.0.113.7'],
  ])('normalises %s', (_label, forwarded, expected) => {
    expect(clientAddress(requestFrom('127.0.0.1', forwarded), trusted)).toBe(expected);
  });

  it.each([
    ['leading zeros', '203.000.113.007'],
    ['garbage', 'not-an-ip'],
    ['"unknown"', 'unknown'],
    ['an obfuscated node', '_hidden'],
    ['an empty entry', ''],
  ])('ignores %s: the proxy that reported it stands for the client', (_label, forwarded) => {
    expect(clientAddress(requestFrom('127.0.0.1', forwarded), trusted)).toBe('127.0.0.1');
  });

  it('with a hop count, ignores garbage the last proxy reported and does not reach past it', () => {
    expect(clientAddress(requestFrom('10.0.0.2', '203.0.113.9, garbage'), trustedProxies(1))).toBe('10.0.0.2');
  });

  it('writes the peer in one spelling too', () => {
    expect(clientAddress(requestFrom('::ffff:127.0.0.1'), trustedProxies(false))).toBe('127.0.0.1');
  });
});

describe("the GraphQL pipeline's client", () => {
  it('honours TRUST_PROXY for a WebSocket upgrade request as for an HTTP request', () => {
    const trusted = trustedProxies(['127.0.0.1']);
    const pipeline = createGraphQLPipeline({
      schema: makeExecutableSchema({ typeDefs: [...declareModules(modules).typeDefs] }),
      services: {} as Services,
      isProduction: true,
      clientAddress: (request) => clientAddress(request, trusted),
      log: { error: () => {} },
    });
    expect(pipeline.clientOf(requestFrom('127.0.0.1', '203.0.113.7'))).toEqual({ clientIp: '203.0.113.7', userAgent: 'test' });
  });
});
