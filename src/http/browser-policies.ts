import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';
import { DEVICE_HEADER_NAME } from '../auth/device-token.js';
import type { Config } from '../config.js';

/**
 * Security headers on every response, and CORS for CORS_ORIGINS. Headers fit for an API
 * that serves JSON: nothing may be framed, sniffed or loaded from its responses. HSTS only
 * in production, where TLS is in front of us.
 */
export async function registerBrowserPolicies(fastify: FastifyInstance, config: Config): Promise<void> {
  const headers = securityHeaders({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
    strictTransportSecurity: config.isProduction ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    crossOriginResourcePolicy: { policy: config.corsOrigins.length > 0 ? 'cross-origin' : 'same-origin' },
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.headers(headers);
    // GraphQL answers hold tokens and personal data: no shared or browser cache may keep one.
    if (request.url === '/graphql' || request.url.startsWith('/graphql?')) reply.header('cache-control', 'no-store');
    done();
  });
  // No CORS_ORIGINS: no CORS headers at all, so browsers allow same-origin callers only.
  if (config.corsOrigins.length > 0) {
    await fastify.register(cors, {
      origin: [...config.corsOrigins],
      methods: ['GET', 'POST'],
      // What Apollo Client and the CSRF prevention need; tokens travel in a header, not cookies.
      allowedHeaders: ['authorization', 'content-type', 'apollo-require-preflight', 'x-apollo-operation-name', DEVICE_HEADER_NAME],
      // A cross-origin app keeps its device token from this header (no cookies cross origins here).
      exposedHeaders: [DEVICE_HEADER_NAME],
      credentials: false,
      maxAge: 600, // 10 minutes of cached preflights
    });
  }
}

/**
 * The headers helmet sets with these options, collected once: helmet decides the headers;
 * they are the same for every response, so it runs once, not per request.
 */
export function securityHeaders(options: Parameters<typeof helmet>[0]): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string | number | readonly string[]) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  };
  let failure: unknown;
  helmet(options)({} as never, response as never, (error?: unknown) => (failure = error));
  if (failure !== undefined) throw failure;
  return headers;
}
