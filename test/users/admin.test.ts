import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { adminEnv, ADMIN_PASSWORD, asAdmin, userWithRole } from '../helpers/actors.js';
import { LOGIN, ME, outcome, signUpUser, startTestApp, uniqueEmail, type TestApp, withTestApp } from '../helpers/test-app.js';

const USERS = `query ($first: Int, $after: String) {
  users(first: $first, after: $after) {
    edges { cursor node { id email role } }
    pageInfo { hasNextPage endCursor }
    totalCount
  }
}`;

const SET_ROLE = 'mutation ($id: ID!, $role: Role!) { setUserRole(userId: $id, role: $role) { id role } }';

let app: TestApp;
let adminEmail: string;
let admin: string;
beforeAll(async () => {
  adminEmail = uniqueEmail('admin');
  app = await startTestApp(adminEnv(adminEmail));
  admin = (await asAdmin(app)).accessToken;
});
afterAll(() => app?.stop());

describe('ADMIN_EMAIL / ADMIN_PASSWORD', () => {
  it('creates the admin on start', async () => {
    expect((await app.graphql(ME, {}, { token: admin })).body.data!.me).toMatchObject({ email: adminEmail, role: 'ADMIN' });
  });

  /** Stops the app and starts it again on the same data with ADMIN_EMAIL / ADMIN_PASSWORD. */
  async function restartWith(adminVariables: { ADMIN_EMAIL: string; ADMIN_PASSWORD: string }): Promise<TestApp> {
    await app.stop({ keepDataDir: true });
    app = await startTestApp({ DATA_DIR: app.dataDir, JWT_SECRET: app.jwtSecret, ...adminVariables });
    return app;
  }

  it('promotes an existing user on a restart when ADMIN_PASSWORD is its password, and is idempotent', async () => {
    const user = await signUpUser(app);
    await restartWith({ ADMIN_EMAIL: user.email.toUpperCase(), ADMIN_PASSWORD: user.password });
    expect((await app.graphql(ME, {}, { token: user.accessToken })).body.data!.me.role).toBe('ADMIN');
    expect(outcome(await app.graphql(LOGIN, { email: user.email, password: user.password }))).toBe('OK');
    await restartWith({ ADMIN_EMAIL: user.email, ADMIN_PASSWORD: user.password });
    expect((await app.graphql(ME, {}, { token: user.accessToken })).body.data!.me.role).toBe('ADMIN');
  });

  it('refuses to start, naming ADMIN_EMAIL, when someone else signed up that email first (ADMIN_PASSWORD is not its password)', async () => {
    const squatter = await signUpUser(app, uniqueEmail('root'), 'the squatter password');
    const { dataDir, jwtSecret } = app;
    await app.stop({ keepDataDir: true });
    const restarting = startTestApp({ DATA_DIR: dataDir, JWT_SECRET: jwtSecret, ...adminEnv(squatter.email) });
    await expect(restarting).rejects.toThrow(/^ADMIN_EMAIL: /);
    // Started again without ADMIN_EMAIL: the squatter is still a USER, with their own password.
    app = await startTestApp({ DATA_DIR: dataDir, JWT_SECRET: jwtSecret });
    expect((await app.graphql(ME, {}, { token: squatter.accessToken })).body.data!.me.role).toBe('USER');
    expect(outcome(await app.graphql(LOGIN, { email: squatter.email, password: 'the squatter password' }))).toBe('OK');
    expect(outcome(await app.graphql(LOGIN, { email: squatter.email, password: ADMIN_PASSWORD }))).toMatchObject({ reason: 'INVALID_CREDENTIALS' });
  });

  it('leaves an account that is already ADMIN as it is, whatever ADMIN_PASSWORD says', async () => {
    const other = await userWithRole(app, 'ADMIN', admin);
    await restartWith({ ADMIN_EMAIL: other.email, ADMIN_PASSWORD: 'not the password of that admin' });
    expect((await app.graphql(ME, {}, { token: other.accessToken })).body.data!.me.role).toBe('ADMIN');
    // Its password is unchanged: the old one logs in, ADMIN_PASSWORD does not.
    expect(outcome(await app.graphql(LOGIN, { email: other.email, password: other.password }))).toBe('OK');
    expect(outcome(await app.graphql(LOGIN, { email: other.email, password: 'not the password of that admin' }))).toMatchObject({
      reason: 'INVALID_CREDENTIALS',
    });
  });

  it.each([
    [{ ADMIN_EMAIL: 'not an email', ADMIN_PASSWORD: 'long enough password' }, 'ADMIN_EMAIL: Enter a valid email address.'],
    [{ ADMIN_EMAIL: 'root@example.com', ADMIN_PASSWORD: 'short' }, 'ADMIN_PASSWORD: The password must be at least 8 characters long.'],
  ])('refuses to start with %j', async (env, message) => {
    await expect(startTestApp(env)).rejects.toMatchObject({ message });
  });
});

describe('users', () => {
  it('requires a token, then the ADMIN role', async () => {
    expect(outcome(await app.graphql(USERS))).toEqual({ code: 'UNAUTHENTICATED', reason: 'TOKEN_MISSING' });
    const user = await signUpUser(app);
    const response = await app.graphql(USERS, {}, { token: user.accessToken });
    expect(outcome(response)).toEqual({ code: 'FORBIDDEN' });
    expect(response.body.data).toBeNull();
  });

  it('pages through every user newest first, each once, with emails visible to the admin', async () => {
    for (let i = 0; i < 5; i++) await signUpUser(app);
    const seen: string[] = [];
    let after: string | null = null;
    let total = 0;
    for (;;) {
      type UsersPage = {
        edges: Array<{ cursor: string; node: { id: string; email: string } }>;
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
        totalCount: number;
      };
      const response = await app.graphql<{ users: UsersPage }>(USERS, { first: 2, after }, { token: admin });
      const page: UsersPage = response.body.data!.users;
      total = page.totalCount;
      for (const edge of page.edges) {
        seen.push(edge.node.id);
        expect(edge.node.email).toEqual(expect.stringContaining('@'));
      }
      expect(page.pageInfo.endCursor).toBe(page.edges.at(-1)?.cursor ?? null);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toHaveLength(total);
    expect(total).toBeGreaterThanOrEqual(6);
    const newest = (await app.graphql(USERS, { first: 1 }, { token: admin })).body.data!.users.edges[0].node;
    expect(newest.id).toBe(seen[0]);
  });

  it('answers first: 0 with no edges', async () => {
    const { body } = await app.graphql(USERS, { first: 0 }, { token: admin });
    expect(body.data!.users).toMatchObject({ edges: [], pageInfo: { hasNextPage: true, endCursor: null } });
  });

  it.each([
    ['a negative first', { first: -1 }, 'first'],
    ['a malformed after', { after: 'not-a-cursor' }, 'after'],
    ['an after that is a bare id', { after: Buffer.from(randomUUID()).toString('base64url') }, 'after'],
  ])('refuses %s with BAD_USER_INPUT', async (_label, variables, field) => {
    expect(outcome(await app.graphql(USERS, variables, { token: admin }))).toEqual({ code: 'BAD_USER_INPUT', field });
  });

  it('refuses a tampered cursor', async () => {
    const cursor: string = (await app.graphql(USERS, { first: 1 }, { token: admin })).body.data!.users.edges[0].cursor;
    const tampered = `${cursor.slice(0, 5)}${cursor[5] === 'A' ? 'B' : 'A'}${cursor.slice(6)}`;
    expect(outcome(await app.graphql(USERS, { after: tampered }, { token: admin }))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'after',
    });
  });
});

describe('users with more than 100', () => {
  it('treats first above 100 as 100', async () => {
    await withTestApp(adminEnv(), async (many) => {
      for (let i = 0; i < 101; i += 10) {
        await Promise.all(Array.from({ length: Math.min(10, 101 - i) }, () => signUpUser(many)));
      }
      const token = (await asAdmin(many)).accessToken;
      const page = (await many.graphql(USERS, { first: 1000 }, { token })).body.data!.users;
      expect(page.edges).toHaveLength(100);
      expect(page.pageInfo.hasNextPage).toBe(true);
      expect(page.totalCount).toBeGreaterThanOrEqual(102);
    });
  });
});

describe('setUserRole', () => {
  it('requires a token, then the ADMIN role', async () => {
    const user = await signUpUser(app);
    expect(outcome(await app.graphql(SET_ROLE, { id: user.user.id, role: 'ADMIN' }))).toEqual({
      code: 'UNAUTHENTICATED',
      reason: 'TOKEN_MISSING',
    });
    expect(outcome(await app.graphql(SET_ROLE, { id: user.user.id, role: 'ADMIN' }, { token: user.accessToken }))).toEqual({
      code: 'FORBIDDEN',
    });
    expect((await app.graphql(ME, {}, { token: user.accessToken })).body.data!.me.role).toBe('USER');
  });

  it("changes the role, which applies to the user's next request without a new login", async () => {
    const user = await signUpUser(app);
    const { body } = await app.graphql(SET_ROLE, { id: user.user.id, role: 'VIEWER' }, { token: admin });
    expect(body.data!.setUserRole).toEqual({ id: user.user.id, role: 'VIEWER' });
    expect((await app.graphql(ME, {}, { token: user.accessToken })).body.data!.me.role).toBe('VIEWER');

    await app.graphql(SET_ROLE, { id: user.user.id, role: 'ADMIN' }, { token: admin });
    const promoted = await app.graphql(USERS, { first: 1 }, { token: user.accessToken });
    expect(outcome(promoted)).toBe('OK');
  });

  it.each([['an unknown id', randomUUID()], ['a malformed id', 'x']])('answers %s with NOT_FOUND', async (_label, id) => {
    expect(outcome(await app.graphql(SET_ROLE, { id, role: 'USER' }, { token: admin }))).toEqual({ code: 'NOT_FOUND' });
  });

  it('refuses an unknown role as GraphQL validation', async () => {
    const response = await app.graphql(SET_ROLE, { id: randomUUID(), role: 'GOD' }, { token: admin });
    expect(response.status).toBe(400);
    expect(outcome(response)).toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('never demotes the last admin, but demotes one of two', async () => {
    await withTestApp(adminEnv(uniqueEmail('solo')), async (solo) => {
      const login = await asAdmin(solo);
      const demoteSelf = await solo.graphql(SET_ROLE, { id: login.user.id, role: 'USER' }, { token: login.accessToken });
      expect(outcome(demoteSelf)).toEqual({ code: 'BAD_USER_INPUT', field: 'role', reason: 'LAST_ADMIN' });

      const other = await userWithRole(solo, 'ADMIN', login.accessToken);
      expect(outcome(await solo.graphql(SET_ROLE, { id: login.user.id, role: 'USER' }, { token: login.accessToken }))).toBe('OK');
      // Now the other one is the last.
      expect(outcome(await solo.graphql(SET_ROLE, { id: other.user.id, role: 'VIEWER' }, { token: other.accessToken }))).toEqual({
        code: 'BAD_USER_INPUT',
        field: 'role',
        reason: 'LAST_ADMIN',
      });
    });
  });

  it('lets exactly one of two admins demoting each other at once succeed', async () => {
    await withTestApp(adminEnv(uniqueEmail('duel')), async (duel) => {
      const a = await asAdmin(duel);
      const b = await userWithRole(duel, 'ADMIN', a.accessToken);
      const results = await Promise.all([
        duel.graphql(SET_ROLE, { id: b.user.id, role: 'USER' }, { token: a.accessToken }),
        duel.graphql(SET_ROLE, { id: a.user.id, role: 'USER' }, { token: b.accessToken }),
      ]);
      const outcomes = results.map((r) => outcome(r));
      expect(outcomes.filter((o) => o === 'OK')).toHaveLength(1);
    });
  });
});
