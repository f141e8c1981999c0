import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { adminEnv, ADMIN_PASSWORD, asAdmin, logIn, userWithRole } from '../helpers/actors.js';
import { describeWithPostgres } from '../helpers/describe-with-postgres.js';
import { REVOKE_SESSION } from '../helpers/operations.js';
import { LOGIN, ME, REFRESH, outcome, signUpUser, startTestApp, uniqueEmail, useTestApp, withTestApp, type TestApp } from '../helpers/test-app.js';

const SET_DISABLED = 'mutation ($id: ID!, $disabled: Boolean!) { setUserDisabled(userId: $id, disabled: $disabled) { id disabled } }';
const REVOKE_ALL = 'mutation ($id: ID!) { revokeUserSessions(userId: $id) }';
const USER_DISABLED_FIELD = 'query { users(first: 100) { edges { node { id disabled } } } }';
const ME_DISABLED = 'query { me { id disabled } }';

const DISABLED = { code: 'UNAUTHENTICATED', reason: 'ACCOUNT_DISABLED' };
const INVALID = { code: 'UNAUTHENTICATED', reason: 'INVALID_CREDENTIALS' };
const REVOKED = { code: 'UNAUTHENTICATED', reason: 'SESSION_REVOKED' };


describe('setUserDisabled', () => {
  const app = useTestApp(adminEnv());
  let admin: string;
  beforeAll(async () => {
    admin = (await asAdmin(app)).accessToken;
  });

  it('revokes every session of the user: its access tokens are SESSION_REVOKED (401) and its refresh tokens refused', async () => {
    const user = await signUpUser(app);
    const second = await logIn(app, user.email, user.password);
    const disabled = await app.graphql(SET_DISABLED, { id: user.user.id, disabled: true }, { token: admin });
    expect(disabled.body).toEqual({ data: { setUserDisabled: { id: user.user.id, disabled: true } } });
    for (const token of [user.accessToken, second.accessToken]) {
      const me = await app.graphql(ME, {}, { token });
      expect(me.status).toBe(401);
      expect(outcome(me)).toEqual(REVOKED);
    }
    for (const refreshToken of [user.refreshToken, second.refreshToken]) {
      expect(outcome(await app.graphql(REFRESH, { refreshToken }))).toEqual(REVOKED);
    }
  });

  it('answers ACCOUNT_DISABLED to the right password and INVALID_CREDENTIALS to a wrong one; enabling lets the user in again', async () => {
    const user = await signUpUser(app);
    await app.graphql(SET_DISABLED, { id: user.user.id, disabled: true }, { token: admin });
    const right = await app.graphql(LOGIN, { email: user.email, password: user.password });
    expect(right.body.data).toBeNull();
    expect(outcome(right)).toEqual(DISABLED);
    expect(outcome(await app.graphql(LOGIN, { email: user.email, password: 'not the password' }))).toEqual(INVALID);

    const enabled = await app.graphql(SET_DISABLED, { id: user.user.id, disabled: false }, { token: admin });
    expect(enabled.body).toEqual({ data: { setUserDisabled: { id: user.user.id, disabled: false } } });
    const again = await logIn(app, user.email, user.password);
    expect(outcome(await app.graphql(ME, {}, { token: again.accessToken }))).toBe('OK');
    // Enabling does not bring back the sessions that disabling ended.
    expect((await app.graphql(ME, {}, { token: user.accessToken })).status).toBe(401);
  });

  it('refuses the refresh token of a disabled user\'s session with SESSION_REVOKED', async () => {
    const user = await signUpUser(app);
    await app.graphql(SET_DISABLED, { id: user.user.id, disabled: true }, { token: admin });
    expect(outcome(await app.graphql(REFRESH, { refreshToken: user.refreshToken }))).toEqual(REVOKED);
  });

  it('is ADMIN only: a USER and a VIEWER get FORBIDDEN, anonymous TOKEN_MISSING, and nothing changes', async () => {
    const target = await signUpUser(app);
    for (const role of ['USER', 'VIEWER'] as const) {
      const caller = await userWithRole(app, role, admin);
      const response = await app.graphql(SET_DISABLED, { id: target.user.id, disabled: true }, { token: caller.accessToken });
      expect(outcome(response)).toMatchObject({ code: 'FORBIDDEN' });
      expect(outcome(await app.graphql(REVOKE_ALL, { id: target.user.id }, { token: caller.accessToken }))).toMatchObject({ code: 'FORBIDDEN' });
    }
    expect(outcome(await app.graphql(SET_DISABLED, { id: target.user.id, disabled: true }))).toMatchObject({ reason: 'TOKEN_MISSING' });
    expect(outcome(await app.graphql(ME, {}, { token: target.accessToken }))).toBe('OK');
  });

  it('answers NOT_FOUND for an unknown or malformed user id', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      expect(outcome(await app.graphql(SET_DISABLED, { id, disabled: true }, { token: admin }))).toMatchObject({ code: 'NOT_FOUND' });
      expect(outcome(await app.graphql(REVOKE_ALL, { id }, { token: admin }))).toMatchObject({ code: 'NOT_FOUND' });
    }
  });

  it('lets an admin disable another admin; the disabled admin can no longer act', async () => {
    const other = await userWithRole(app, 'ADMIN', admin);
    expect(outcome(await app.graphql(SET_DISABLED, { id: other.user.id, disabled: true }, { token: admin }))).toBe('OK');
    expect((await app.graphql(USER_DISABLED_FIELD, {}, { token: other.accessToken })).status).toBe(401);
    expect(outcome(await app.graphql(LOGIN, { email: other.email, password: other.password }))).toEqual(DISABLED);
  });
});

describe('User.disabled', () => {
  const app = useTestApp(adminEnv());

  it('is visible to admins, and null with FORBIDDEN to the user themselves and to others', async () => {
    const admin = (await asAdmin(app)).accessToken;
    const user = await signUpUser(app);
    const listed = await app.graphql(USER_DISABLED_FIELD, {}, { token: admin });
    expect(listed.body.errors).toBeUndefined();
    expect(listed.body.data!.users.edges).toContainEqual({ node: { id: user.user.id, disabled: false } });

    const own = await app.graphql(ME_DISABLED, {}, { token: user.accessToken });
    expect(own.body.data).toEqual({ me: { id: user.user.id, disabled: null } });
    expect(own.body.errors).toEqual([expect.objectContaining({ path: ['me', 'disabled'], extensions: expect.objectContaining({ code: 'FORBIDDEN' }) })]);
  });
});

describe('revokeUserSessions', () => {
  const app = useTestApp(adminEnv());

  it('revokes every live session of the user and answers how many; a second call answers 0', async () => {
    const admin = (await asAdmin(app)).accessToken;
    const user = await signUpUser(app);
    const second = await logIn(app, user.email, user.password);
    const third = await logIn(app, user.email, user.password);
    // One already ended by the user is not counted.
    const mine = await app.graphql('query { mySessions { id current } }', {}, { token: third.accessToken });
    const thirdId = mine.body.data!.mySessions.find((session: { current: boolean }) => session.current).id;
    await app.graphql(REVOKE_SESSION, { id: thirdId }, { token: second.accessToken });

    expect((await app.graphql(REVOKE_ALL, { id: user.user.id }, { token: admin })).body).toEqual({ data: { revokeUserSessions: 2 } });
    for (const token of [user.accessToken, second.accessToken]) expect(outcome(await app.graphql(ME, {}, { token }))).toEqual(REVOKED);
    expect(outcome(await app.graphql(REFRESH, { refreshToken: user.refreshToken }))).toEqual(REVOKED);
    expect((await app.graphql(REVOKE_ALL, { id: user.user.id }, { token: admin })).body).toEqual({ data: { revokeUserSessions: 0 } });
    // The account itself still works.
    expect(outcome(await app.graphql(LOGIN, { email: user.email, password: user.password }))).toBe('OK');
  });
});

describe('the last enabled admin', () => {
  const LAST_ADMIN = { code: 'BAD_USER_INPUT', field: 'userId', reason: 'LAST_ADMIN' };

  it('cannot be disabled, not even by themselves; with a second admin, either may disable the other', async () => {
    await withTestApp(adminEnv(uniqueEmail('solo')), async (solo) => {
      const root = await asAdmin(solo);
      expect(outcome(await solo.graphql(SET_DISABLED, { id: root.user.id, disabled: true }, { token: root.accessToken }))).toEqual(LAST_ADMIN);
      expect(outcome(await solo.graphql(ME, {}, { token: root.accessToken }))).toBe('OK');

      const second = await userWithRole(solo, 'ADMIN', root.accessToken);
      expect(outcome(await solo.graphql(SET_DISABLED, { id: root.user.id, disabled: true }, { token: second.accessToken }))).toBe('OK');
      // Now `second` is the last enabled admin: it can neither be disabled nor demoted.
      expect(outcome(await solo.graphql(SET_DISABLED, { id: second.user.id, disabled: true }, { token: second.accessToken }))).toEqual(LAST_ADMIN);
      const demote = 'mutation ($id: ID!) { setUserRole(userId: $id, role: USER) { id } }';
      expect(outcome(await solo.graphql(demote, { id: second.user.id }, { token: second.accessToken }))).toMatchObject({ reason: 'LAST_ADMIN' });
      // Enabled again, root can sign in.
      await solo.graphql(SET_DISABLED, { id: root.user.id, disabled: false }, { token: second.accessToken });
      expect(outcome(await solo.graphql(LOGIN, { email: root.user.email, password: ADMIN_PASSWORD }))).toBe('OK');
    });
  });
});

describeWithPostgres('setUserDisabled across two instances on one PostgreSQL', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    a = await startTestApp(adminEnv());
    b = await startTestApp({ JWT_SECRET: a.jwtSecret, DATABASE_URL: a.databaseUrl! });
  });
  afterAll(async () => {
    // B first: A's stop drops the database they share (on the PostgreSQL pass).
    await b?.stop();
    await a?.stop();
  });

  it('disabling on A rejects the user\'s token on B within 1 s, though B had it cached (10 trials)', async () => {
    const admin = (await asAdmin(a)).accessToken;
    for (let trial = 0; trial < 10; trial++) {
      const user = await signUpUser(a);
      expect(outcome(await b.graphql(ME, {}, { token: user.accessToken }))).toBe('OK');
      await a.graphql(SET_DISABLED, { id: user.user.id, disabled: true }, { token: admin });
      const started = Date.now();
      for (;;) {
        const response = await b.graphql(ME, {}, { token: user.accessToken });
        if (response.status === 401) {
          expect(outcome(response)).toEqual(REVOKED);
          break;
        }
        expect(Date.now() - started).toBeLessThan(1_000);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
  });
});
