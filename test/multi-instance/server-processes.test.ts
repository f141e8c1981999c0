import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { createScratchDatabase, queryOnce } from '../helpers/scratch-database.js';
import { adminEnv, logIn } from '../helpers/actors.js';
import { CREATE_POST, REVOKE_SESSION, SET_USER_ROLE, createPost } from '../helpers/operations.js';
import { LOGIN, ME, PASSWORD, REFRESH, graphqlAt, outcome, postGraphQL, signUpUser } from '../helpers/test-app.js';
import { describeWithPostgres } from '../helpers/describe-with-postgres.js';
import { subscriptionClient } from '../helpers/subscription-client.js';

// Three real server processes (`node dist/main.js`) on one PostgreSQL, as behind a load
// balancer: what one instance does, the others must honour.
const databaseUrl = process.env.DATABASE_URL;

const MIGRATIONS = readdirSync(new URL('../../migrations', import.meta.url)).filter((file) => file.endsWith('.sql'));
const ADMIN = adminEnv('ops@example.com');
const LOGOUT = 'mutation { logout }';
const SESSIONS = '{ mySessions { id current } }';

type Tokens = { accessToken: string; refreshToken: string; user: { id: string } };
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

describeWithPostgres('three server processes on one PostgreSQL', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let servers: ServerProcess[];
  let a: ServerProcess;
  let b: ServerProcess;
  let c: ServerProcess;
  let adminToken: string;

  beforeAll(async () => {
    scratch = await createScratchDatabase(databaseUrl!);
    const env = (name: string) => ({
      DATABASE_URL: `${scratch.url}?application_name=gatehouse-${name}`,
      JWT_SECRET: 'a shared secret of at least thirty-two bytes',
      ...ADMIN,
      REFRESH_REUSE_GRACE_SECONDS: '0',
      LOGIN_MAX_FAILURES: '3',
    });
    // All three at once, on an empty database: each one migrates and bootstraps the admin.
    servers = await Promise.all(['a', 'b', 'c'].map((name) => startServerProcess(env(name))));
    [a, b, c] = servers as [ServerProcess, ServerProcess, ServerProcess];
    adminToken = (await logIn(graphqlAt(a.url), ADMIN.ADMIN_EMAIL, ADMIN.ADMIN_PASSWORD)).accessToken;
  }, 60_000);

  afterAll(async () => {
    await Promise.all((servers ?? []).map((server) => server.stop('SIGKILL')));
    await scratch?.drop();
  });

  it('come up together on an empty database, which each migration reaches exactly once', async () => {
    const applied = await queryOnce<{ hash: string }>(scratch.url, 'select hash from drizzle.__drizzle_migrations');
    expect(applied).toHaveLength(MIGRATIONS.length);
    expect(new Set(applied.map((row) => row.hash)).size).toBe(MIGRATIONS.length);
    for (const server of servers) {
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
      expect(server.output()).not.toMatch(/"level":(50|60)|failed to start/);
    }
    const admins = await queryOnce<{ count: string }>(scratch.url, "select count(*) from users where role = 'ADMIN'");
    expect(admins[0]!.count).toBe('1');
  });

  const signUpOn = (server: ServerProcess): Promise<Tokens & { email: string }> => signUpUser(graphqlAt(server.url));

  // Polls `me` on each server every 5 ms until the token is refused; the delay from the
  // acknowledgement of the revocation to the last server refusing it.
  async function revocationDelay(token: string, revoke: () => Promise<unknown>): Promise<number> {
    for (const server of [b, c]) expect(outcome(await postGraphQL(server.url, ME, {}, { token }))).toBe('OK');
    await revoke();
    const revokedAt = performance.now();
    await Promise.all(
      [b, c].map(async (server) => {
        for (;;) {
          const result = outcome(await postGraphQL(server.url, ME, {}, { token }));
          if (result !== 'OK') {
            expect(result).toEqual({ code: 'UNAUTHENTICATED', reason: 'SESSION_REVOKED' });
            return;
          }
          if (performance.now() - revokedAt > 2_000) throw new Error('still accepted after 2 s');
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }),
    );
    return performance.now() - revokedAt;
  }

  it('a logout on A is refused on B and C within 1 s (50 trials)', async () => {
    const user = await signUpOn(a);
    const delays: number[] = [];
    for (let trial = 0; trial < 50; trial++) {
      const login = await postGraphQL(a.url, LOGIN, { email: user.email, password: PASSWORD });
      const token = (login.body.data!.login as Tokens).accessToken;
      delays.push(await revocationDelay(token, () => postGraphQL(a.url, LOGOUT, {}, { token })));
    }
    console.log(`logout on A → refused on B and C: median ${median(delays).toFixed(1)} ms, max ${Math.max(...delays).toFixed(1)} ms over ${delays.length} trials`);
    expect(Math.max(...delays)).toBeLessThan(1_000);
  }, 60_000);

  it('a revokeSession on A is refused on B and C within 1 s (10 trials)', async () => {
    const user = await signUpOn(a);
    const delays: number[] = [];
    for (let trial = 0; trial < 10; trial++) {
      const login = await postGraphQL(b.url, LOGIN, { email: user.email, password: PASSWORD });
      const victim = login.body.data!.login as Tokens;
      const sessions = await postGraphQL(b.url, SESSIONS, {}, { token: victim.accessToken });
      const id = (sessions.body.data!.mySessions as Array<{ id: string; current: boolean }>).find((s) => s.current)!.id;
      delays.push(await revocationDelay(victim.accessToken, () => postGraphQL(a.url, REVOKE_SESSION, { id }, { token: user.accessToken })));
    }
    console.log(`revokeSession on A → refused on B and C: median ${median(delays).toFixed(1)} ms, max ${Math.max(...delays).toFixed(1)} ms`);
    expect(Math.max(...delays)).toBeLessThan(1_000);
  }, 30_000);

  it('a setUserRole on A applies on B within 1 s, without logging the user out', async () => {
    const user = await signUpOn(b);
    const roleOn = async (server: ServerProcess) =>
      ((await postGraphQL(server.url, ME, {}, { token: user.accessToken })).body.data!.me as { role: string }).role;
    expect(await roleOn(b)).toBe('USER');
    const changed = await postGraphQL(a.url, SET_USER_ROLE, { userId: user.user.id, role: 'VIEWER' }, { token: adminToken });
    expect(changed.body.errors).toBeUndefined();
    const changedAt = performance.now();
    while ((await roleOn(b)) !== 'VIEWER') {
      expect(performance.now() - changedAt).toBeLessThan(1_000);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    console.log(`setUserRole on A → applied on B after ${(performance.now() - changedAt).toFixed(1)} ms`);
    // The scope followed the role, on a third instance too.
    expect(outcome(await postGraphQL(c.url, CREATE_POST, { title: 't', body: 'b' }, { token: user.accessToken }))).toEqual({ code: 'FORBIDDEN' });
  });

  it('delivers a post published on A to subscribers on B and C, once each, and closes B’s socket when A revokes it', async () => {
    const author = await signUpOn(a);
    const watcher = await signUpOn(b);
    const onB = subscriptionClient(b.url, { authorization: `Bearer ${watcher.accessToken}` });
    const onC = subscriptionClient(c.url);
    try {
      const subscriptions = [onB, onC].map((client) => client.subscribe('subscription { postPublished { id author { id } } }'));
      await Promise.all([onB.connected, onC.connected]);
      // Nothing acknowledges a subscribe message: give both a moment to register.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const id = await createPost(graphqlAt(a.url), author.accessToken, { publish: true });
      for (const subscription of subscriptions) {
        expect((await subscription.next()).data).toEqual({ postPublished: { id, author: { id: author.user.id } } });
      }

      const revokedAt = performance.now();
      await postGraphQL(a.url, LOGOUT, {}, { token: watcher.accessToken });
      const closed = await onB.closed;
      expect(closed).toMatchObject({ code: 4401, reason: 'SESSION_REVOKED' });
      console.log(`logout on A → B's subscription socket closed after ${(closed.at - revokedAt).toFixed(1)} ms`);
      expect(closed.at - revokedAt).toBeLessThan(1_000);
      // Each instance heard of the post once: no second delivery arrived meanwhile.
      expect(subscriptions.map((subscription) => subscription.received.length)).toEqual([1, 1]);
    } finally {
      await Promise.all([onB.dispose(), onC.dispose()]);
    }
  });

  it('shows an edit made on A in B’s cached feed within 1 s', async () => {
    const author = await signUpOn(a);
    const id = await createPost(graphqlAt(a.url), author.accessToken, { publish: true });
    const titleOnB = async () => {
      const feed = await postGraphQL(b.url, '{ feed(first: 100) { edges { node { id title } } } }');
      return (feed.body.data!.feed as { edges: Array<{ node: { id: string; title: string } }> }).edges.find((e) => e.node.id === id)?.node.title;
    };
    expect(await titleOnB()).toBe('t'); // now in B's cache
    await postGraphQL(a.url, 'mutation ($id: ID!) { updatePost(id: $id, title: "edited") { id } }', { id }, { token: author.accessToken });
    const editedAt = performance.now();
    while ((await titleOnB()) !== 'edited') {
      expect(performance.now() - editedAt).toBeLessThan(1_000);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  });

  it('counts failed logins on A, B and C against one limit', async () => {
    const user = await signUpOn(c);
    for (const server of [a, b, c]) {
      expect(outcome(await postGraphQL(server.url, LOGIN, { email: user.email, password: 'wrong' }))).toEqual({
        code: 'UNAUTHENTICATED',
        reason: 'INVALID_CREDENTIALS',
      });
    }
    for (const server of [a, b, c]) {
      expect(outcome(await postGraphQL(server.url, LOGIN, { email: user.email, password: PASSWORD }))).toEqual({
        code: 'RATE_LIMITED',
        retryAfter: expect.any(Number),
      });
    }
  });

  it('has exactly one winner when 24 refreshes of one token race over two instances (grace 0)', async () => {
    const user = await signUpOn(a);
    const responses = await Promise.all(
      Array.from({ length: 24 }, (_, i) => postGraphQL((i % 2 === 0 ? a : b).url, REFRESH, { refreshToken: user.refreshToken })),
    );
    expect(responses.filter((response) => response.status >= 500)).toEqual([]);
    const winners = responses.filter((response) => response.body.data?.refreshToken);
    expect(winners).toHaveLength(1);
    const reasons = new Set(responses.filter((r) => !r.body.data?.refreshToken).map((r) => (outcome(r) as { reason: string }).reason));
    expect([...reasons].every((reason) => ['REFRESH_TOKEN_REUSED', 'SESSION_REVOKED'].includes(reason))).toBe(true);
  });

  it('closes all of its connections on SIGTERM', async () => {
    const connectionsOf = async (name: string) =>
      Number((await queryOnce<{ count: string }>(databaseUrl!, 'select count(*) from pg_stat_activity where application_name = $1', [name]))[0]!.count);
    expect(await connectionsOf('gatehouse-c')).toBeGreaterThan(0);
    expect(await c.stop('SIGTERM')).toBe(0);
    expect(await connectionsOf('gatehouse-c')).toBe(0);
  });
});
