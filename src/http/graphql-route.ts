import type { ApolloServer } from '@apollo/server';
import { fastifyApolloHandler } from '@as-integrations/fastify';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { GraphQLContext } from '../graphql/context.js';
import { registerIdeRoutes, serveIdeOffPage, serveIdePage } from './ide-routes.js';

export interface GraphQLRouteOptions {
  /** Each request's context. */
  context: (request: FastifyRequest) => Promise<GraphQLContext>;
  /** ENABLE_PLAYGROUND: a browser's GET /graphql gets the IDE page, and its assets are served. */
  ide: boolean;
}

/** GET and POST /graphql, answered by a started Apollo Server (and the IDE's routes when enabled). */
export function registerGraphQLRoute(
  fastify: FastifyInstance,
  apollo: ApolloServer<GraphQLContext>,
  options: GraphQLRouteOptions,
): void {
  fastify.route({
    url: '/graphql',
    method: ['GET', 'POST'],
    preHandler: options.ide ? serveIdePage : serveIdeOffPage,
    handler: fastifyApolloHandler(apollo, { context: options.context }),
  });
  if (options.ide) registerIdeRoutes(fastify);
}
