import { readFile } from 'node:fs/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { IDE_ASSETS, IDE_CONTENT_SECURITY_POLICY, IDE_OFF_PAGE, IDE_PAGE } from '../ide/ide-page.js';

/** The IDE's assets under /ide/, / redirecting to /graphql, and an empty /favicon.ico. */
export function registerIdeRoutes(fastify: FastifyInstance): void {
  const cache = new Map<string, Buffer>();
  fastify.get('/', async (_request, reply) => reply.redirect('/graphql'));
  fastify.get('/favicon.ico', async (_request, reply) => reply.code(204).send());
  fastify.get<{ Params: { name: string } }>('/ide/:name', async (request, reply) => {
    const asset = Object.hasOwn(IDE_ASSETS, request.params.name) ? IDE_ASSETS[request.params.name] : undefined;
    if (asset === undefined) return reply.callNotFound();
    let content = cache.get(asset.path);
    if (content === undefined) {
      content = await readFile(asset.path);
      cache.set(asset.path, content);
    }
    return reply.type(`${asset.type}; charset=utf-8`).header('cache-control', 'public, max-age=3600').send(content);
  });
}

/** /graphql's preHandler: a browser opening /graphql gets the IDE page, never an executed query. */
export function serveIdePage(request: FastifyRequest, reply: FastifyReply, done: () => void): void {
  if (!isBrowserVisit(request)) return done();
  reply.type('text/html; charset=utf-8').header('content-security-policy', IDE_CONTENT_SECURITY_POLICY).send(IDE_PAGE);
}

/**
 * /graphql's preHandler with the IDE off (production's default): a browser opening
 * /graphql learns why there is no IDE and which variable turns it on.
 */
export function serveIdeOffPage(request: FastifyRequest, reply: FastifyReply, done: () => void): void {
  if (!isBrowserVisit(request)) return done();
  reply.code(404).type('text/html; charset=utf-8').send(IDE_OFF_PAGE);
}

function isBrowserVisit(request: FastifyRequest): boolean {
  return request.method === 'GET' && request.headers.accept?.includes('text/html') === true;
}
