import type { ApolloServer } from '@apollo/server';
import { fastifyApolloHandler } from '@as-integrations/fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CONTRACT_CODE } from '../errors.js';
import type { GraphQLContext } from '../graphql/context.js';
import { registerIdeRoutes, serveIdeOffPage, serveIdePage } from './ide-routes.js';

export interface GraphQLRouteOptions {
  /** Each request's context. */
  context: (request: FastifyRequest) => Promise<GraphQLContext>;
  /** ENABLE_PLAYGROUND: a browser's GET /graphql gets the IDE page, and its assets are served. */
  ide: boolean;
  /** The cheap shape check of a document (GraphQLPipeline.refuseShape): a refusal's message, or undefined. */
  refuseShape: (query: string) => string | undefined;
  /** Records the refusal's code on the request's log line. */
  onRefused: (request: FastifyRequest) => void;
}

/** GET and POST /graphql, answered by a started Apollo Server (and the IDE's routes when enabled). */
export function registerGraphQLRoute(
  fastify: FastifyInstance,
  apollo: ApolloServer<GraphQLContext>,
  options: GraphQLRouteOptions,
): void {
  // Apollo validates with graphql-js's rules and ours in one pass; a document outside the
  // cheap limits is refused here first, so the quadratic rules never see it.
  const checkShape = async (request: FastifyRequest, reply: FastifyReply) => {
    const query = queryOf(request);
    if (query === undefined) return;
    const refused = options.refuseShape(query);
    if (refused === undefined) return;
    options.onRefused(request);
    return reply
      .code(400)
      .type('application/json; charset=utf-8')
      .send({ errors: [{ message: refused, extensions: { code: CONTRACT_CODE.GRAPHQL_VALIDATION_FAILED } }] });
  };
  fastify.route({
    url: '/graphql',
    method: ['GET', 'POST'],
    preHandler: options.ide ? [serveIdePage, checkShape] : [serveIdeOffPage, checkShape],
    handler: fastifyApolloHandler(apollo, { context: options.context }),
  });
  if (options.ide) registerIdeRoutes(fastify);
}

/** The document of a POST's JSON body or a GET's `query` parameter, when there is one. */
function queryOf(request: FastifyRequest): string | undefined {
  const source = request.method === 'GET' ? request.query : request.body;
  const query = typeof source === 'object' && source !== null ? (source as { query?: unknown }).query : undefined;
  return typeof query === 'string' ? query : undefined;
}
