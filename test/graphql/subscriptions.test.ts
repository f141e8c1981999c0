import { performance } from 'node:perf_hooks';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { adminEnv, asAdmin, logIn } from '../helpers/actors.js';
import { createPost, PUBLISH_POST, REVOKE_SESSION } from '../helpers/operations.js';
import { signUpUser, startTestApp, type TestApp } from '../helpers/test-app.js';
import { claimsOf, expiredCopy, sessionIdOf } from '../helpers/token-claims.js';
import { subscriptionClient, type Received, type Subscription, type SubscriptionClient } from '../helpers/subscription-client.js';

const POST_PUBLISHED = 'subscription { postPublished { id title published author { id email } } }';

let app: TestApp;
let adminToken: string;
const clients: SubscriptionClient[] = [];

beforeAll(async () => {
  app = await startTestApp(adminEnv());
  adminToken = (await asAdmin(app)).accessToken;
});
afterAll(async () => {
  await Promise.all(clients.map((client) => client.dispose()));
  await app?.stop();
});

function open(connectionParams: Record<string, unknown> = {}): SubscriptionClient {
  const client = subscriptionClient(app.url, connectionParams);
  clients.push(client);
  return client;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

const publishNew = (token: string, title = 'A post') => createPost(app, token, { title, body: 'text', publish: true });

/** The next result about one of `postIds` (the file's other tests publish too). */
async function nextAbout(subscription: Subscription, postIds: ReadonlySet<string>, timeoutMs = 5_000): Promise<Received> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const result = await subscription.next(Math.max(1, deadline - performance.now()));
    if (postIds.has(result.data?.postPublished?.id)) return result;
  }
}

/**
 * Resolves once the server has registered the subscriptions: the subscribe message has no
 * acknowledgement, so publish probe posts until every subscription has seen one.
 */
async function ready(subscriptions: Subscription[], token: string): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const probe = await publishNew(token, 'probe');
    const seen = await Promise.all(
      subscriptions.map((subscription) => nextAbout(subscription, new Set([probe]), 250).then(() => true, () => false)),
    );
    if (seen.every(Boolean)) return;
  }
  throw new Error('the subscriptions never became active');
}

describe('postPublished', () => {
  it('reaches anonymous and authenticated subscribers, with the same field rules as over HTTP', async () => {
    const author = await signUpUser(app);
    const anonymous = open().subscribe(POST_PUBLISHED);
    const own = open(bearer(author.accessToken)).subscribe(POST_PUBLISHED);
    await ready([anonymous, own], author.accessToken);

    const draft = await createPost(app, author.accessToken, { title: 'still a draft', body: 'text' });
    const id = await publishNew(author.accessToken, 'Hello subscribers');
    const toAnonymous = await nextAbout(anonymous, new Set([id, draft]));
    const toAuthor = await nextAbout(own, new Set([id, draft]));

    expect(toAnonymous.data!.postPublished).toEqual({
      id,
      title: 'Hello subscribers',
      published: true,
      author: { id: author.user.id, email: null },
    });
    expect(toAnonymous.errors).toEqual([
      expect.objectContaining({ path: ['postPublished', 'author', 'email'], extensions: { code: 'FORBIDDEN' } }),
    ]);
    expect(toAuthor.data!.postPublished.author).toEqual({ id: author.user.id, email: author.email });
    expect(toAuthor.errors).toBeUndefined();

    // Publishing again is a no-op, and emits nothing.
    await app.graphql(PUBLISH_POST, { id }, { token: author.accessToken });
    const marker = await publishNew(author.accessToken, 'marker');
    expect((await nextAbout(anonymous, new Set([id, marker]))).data!.postPublished.id).toBe(marker);
  });

  it('follows a role change on the open socket: promoted to ADMIN, the next event shows the email', async () => {
    const author = await signUpUser(app);
    const watcher = await signUpUser(app);
    const subscription = open(bearer(watcher.accessToken)).subscribe(POST_PUBLISHED);
    await ready([subscription], author.accessToken);

    const before = await publishNew(author.accessToken);
    expect((await nextAbout(subscription, new Set([before]))).data!.postPublished.author.email).toBeNull();

    const promoted = await app.graphql(
      'mutation ($id: ID!) { setUserRole(userId: $id, role: ADMIN) { role } }',
      { id: watcher.user.id },
      { token: adminToken },
    );
    expect(promoted.body.data).toEqual({ setUserRole: { role: 'ADMIN' } });
    const after = await publishNew(author.accessToken);
    const result = await nextAbout(subscription, new Set([after]));
    expect(result.data!.postPublished.author.email).toBe(author.email);
    expect(result.errors).toBeUndefined();
  });
});

describe('the token in connection_init', () => {
  it('closes the socket with 4401 before any data for a bad, expired or malformed token', async () => {
    const user = await signUpUser(app);
    const expired = expiredCopy(user.accessToken, app.jwtSecret);
    const cases: Array<[Record<string, unknown>, string]> = [
      [bearer(`${user.accessToken}x`), 'TOKEN_INVALID'],
      [bearer(expired), 'TOKEN_EXPIRED'],
      [{ authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }, 'TOKEN_INVALID'],
      [{ authorization: 42 }, 'TOKEN_INVALID'],
      [{ authorization: ['Bearer', user.accessToken] }, 'TOKEN_INVALID'],
    ];
    for (const [params, reason] of cases) {
      const client = open(params);
      const subscription = client.subscribe(POST_PUBLISHED);
      expect(await client.closed).toMatchObject({ code: 4401, reason });
      expect(subscription.received).toEqual([]);
    }
  });

  it('accepts the header under either spelling, and no payload at all as anonymous', async () => {
    const user = await signUpUser(app);
    for (const params of [bearer(user.accessToken), { Authorization: `bearer ${user.accessToken}` }, {}]) {
      const client = open(params);
      await client.connected;
      await client.dispose();
    }
  });

  it('closes the socket with 4401 SESSION_REVOKED within 1 s of a logout', async () => {
    const user = await signUpUser(app);
    const client = open(bearer(user.accessToken));
    client.subscribe(POST_PUBLISHED);
    await client.connected;
    const started = performance.now();
    const logout = await app.graphql('mutation { logout }', {}, { token: user.accessToken });
    expect(logout.body.data).toEqual({ logout: true });
    const closed = await client.closed;
    expect(closed).toMatchObject({ code: 4401, reason: 'SESSION_REVOKED' });
    expect(closed.at - started).toBeLessThan(1_000);
  });

  it('closes the socket when another session revokes it, and leaves the user’s other sockets open', async () => {
    const user = await signUpUser(app);
    const other = await logIn(app, user.email, user.password);
    const revoked = open(bearer(user.accessToken));
    const kept = open(bearer(other.accessToken));
    const keptSubscription = kept.subscribe(POST_PUBLISHED);
    await Promise.all([revoked.connected, kept.connected]);
    const sessionId = sessionIdOf(user.accessToken);
    const answer = await app.graphql(REVOKE_SESSION, { id: sessionId }, { token: other.accessToken });
    expect(answer.body.data).toEqual({ revokeSession: true });
    expect(await revoked.closed).toMatchObject({ code: 4401, reason: 'SESSION_REVOKED' });
    await ready([keptSubscription], other.accessToken);
  });
});

describe('token expiry on an open socket', () => {
  let shortLived: TestApp;
  beforeAll(async () => {
    shortLived = await startTestApp({ ACCESS_TOKEN_TTL_SECONDS: '1' });
  });
  afterAll(() => shortLived?.stop());

  it('closes with 4401 TOKEN_EXPIRED at exp + the 5 s tolerance, not before, within 1 s after', async () => {
    const user = await signUpUser(shortLived);
    const client = subscriptionClient(shortLived.url, bearer(user.accessToken));
    clients.push(client);
    client.subscribe(POST_PUBLISHED);
    await client.connected;
    const { exp } = claimsOf(user.accessToken) as { exp: number };
    const closed = await client.closed;
    const closedAtMs = performance.timeOrigin + closed.at;
    expect(closed).toMatchObject({ code: 4401, reason: 'TOKEN_EXPIRED' });
    expect(closedAtMs).toBeGreaterThanOrEqual((exp + 5) * 1000 - 50);
    expect(closedAtMs).toBeLessThanOrEqual((exp + 5 + 1) * 1000);
  }, 15_000);
});

describe('what the socket refuses', () => {
  it('serves subscriptions only: queries and mutations belong on HTTP', async () => {
    const client = open();
    for (const query of ['{ me { id } }', 'mutation { logout }']) {
      const { error } = await client.subscribe(query).ended;
      expect(error).toEqual([expect.objectContaining({ extensions: { code: 'BAD_REQUEST' } })]);
    }
  });

  it('applies the HTTP limits: syntax, validation, depth, cost', async () => {
    const client = open();
    const deep = `subscription { postPublished { author { posts { edges { node { author { posts { edges { node { author { posts { edges { node { id } } } } } } } } } } } } } }`;
    const costly = 'subscription { postPublished { author { posts(first: 100) { edges { node { author { posts(first: 100) { edges { node { id } } } } } } } } } }';
    const cases: Array<[string, string]> = [
      ['subscription {', 'GRAPHQL_PARSE_FAILED'],
      ['subscription { postPublished { nope } }', 'GRAPHQL_VALIDATION_FAILED'],
      [deep, 'GRAPHQL_VALIDATION_FAILED'],
      [costly, 'GRAPHQL_VALIDATION_FAILED'],
      [`subscription { postPublished { ${'id '.repeat(5_001)} } }`, 'GRAPHQL_PARSE_FAILED'],
    ];
    for (const [query, code] of cases) {
      const { error } = await client.subscribe(query).ended;
      expect([query.slice(0, 40), error]).toEqual([query.slice(0, 40), [expect.objectContaining({ extensions: { code } })]]);
    }
    // The socket survives all of them.
    const subscription = client.subscribe(POST_PUBLISHED);
    await ready([subscription], (await signUpUser(app)).accessToken);
  });

  it('reports bad variables as BAD_USER_INPUT', async () => {
    const subscription = open().subscribe('subscription ($n: Int!) { postPublished { author { posts(first: $n) { totalCount } } } }', {
      n: 'x',
    });
    expect(await subscription.ended).toEqual({
      error: [expect.objectContaining({ message: expect.stringContaining('$n'), extensions: { code: 'BAD_USER_INPUT' } })],
    });
  });

  it('refuses upgrades on other paths and sockets without the graphql-transport-ws protocol', async () => {
    const { port } = new URL(app.url);
    const response = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () =>
        socket.write(
          'GET /elsewhere HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
            'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
        ),
      );
      let text = '';
      socket.on('data', (chunk) => (text += chunk));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(response).toMatch(/^HTTP\/1\.1 404/);

    const { default: WebSocket } = await import('ws');
    const plain = new WebSocket(`${app.url.replace('http', 'ws')}/graphql`);
    const code = await new Promise<number>((resolve) => plain.on('close', resolve));
    expect(code).toBe(4406);
  });

  it('answers the server shutting down with 1001, so clients reconnect elsewhere', async () => {
    const other = await startTestApp();
    const client = subscriptionClient(other.url);
    client.subscribe(POST_PUBLISHED);
    await client.connected;
    await other.stop();
    expect(await client.closed).toMatchObject({ code: 1001 });
  });
});
