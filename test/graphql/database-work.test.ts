import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createPost } from '../helpers/operations.js';
import { subscriptionClient, type SubscriptionClient } from '../helpers/subscription-client.js';
import { ME, outcome, signUpUser, startTestApp, useTestApp, type GraphQLResponse } from '../helpers/test-app.js';

// The attack of the security review: anonymous, within the depth, alias and field-cost
// limits, but each feed item asks for its author's posts with their (large) bodies.
const AUTHORS = 10;
const POSTS_PER_AUTHOR = 20;
const BODY = 'x'.repeat(20_000);

const queries: string[] = [];
const app = useTestApp({}, { onQuery: (sql) => queries.push(sql) });

/** Anonymous, depth 8, field cost ~6,500 (under 10,000): 100 posts each with 20 of its author's, bodies included. */
const ATTACK = /* GraphQL */ `
  query Attack { feed(first: 100) { edges { node { body author { posts(first: 20) { edges { node { body } } } } } } } }
`;
/** The same shape without bodies: an honest query, served, in a few batched queries. */
const NESTED = /* GraphQL */ `
  query Nested { feed(first: 30) { edges { node { id author { id posts(first: 10) { totalCount edges { node { id title author { id } } } } } } } } }
`;

let reader: Awaited<ReturnType<typeof signUpUser>>;
let authors: Array<Awaited<ReturnType<typeof signUpUser>>>;
beforeAll(async () => {
  authors = await Promise.all(Array.from({ length: AUTHORS }, () => signUpUser(app)));
  for (let round = 0; round < POSTS_PER_AUTHOR; round++) {
    await Promise.all(authors.map((author) => createPost(app, author.accessToken, { body: BODY, publish: true })));
  }
  reader = await signUpUser(app);
});

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** `samples` sequential `me` requests of another user; their latencies in ms. */
async function meLatencies(samples: number): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    const response = await app.graphql(ME, {}, { token: reader.accessToken });
    latencies.push(performance.now() - started);
    expect(response.body.data?.me?.id).toBe(reader.user.id);
  }
  return latencies;
}

describe('database work is priced and batched', () => {
  it('serves a nested list of authors’ posts in a few queries, whatever the number of parents', async () => {
    queries.length = 0;
    const response = await app.graphql(NESTED);
    expect(response.body.errors).toBeUndefined();
    const edges = response.body.data!.feed.edges as Array<{ node: { author: { posts: { totalCount: number; edges: unknown[] } } } }>;
    expect(edges).toHaveLength(30);
    for (const edge of edges) {
      expect(edge.node.author.posts.totalCount).toBe(POSTS_PER_AUTHOR);
      expect(edge.node.author.posts.edges).toHaveLength(10);
    }
    // feed page, authors, their pages, their counts (and the feed's cache read at most once more).
    console.info(`NESTED (30 parents): ${queries.length} SQL queries`);
    expect(queries.length).toBeLessThanOrEqual(6);
  });

  it('pages each author’s posts with its own cursor, in the batch, newest first', async () => {
    const PAGE = /* GraphQL */ `
      query Page($after: String) { myPosts(first: 7, after: $after) { totalCount edges { node { id createdAt } } pageInfo { hasNextPage endCursor } } }
    `;
    const ids: string[] = [];
    const dates: string[] = [];
    let after: string | null = null;
    for (const expected of [7, 7, 6]) {
      const response: GraphQLResponse = await app.graphql(PAGE, { after }, { token: authors[0]!.accessToken });
      const page = response.body.data!.myPosts as Record<string, any>;
      expect(page.totalCount).toBe(POSTS_PER_AUTHOR);
      expect(page.edges).toHaveLength(expected);
      ids.push(...page.edges.map((edge: { node: { id: string } }) => edge.node.id));
      dates.push(...page.edges.map((edge: { node: { createdAt: string } }) => edge.node.createdAt));
      expect(page.pageInfo.hasNextPage).toBe(expected === 7);
      after = page.pageInfo.endCursor;
    }
    expect(new Set(ids).size).toBe(POSTS_PER_AUTHOR);
    expect(dates).toEqual([...dates].sort().reverse());

    // Two authors' second pages in one request: one batch, each after its own cursor.
    const POST_AUTHOR_PAGE = (alias: string, variable: string) =>
      `${alias}: post(id: $${variable}Post) { author { posts(first: 7, after: $${variable}After) { edges { node { id } } } } }`;
    const secondOf = async (author: (typeof authors)[number]) => {
      const first = await app.graphql(PAGE, { after: null }, { token: author.accessToken });
      const page = first.body.data!.myPosts;
      const second = await app.graphql(PAGE, { after: page.pageInfo.endCursor }, { token: author.accessToken });
      return { post: page.edges[0].node.id, after: page.pageInfo.endCursor, ids: second.body.data!.myPosts.edges.map((edge: { node: { id: string } }) => edge.node.id) };
    };
    const [one, two] = await Promise.all([secondOf(authors[1]!), secondOf(authors[2]!)]);
    const both = await app.graphql(
      `query ($aPost: ID!, $aAfter: String, $bPost: ID!, $bAfter: String) { ${POST_AUTHOR_PAGE('a', 'a')} ${POST_AUTHOR_PAGE('b', 'b')} }`,
      { aPost: one.post, aAfter: one.after, bPost: two.post, bAfter: two.after },
    );
    expect(both.body.errors).toBeUndefined();
    const idsOf = (alias: 'a' | 'b') => both.body.data![alias].author.posts.edges.map((edge: { node: { id: string } }) => edge.node.id);
    expect(idsOf('a')).toEqual(one.ids);
    expect(idsOf('b')).toEqual(two.ids);
  });

  it('refuses an attack that needs more database work than the limit, before it runs, and `me` keeps answering', async () => {
    const idle = median(await meLatencies(15));

    queries.length = 0;
    const started = performance.now();
    const first = await app.graphql(ATTACK);
    const attackMs = performance.now() - started;
    const attackQueries = queries.length;

    // Four attackers in a loop while another user asks for `me`.
    let attacking = true;
    const attackers = Array.from({ length: 4 }, async () => {
      while (attacking) await app.graphql(ATTACK);
    });
    const during = median(await meLatencies(15));
    attacking = false;
    await Promise.all(attackers);

    console.info(
      `ATTACK: ${attackMs.toFixed(0)} ms, ${attackQueries} SQL queries, ${JSON.stringify(first.body).length} bytes; ` +
        `me median idle ${idle.toFixed(1)} ms, during 4 attackers ${during.toFixed(1)} ms (x${(during / idle).toFixed(1)})`,
    );
    expect(first.status).toBe(400);
    expect(first.body.data).toBeUndefined();
    expect(outcome(first)).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED' });
    expect(first.body.errors![0]!.message).toMatch(/database/i);
    expect(attackQueries).toBe(0);
    // Before batching and pricing, 15 `me` did not finish within 60 s of this attack.
    expect(during / idle).toBeLessThan(20);
  });

  it('bills a post body as heavy: a page of 100 feed bodies passes, 20 of each author’s more do not', async () => {
    const feed = await app.graphql('{ feed(first: 100) { edges { node { body author { id } } } } }');
    expect(feed.body.errors).toBeUndefined();
    const bodies = await app.graphql('{ feed(first: 20) { edges { node { author { posts(first: 20) { edges { node { body } } } } } } } }');
    expect(outcome(bodies)).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED' });
    const titles = await app.graphql('{ feed(first: 20) { edges { node { author { posts(first: 20) { edges { node { title } } } } } } } }');
    expect(titles.body.errors).toBeUndefined();
  });

  it('refuses a document that would need too many database round trips, even on tiny pages', async () => {
    // 15 aliased lists of different sizes, each with its total and its posts' authors: ~47 queries of a row or a few.
    const lists = Array.from(
      { length: 15 },
      (_, i) => `l${i}: posts(first: ${i + 1}) { totalCount edges { node { id author { id } } } }`,
    ).join(' ');
    const response = await app.graphql(`{ feed(first: 1) { edges { node { author { ${lists} } } } } }`);
    expect(outcome(response)).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED' });
    expect(response.body.errors![0]!.message).toMatch(/database/i);
  });
});

describe('the same bounds over WebSocket', () => {
  let client: SubscriptionClient | undefined;
  afterAll(() => client?.dispose());

  it('refuses a subscription whose every event would need more database work than the limit', async () => {
    client = subscriptionClient(app.url);
    // Field cost ~900, but 300 bodies read for every event and every subscriber.
    const pages = ['a', 'b', 'c'].map((alias) => `${alias}: posts(first: 100) { edges { node { body } } }`).join(' ');
    const subscription = client.subscribe(`subscription { postPublished { author { ${pages} } } }`);
    const { error } = await Promise.race([
      subscription.ended,
      new Promise<{ error: string }>((resolve) => setTimeout(() => resolve({ error: 'still running after 5 s' }), 5_000)),
    ]);
    expect(error).toEqual([expect.objectContaining({ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })]);
    expect((error as Array<{ message: string }>)[0]!.message).toMatch(/database/i);
  });
});

describe('the time budget and the response size bound', () => {
  it('starts no batch of database work past the time budget: SERVICE_UNAVAILABLE (EXECUTION_TIMEOUT), 503', async () => {
    const spent = await startTestApp({}, { executionLimits: { executionTimeoutMs: 0 } });
    try {
      const author = await signUpUser(spent);
      await createPost(spent, author.accessToken, { publish: true });
      const response = await spent.graphql('{ feed { edges { node { id author { id } } } } }');
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('1');
      expect(response.body.errors![0]!.extensions).toEqual({ code: 'SERVICE_UNAVAILABLE', reason: 'EXECUTION_TIMEOUT' });
      // What needs no batched load is still served.
      expect((await spent.graphql(ME, {}, { token: author.accessToken })).body.data?.me?.id).toBe(author.user.id);
    } finally {
      await spent.stop();
    }
  });

  it('replaces a response over the size bound with one BAD_REQUEST (RESPONSE_TOO_LARGE) error', async () => {
    const small = await startTestApp({}, { executionLimits: { maxResponseBytes: 50_000 } });
    try {
      const author = await signUpUser(small);
      for (let i = 0; i < 3; i++) await createPost(small, author.accessToken, { body: BODY, publish: true });
      const two = await small.graphql('{ feed(first: 2) { edges { node { body } } } }');
      expect(two.body.errors).toBeUndefined();
      const three = await small.graphql('{ feed(first: 3) { edges { node { body } } } }');
      expect(three.body).toEqual({
        errors: [{ message: expect.stringMatching(/larger than 50000 bytes/), extensions: { code: 'BAD_REQUEST', reason: 'RESPONSE_TOO_LARGE' } }],
      });
    } finally {
      await small.stop();
    }
  });
});
