// The schema shape and in-memory data every baseline serves: the same fields and the same
// 100 posts as the Gatehouse workloads, so the answers are the same size.
export const typeDefs = /* GraphQL */ `
  enum Role { VIEWER USER ADMIN }
  type User { id: ID!  email: String  name: String  role: Role! }
  type Post { id: ID!  title: String!  body: String!  published: Boolean!  author: User!  authorId: ID! }
  type PostEdge { node: Post!  cursor: String! }
  type PageInfo { hasNextPage: Boolean!  endCursor: String }
  type PostConnection { edges: [PostEdge!]!  pageInfo: PageInfo!  totalCount: Int! }
  type Query {
    me: User
    feed(first: Int = 20, after: String): PostConnection!
    "The same posts as a flat list: what the simplest server would serve."
    posts(first: Int = 20): [Post!]!
  }
`;

export const SECRET = 'bench-secret-bench-secret-bench-secret';
export const users = new Map(
  Array.from({ length: 10 }, (_, i) => {
    const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    return [id, { id, email: `author-${i}@example.com`, name: 'Author', role: 'USER' }];
  }),
);
const authorIds = [...users.keys()];
export const posts = Array.from({ length: 100 }, (_, i) => ({
  id: `10000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  title: 'A post',
  body: 'Some text',
  published: true,
  authorId: authorIds[i % authorIds.length],
}));

export function feed(first) {
  const page = posts.slice(0, Math.min(first ?? 20, 100));
  return {
    edges: page.map((post) => ({ node: post, cursor: Buffer.from(post.id).toString('base64url') })),
    pageInfo: { hasNextPage: page.length < posts.length, endCursor: page.at(-1)?.id ?? null },
    totalCount: posts.length,
  };
}

/** Prints the URL for bench/run.mjs once listening, and exits on SIGTERM. */
export function announce(url, stop) {
  console.log(JSON.stringify({ url: url.replace(/\/$/, '') }));
  process.on('SIGTERM', async () => {
    await stop();
    process.exit(0);
  });
}
