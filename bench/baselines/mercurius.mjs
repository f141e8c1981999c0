// Baseline: what a team that cares about speed would pick instead: Fastify with Mercurius
// (queries compiled with graphql-jit once seen) and @fastify/jwt verifying the bearer token
// (HS256 pinned). `me` is the token's user; the same schema and data as the others.
import Fastify from 'fastify';
import fastifyJwt from '@fastify/jwt';
import mercurius from 'mercurius';
import { SECRET, announce, feed, posts, typeDefs, users } from './data.mjs';

const app = Fastify();
await app.register(fastifyJwt, { secret: SECRET, verify: { algorithms: ['HS256'] } });
const resolvers = {
  Query: {
    me: (_parent, _args, ctx) => (ctx.user ? users.get(ctx.user.sub) ?? null : null),
    feed: (_parent, args) => feed(args.first),
    posts: (_parent, args) => posts.slice(0, Math.min(args.first ?? 20, 100)),
  },
  Post: { author: (post) => users.get(post.authorId) },
};
await app.register(mercurius, {
  schema: typeDefs,
  resolvers,
  jit: 1,
  context: async (request) => {
    if (request.headers.authorization === undefined) return { user: null };
    return { user: await request.jwtVerify() };
  },
});
await app.listen({ port: 0, host: '127.0.0.1' });
const { port } = app.server.address();
announce(`http://127.0.0.1:${port}`, () => app.close());
