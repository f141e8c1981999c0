// Baseline: Apollo Server 5 standalone with no authentication: `me` is always user 0.
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { announce, feed, posts, typeDefs, users } from './data.mjs';

const [first] = users.values();
const resolvers = {
  Query: {
    me: () => first,
    feed: (_parent, args) => feed(args.first),
    posts: (_parent, args) => posts.slice(0, Math.min(args.first ?? 20, 100)),
  },
  Post: { author: (post) => users.get(post.authorId) },
};
const server = new ApolloServer({ schema: makeExecutableSchema({ typeDefs, resolvers }) });
const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
announce(url, () => server.stop());
