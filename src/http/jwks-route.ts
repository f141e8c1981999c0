import type { FastifyInstance } from 'fastify';

/** GET /.well-known/jwks.json: the public keys access tokens verify against (RFC 7517), cached 5 minutes. */
export function registerJwksRoute(fastify: FastifyInstance, jwks: unknown): void {
  fastify.get('/.well-known/jwks.json', async (_request, reply) => reply.header('cache-control', 'public, max-age=300').send(jwks));
}
