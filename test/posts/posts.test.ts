import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { adminEnv, asAdmin, setRole, userWithRole } from '../helpers/actors.js';
import { outcome, signUpUser, useTestApp } from '../helpers/test-app.js';

const CREATE = 'mutation ($t: String!, $b: String!) { createPost(title: $t, body: $b) { id title body published author { id } } }';
const UPDATE = 'mutation ($id: ID!, $t: String, $b: String) { updatePost(id: $id, title: $t, body: $b) { id title body } }';
const PUBLISH = 'mutation ($id: ID!) { publishPost(id: $id) { id published } }';
const DELETE = 'mutation ($id: ID!) { deletePost(id: $id) }';
const POST = 'query ($id: ID!) { post(id: $id) { id title published author { id email } } }';
const FEED = 'query ($first: Int, $after: String) { feed(first: $first, after: $after) { edges { cursor node { id author { id name } } } pageInfo { hasNextPage endCursor } totalCount } }';
const MY_POSTS = 'query { myPosts { edges { node { id published } } totalCount } }';
const USER_POSTS = 'query { me { id posts { edges { node { id published } } totalCount } } }';

let queries: string[] = [];
const app = useTestApp(adminEnv(), { onQuery: (sql) => queries.push(sql) });
let adminToken: string;
let author: Awaited<ReturnType<typeof signUpUser>>;
let stranger: Awaited<ReturnType<typeof signUpUser>>;
let viewer: Awaited<ReturnType<typeof signUpUser>>;

beforeAll(async () => {
  adminToken = (await asAdmin(app)).accessToken;
  author = await signUpUser(app);
  stranger = await signUpUser(app);
  viewer = await userWithRole(app, 'VIEWER', adminToken);
});

async function draft(token = author.accessToken) {
  const { body } = await app.graphql(CREATE, { t: ' A title ', b: 'Some text' }, { token });
  return body.data!.createPost as { id: string; title: string };
}

describe('createPost', () => {
  it('creates a draft by the caller, title trimmed', async () => {
    const { body } = await app.graphql(CREATE, { t: '  Hello  ', b: 'World' }, { token: author.accessToken });
    expect(body.data!.createPost).toMatchObject({ title: 'Hello', body: 'World', published: false, author: { id: author.user.id } });
  });

  it('refuses control characters (NUL included) in a title or a body with BAD_USER_INPUT, keeping line breaks in a body', async () => {
    const token = author.accessToken;
    expect(outcome(await app.graphql(CREATE, { t: 'a\u0000b', b: 'b' }, { token }))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'title' });
    expect(outcome(await app.graphql(CREATE, { t: 'a\nb', b: 'b' }, { token }))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'title' });
    expect(outcome(await app.graphql(CREATE, { t: 't', b: 'a\u0000b' }, { token }))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'body' });
    const kept = await app.graphql(CREATE, { t: 't', b: 'line\n\tindented\r\n' }, { token });
    expect(kept.body.data!.createPost.body).toBe('line\n\tindented\r\n');
  });

  it('needs a token, then the write scope', async () => {
    expect(outcome(await app.graphql(CREATE, { t: 't', b: 'b' }))).toEqual({ code: 'UNAUTHENTICATED', reason: 'TOKEN_MISSING' });
    expect(outcome(await app.graphql(CREATE, { t: 't', b: 'b' }, { token: viewer.accessToken }))).toEqual({ code: 'FORBIDDEN' });
  });

  it.each([
    ['an empty title', { t: '   ', b: 'b' }, 'title'],
    ['a title over 200 characters', { t: 'x'.repeat(201), b: 'b' }, 'title'],
    ['an empty body', { t: 't', b: '' }, 'body'],
    ['a body over 50,000 characters', { t: 't', b: 'x'.repeat(50_001) }, 'body'],
  ])('refuses %s with BAD_USER_INPUT', async (_label, variables, field) => {
    expect(outcome(await app.graphql(CREATE, variables, { token: author.accessToken }))).toEqual({ code: 'BAD_USER_INPUT', field });
  });
});

describe('visibility of drafts and published posts', () => {
  it('shows a draft to its author and admins only; to others it does not exist', async () => {
    const post = await draft();
    expect((await app.graphql(POST, { id: post.id }, { token: author.accessToken })).body.data!.post.id).toBe(post.id);
    expect((await app.graphql(POST, { id: post.id }, { token: adminToken })).body.data!.post.id).toBe(post.id);
    expect((await app.graphql(POST, { id: post.id }, { token: stranger.accessToken })).body).toEqual({ data: { post: null } });
    expect((await app.graphql(POST, { id: post.id })).body).toEqual({ data: { post: null } });
    for (const [token, mutation] of [[stranger.accessToken, UPDATE], [stranger.accessToken, PUBLISH], [stranger.accessToken, DELETE]] as const) {
      expect(outcome(await app.graphql(mutation, { id: post.id, t: 'x' }, { token }))).toEqual({ code: 'NOT_FOUND' });
    }
  });

  it("shows a published post to everyone; others may not change it (FORBIDDEN); admins may", async () => {
    const post = await draft();
    expect((await app.graphql(PUBLISH, { id: post.id }, { token: author.accessToken })).body.data!.publishPost.published).toBe(true);
    const anonymous = await app.graphql(POST, { id: post.id });
    expect(anonymous.body.data!.post).toMatchObject({ id: post.id, published: true, author: { id: author.user.id, email: null } });
    expect(anonymous.body.errors).toEqual([
      expect.objectContaining({ path: ['post', 'author', 'email'], extensions: { code: 'FORBIDDEN' } }),
    ]);
    expect(outcome(await app.graphql(UPDATE, { id: post.id, t: 'mine now' }, { token: stranger.accessToken }))).toEqual({ code: 'FORBIDDEN' });
    expect(outcome(await app.graphql(DELETE, { id: post.id }, { token: stranger.accessToken }))).toEqual({ code: 'FORBIDDEN' });
    expect((await app.graphql(UPDATE, { id: post.id, t: 'Edited by admin' }, { token: adminToken })).body.data!.updatePost.title).toBe('Edited by admin');
    expect((await app.graphql(POST, { id: post.id }, { token: adminToken })).body.data!.post.author.email).toBe(author.email);
  });

  it('answers unknown and malformed ids with null / NOT_FOUND', async () => {
    expect((await app.graphql(POST, { id: randomUUID() })).body).toEqual({ data: { post: null } });
    expect((await app.graphql(POST, { id: 'nope' })).body).toEqual({ data: { post: null } });
    expect(outcome(await app.graphql(DELETE, { id: randomUUID() }, { token: author.accessToken }))).toEqual({ code: 'NOT_FOUND' });
  });

  it('lets the author update, publish (idempotently) and delete', async () => {
    const post = await draft();
    expect((await app.graphql(UPDATE, { id: post.id, b: 'New body' }, { token: author.accessToken })).body.data!.updatePost).toMatchObject({ title: 'A title', body: 'New body' });
    expect(outcome(await app.graphql(PUBLISH, { id: post.id }, { token: author.accessToken }))).toBe('OK');
    expect(outcome(await app.graphql(PUBLISH, { id: post.id }, { token: author.accessToken }))).toBe('OK');
    expect((await app.graphql(DELETE, { id: post.id }, { token: author.accessToken })).body).toEqual({ data: { deletePost: true } });
    expect((await app.graphql(POST, { id: post.id }, { token: author.accessToken })).body.data!.post).toBeNull();
  });
});

describe('lists', () => {
  it('myPosts has drafts; User.posts shows drafts to the user; myPosts needs a token', async () => {
    const writer = await signUpUser(app);
    const a = await draft(writer.accessToken);
    await draft(writer.accessToken);
    await app.graphql(PUBLISH, { id: a.id }, { token: writer.accessToken });
    expect((await app.graphql(MY_POSTS, {}, { token: writer.accessToken })).body.data!.myPosts.totalCount).toBe(2);
    expect((await app.graphql(USER_POSTS, {}, { token: writer.accessToken })).body.data!.me.posts.totalCount).toBe(2);
    expect(outcome(await app.graphql(MY_POSTS))).toEqual({ code: 'UNAUTHENTICATED', reason: 'TOKEN_MISSING' });
  });

  it('feed lists published posts newest first, with authors in a constant number of queries', async () => {
    const ids: string[] = [];
    const writers = await Promise.all(Array.from({ length: 5 }, () => signUpUser(app)));
    for (let i = 0; i < 30; i++) {
      const writer = writers[i % writers.length]!;
      const post = await draft(writer.accessToken);
      await app.graphql(PUBLISH, { id: post.id }, { token: writer.accessToken });
      ids.unshift(post.id);
    }
    queries = [];
    const { body } = await app.graphql(FEED, { first: 30 });
    const feed = body.data!.feed;
    expect(feed.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual(ids);
    expect(feed.edges.every((e: { node: { author: { id: string } } }) => e.node.author.id)).toBe(true);
    // feed page + total + one batched author lookup, whatever the page size.
    expect(queries).toHaveLength(3);

    const second = await app.graphql(FEED, { first: 10, after: feed.edges[9].cursor });
    expect(second.body.data!.feed.edges[0].node.id).toBe(ids[10]);
  });

  it.each([[{ first: -1 }, 'first'], [{ after: 'junk' }, 'after']])('feed refuses %j with BAD_USER_INPUT', async (variables, field) => {
    expect(outcome(await app.graphql(FEED, variables))).toEqual({ code: 'BAD_USER_INPUT', field });
  });
});

const FEED_100 = 'query { feed(first: 100) { edges { node { id title author { id role } } } totalCount } }';
type FeedNode = { id: string; title: string; author: { id: string; role: string } };
const feedNode = async (id: string): Promise<FeedNode | undefined> =>
  ((await app.graphql(FEED_100)).body.data!.feed.edges as Array<{ node: FeedNode }>).map((e) => e.node).find((n) => n.id === id);

describe('deleteAccount', () => {
  it("deletes the user's posts, from the (cached) feed too", async () => {
    const writer = await signUpUser(app);
    const post = await draft(writer.accessToken);
    await app.graphql(PUBLISH, { id: post.id }, { token: writer.accessToken });
    expect(await feedNode(post.id)).toBeDefined();
    await app.graphql('mutation ($p: String!) { deleteAccount(password: $p) }', { p: writer.password }, { token: writer.accessToken });
    expect((await app.graphql(POST, { id: post.id })).body).toEqual({ data: { post: null } });
    expect(await feedNode(post.id)).toBeUndefined();
  });
});

describe('the feed and its authors, read through a short cache', () => {
  it('answers a repeated feed without a query', async () => {
    await app.graphql(FEED_100);
    // A publication from a test before this one may clear the cache in between: try again.
    let queryFree = false;
    for (let attempt = 0; attempt < 5 && !queryFree; attempt++) {
      queries = [];
      await app.graphql(FEED_100);
      queryFree = queries.length === 0;
    }
    expect(queryFree).toBe(true);
  });

  it('shows an edit, an author’s new role and a deletion at once', async () => {
    const writer = await signUpUser(app);
    const post = await draft(writer.accessToken);
    await app.graphql(PUBLISH, { id: post.id }, { token: writer.accessToken });
    expect(await feedNode(post.id)).toMatchObject({ title: 'A title', author: { role: 'USER' } });

    await app.graphql(UPDATE, { id: post.id, t: 'Edited' }, { token: writer.accessToken });
    expect((await feedNode(post.id))?.title).toBe('Edited');

    await setRole(app, adminToken, writer.user.id, 'VIEWER');
    expect((await feedNode(post.id))?.author.role).toBe('VIEWER');

    await app.graphql(DELETE, { id: post.id }, { token: adminToken });
    expect(await feedNode(post.id)).toBeUndefined();
  });
});
