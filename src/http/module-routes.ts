import type { FastifyInstance } from 'fastify';
import type { ModuleRoute } from '../graphql/module.js';

/** Serves the modules' plain GET routes. */
export function registerModuleRoutes(fastify: FastifyInstance, routes: readonly ModuleRoute[]): void {
  for (const route of routes) {
    fastify.get(route.path, async (request, reply) => {
      const answer = await route.handle({ params: request.params as Record<string, string> });
      return reply.code(answer.status).type(answer.contentType).header('cache-control', 'no-store').send(answer.body);
    });
  }
}
