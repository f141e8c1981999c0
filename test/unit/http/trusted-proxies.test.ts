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
