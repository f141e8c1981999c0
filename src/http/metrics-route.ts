import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { CONTRACT_CODE, CONTRACT_REASON } from '../errors.js';

/** What GET /metrics serves, and where each HTTP request is counted. */
export interface MetricsEndpoint {
  /** METRICS_TOKEN: the scraper's bearer token. */
  readonly token: string;
  render(): Promise<{ contentType: string; body: string }>;
  recordHttpRequest(method: string, route: string, status: number): void;
}

// A method outside this set is counted as OTHER: clients choose it, and labels must stay few.
const METHODS = new Set(['GET', 'POST', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'DELETE']);

/**
 * GET /metrics (Prometheus text) for `Authorization: Bearer <METRICS_TOKEN>`; without the
 * header, or with another token, 401 in the GraphQL error shape. Only registered when
 * METRICS_TOKEN is set, so otherwise it is the 404 of any unknown path. Every response of
 * the server is counted by method, route pattern (never the raw path: unknown paths are
 * "unmatched") and status.
 */
export function registerMetricsRoute(fastify: FastifyInstance, endpoint: MetricsEndpoint): void {
  const expected = digest(endpoint.token);
  fastify.addHook('onResponse', (request, reply, done) => {
    const method = METHODS.has(request.method) ? request.method : 'OTHER';
    endpoint.recordHttpRequest(method, request.routeOptions.url ?? 'unmatched', reply.statusCode);
    done();
  });
  fastify.get('/metrics', async (request, reply) => {
    const presented = /^Bearer +(\S+) *$/i.exec(request.headers.authorization ?? '')?.[1];
    // Compared as digests: equal lengths for timingSafeEqual, and no early exit on the first differing byte.
    if (presented === undefined || !timingSafeEqual(digest(presented), expected)) {
      const reason = presented === undefined ? CONTRACT_REASON.TOKEN_MISSING : CONTRACT_REASON.TOKEN_INVALID;
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="metrics"')
        .send({ errors: [{ message: 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>.', extensions: { code: CONTRACT_CODE.UNAUTHENTICATED, reason } }] });
    }
    const { contentType, body } = await endpoint.render();
    return reply.header('content-type', contentType).header('cache-control', 'no-store').send(body);
  });
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
