// Baseline: the "Apollo + graphql-shield + jsonwebtoken" stack as commonly written.
// Apollo Server 5 standalone; the context verifies the bearer token with jsonwebtoken and
// the secret as a string; graphql-shield with default options wraps every field.
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { applyMiddleware } from 'graphql-middleware';
import { allow, rule, shield } from 'graphql-shield';
import jwt from 'jsonwebtoken';
import { GraphQLError } from 'graphql';
import { SECRET, announce, feed, typeDefs, users } from './data.mjs';

const isAuthenticated = rule()((_parent, _args, ctx) => ctx.user !== null);
const permissions = shield({
  Query: { me: allow, feed: allow },
  User: { email: isAuthenticated },
});
const resolvers = {
  Query: {
    me: (_parent, _args, ctx) => (ctx.user ? users.get(ctx.user.sub) ?? null : null),
    feed: (_parent, args) => feed(args.first),
  },
  Post: { author: (post) => users.get(post.authorId) },
};
const schema = applyMiddleware(makeExecutableSchema({ typeDefs, resolvers }), permissions);
const server = new ApolloServer({ schema });
const { url } = await startStandaloneServer(server, {
  listen: { port: 0, host: '127.0.0.1' },
  context: async ({ req }) => {
    const header = req.headers.authorization ?? '';
    if (!header.startsWith('Bearer ')) return { user: null };
    try {
      return { user: jwt.verify(header.slice(7), SECRET, { algorithms: ['HS256'] }) };
    } catch {
      throw new GraphQLError('Invalid token', { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
    }
  },
});
announce(`${url}graphql`.replace(/\/graphql$/, ''), () => server.stop());
