import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { LOGIN, ME, PASSWORD, REFRESH, outcome, postGraphQL, signUpUser, useTestApp } from '../helpers/test-app.js';
import { REVOKE_SESSION } from '../helpers/operations.js';
import { sessionIdOf as sidOf } from '../helpers/token-claims.js';

const app = useTestApp();

const MY_SESSIONS = 'query { mySessions { id createdAt lastUsedAt userAgent current } }';
const REVOKED = { code: 'UNAUTHENTICATED', reason: 'SESSION_REVOKED' };

async function loginAgain(email: string, password = PASSWORD, userAgent = 'second-device/1.0') {
  const { body } = await postGraphQL(app.url, LOGIN, { email, password }, { headers: { 'user-agent': userAgent } });
  return body.data!.login as { accessToken: string; refreshToken: string };
}

describe('mySessions', () => {
  it('lists the live sessions, newest use first, marking the current one', async () => {
    const user = await signUpUser(app);
    const second = await loginAgain(user.email);
    const { body } = await app.graphql(MY_SESSIONS, {}, { token: second.accessToken });
    const sessions = body.data!.mySessions;
    expect(sessions).toHaveLength(2);
    expect(sessions[0]).toMatchObject({ id: sidOf(second.accessToken), current: true, userAgent: 'second-device/1.0' });
    expect(sessions[1]).toMatchObject({ id: sidOf(user.accessToken), current: false });
    for (const session of sessions) {
      expect(Date.parse(session.createdAt)).not.toBeNaN();
      expect(Date.parse(session.lastUsedAt)).toBeGreaterThanOrEqual(Date.parse(session.createdAt));
    }
  });

  it('requires an access token (UNAUTHENTICATED TOKEN_MISSING)', async () => {
    const { status, body } = await app.graphql(MY_SESSIONS);
    expect(status).toBe(200);
    expect(body.data).toBeNull();
    expect(body.errors![0]!.extensions).toEqual({ code: 'UNAUTHENTICATED', reason: 'TOKEN_MISSING' });
  });

  it('bumps lastUsedAt when the session is refreshed', async () => {
    const user = await signUpUser(app);
    const before = (await app.graphql(MY_SESSIONS, {}, { token: user.accessToken })).body.data!.mySessions[0];
    await new Promise((resolve) => setTimeout(resolve, 20));
    const rotated = (await app.graphql(REFRESH, { refreshToken: user.refreshToken })).body.data!.refreshToken;
    const after = (await app.graphql(MY_SESSIONS, {}, { token: rotated.accessToken })).body.data!.mySessions[0];
    expect(Date.parse(after.lastUsedAt)).toBeGreaterThan(Date.parse(before.lastUsedAt));
  });
});

describe('logout', () => {
  it('ends this session at once: its access and refresh tokens stop working, other sessions do not', async () => {
    const user = await signUpUser(app);
    const other = await loginAgain(user.email);
    expect((await app.graphql('mutation { logout }', {}, { token: user.accessToken })).body).toEqual({
      data: { logout: true },
    });

    const me = await app.graphql(ME, {}, { token: user.accessToken });
    expect(me.status).toBe(401);
    expect(outcome(me)).toEqual(REVOKED);
    expect(outcome(await app.graphql(REFRESH, { refreshToken: user.refreshToken }))).toEqual(REVOKED);
    expect((await app.graphql(ME, {}, { token: other.accessToken })).body.data!.me.id).toBe(user.user.id);
  });

  it('with allSessions ends every session of the caller, and no one else’s', async () => {
    const user = await signUpUser(app);
    const other = await loginAgain(user.email);
    const stranger = await signUpUser(app);
    await app.graphql('mutation { logout(allSessions: true) }', {}, { token: user.accessToken });

    expect(outcome(await app.graphql(ME, {}, { token: user.accessToken }))).toEqual(REVOKED);
    expect(outcome(await app.graphql(ME, {}, { token: other.accessToken }))).toEqual(REVOKED);
    expect(outcome(await app.graphql(REFRESH, { refreshToken: other.refreshToken }))).toEqual(REVOKED);
    expect(outcome(await app.graphql(ME, {}, { token: stranger.accessToken }))).toBe('OK');
  });

  it('requires an access token', async () => {
    expect(outcome(await app.graphql('mutation { logout }'))).toEqual({ code: 'UNAUTHENTICATED', reason: 'TOKEN_MISSING' });
  });

  it('lets the user log in again afterwards', async () => {
    const user = await signUpUser(app);
    await app.graphql('mutation { logout }', {}, { token: user.accessToken });
    const again = await loginAgain(user.email);
    expect(outcome(await app.graphql(ME, {}, { token: again.accessToken }))).toBe('OK');
  });
});

describe('revokeSession', () => {

  it('ends one of the caller’s own sessions', async () => {
    const user = await signUpUser(app);
    const other = await loginAgain(user.email);
    const { body } = await app.graphql(REVOKE_SESSION, { id: sidOf(other.accessToken) }, { token: user.accessToken });
    expect(body).toEqual({ data: { revokeSession: true } });
    expect(outcome(await app.graphql(ME, {}, { token: other.accessToken }))).toEqual(REVOKED);
    expect(outcome(await app.graphql(ME, {}, { token: user.accessToken }))).toBe('OK');
    const listed = (await app.graphql(MY_SESSIONS, {}, { token: user.accessToken })).body.data!.mySessions;
    expect(listed.map((s: { id: string }) => s.id)).toEqual([sidOf(user.accessToken)]);
  });

  it("answers another user's session id with NOT_FOUND and leaves it alone", async () => {
    const user = await signUpUser(app);
    const victim = await signUpUser(app);
    const { body } = await app.graphql(REVOKE_SESSION, { id: sidOf(victim.accessToken) }, { token: user.accessToken });
    expect(body.data).toBeNull();
    expect(body.errors![0]!.extensions).toEqual({ code: 'NOT_FOUND' });
    expect(outcome(await app.graphql(ME, {}, { token: victim.accessToken }))).toBe('OK');
  });

  it.each([['an unknown id', randomUUID()], ['a malformed id', "1' or '1'='1"]])(
    'answers %s with NOT_FOUND',
    async (_label, id) => {
      const user = await signUpUser(app);
      const { body } = await app.graphql(REVOKE_SESSION, { id }, { token: user.accessToken });
      expect(body.errors![0]!.extensions).toEqual({ code: 'NOT_FOUND' });
    },
  );

  it('revoking the current session is a logout', async () => {
    const user = await signUpUser(app);
    await app.graphql(REVOKE_SESSION, { id: sidOf(user.accessToken) }, { token: user.accessToken });
    expect(outcome(await app.graphql(ME, {}, { token: user.accessToken }))).toEqual(REVOKED);
  });
});

describe('changePassword', () => {
  const CHANGE = `mutation ($current: String!, $next: String!) {
    changePassword(currentPassword: $current, newPassword: $next) { accessToken refreshToken user { id email } }
  }`;

  it('changes the password, ends the other sessions, and renews this one', async () => {
    const user = await signUpUser(app);
    const other = await loginAgain(user.email);
    const { body } = await app.graphql(CHANGE, { current: PASSWORD, next: 'a brand new secret' }, { token: user.accessToken });
    const payload = body.data!.changePassword;
    expect(payload.user).toEqual({ id: user.user.id, email: user.email });
    expect(sidOf(payload.accessToken)).toBe(sidOf(user.accessToken));

    expect(outcome(await app.graphql(ME, {}, { token: other.accessToken }))).toEqual(REVOKED);
    expect(outcome(await app.graphql(REFRESH, { refreshToken: other.refreshToken }))).toEqual(REVOKED);
    expect(outcome(await app.graphql(ME, {}, { token: payload.accessToken }))).toBe('OK');
    expect(outcome(await app.graphql(REFRESH, { refreshToken: payload.refreshToken }))).toBe('OK');
    // The session's earlier refresh token was replaced.
    expect(outcome(await app.graphql(REFRESH, { refreshToken: user.refreshToken }))).toMatchObject({
      code: 'UNAUTHENTICATED',
    });

    expect(outcome(await app.graphql(LOGIN, { email: user.email, password: PASSWORD }))).toEqual({
      code: 'UNAUTHENTICATED',
      reason: 'INVALID_CREDENTIALS',
    });
    expect(outcome(await app.graphql(LOGIN, { email: user.email, password: 'a brand new secret' }))).toBe('OK');
  });

  it('refuses a wrong current password with INVALID_CREDENTIALS and changes nothing', async () => {
    const user = await signUpUser(app);
    const other = await loginAgain(user.email);
    const response = await app.graphql(CHANGE, { current: 'not my password', next: 'a brand new secret' }, { token: user.accessToken });
    expect(outcome(response)).toEqual({ code: 'UNAUTHENTICATED', reason: 'INVALID_CREDENTIALS' });
    expect(response.status).toBe(200);
    expect(outcome(await app.graphql(ME, {}, { token: other.accessToken }))).toBe('OK');
    expect(outcome(await app.graphql(LOGIN, { email: user.email, password: PASSWORD }))).toBe('OK');
  });

  it.each([['short', 'seven77'], ['long', 'x'.repeat(257)]])(
    'refuses a %s new password with BAD_USER_INPUT on field newPassword',
    async (_label, next) => {
      const user = await signUpUser(app);
      const response = await app.graphql(CHANGE, { current: PASSWORD, next }, { token: user.accessToken });
      expect(outcome(response)).toEqual({ code: 'BAD_USER_INPUT', field: 'newPassword' });
      expect(outcome(await app.graphql(LOGIN, { email: user.email, password: PASSWORD }))).toBe('OK');
    },
  );

  it('requires an access token', async () => {
    const response = await app.graphql(CHANGE, { current: PASSWORD, next: 'a brand new secret' });
    expect(outcome(response)).toEqual({ code: 'UNAUTHENTICATED', reason: 'TOKEN_MISSING' });
  });
});

describe('deleteAccount', () => {
  const DELETE = 'mutation ($password: String!) { deleteAccount(password: $password) }';

  it('deletes the user and ends every session; the email can be registered again', async () => {
    const user = await signUpUser(app);
    const other = await loginAgain(user.email);
    expect((await app.graphql(DELETE, { password: PASSWORD }, { token: user.accessToken })).body).toEqual({
      data: { deleteAccount: true },
    });
    expect(outcome(await app.graphql(ME, {}, { token: user.accessToken }))).toEqual(REVOKED);
    expect(outcome(await app.graphql(ME, {}, { token: other.accessToken }))).toEqual(REVOKED);
    expect(outcome(await app.graphql(REFRESH, { refreshToken: other.refreshToken }))).toMatchObject({
      code: 'UNAUTHENTICATED',
    });
    expect(outcome(await app.graphql(LOGIN, { email: user.email, password: PASSWORD }))).toEqual({
      code: 'UNAUTHENTICATED',
      reason: 'INVALID_CREDENTIALS',
    });
    const again = await signUpUser(app, user.email);
    expect(again.user.id).not.toBe(user.user.id);
  });

  it('refuses a wrong password with INVALID_CREDENTIALS and keeps the account', async () => {
    const user = await signUpUser(app);
    expect(outcome(await app.graphql(DELETE, { password: 'wrong password' }, { token: user.accessToken }))).toEqual({
      code: 'UNAUTHENTICATED',
      reason: 'INVALID_CREDENTIALS',
    });
    expect(outcome(await app.graphql(ME, {}, { token: user.accessToken }))).toBe('OK');
  });

  it('requires an access token', async () => {
    expect(outcome(await app.graphql(DELETE, { password: PASSWORD }))).toEqual({
      code: 'UNAUTHENTICATED',
      reason: 'TOKEN_MISSING',
    });
  });
});
