import { describe, expect, it } from '@jest/globals';
import { ME, REFRESH, outcome, postGraphQL, signUpUser, useTestApp } from '../helpers/test-app.js';
import { sessionIdOf as sidOf } from '../helpers/token-claims.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('refreshToken with the default grace (10 s)', () => {
  const app = useTestApp();

  it('rotates: a new refresh token and a new access token for the same session', async () => {
    const user = await signUpUser(app);
    const { status, body } = await app.graphql(REFRESH, { refreshToken: user.refreshToken });
    expect(status).toBe(200);
    const payload = body.data!.refreshToken;
    expect(payload).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, user: { id: user.user.id, email: user.email } });
    expect(payload.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(payload.refreshToken).not.toBe(user.refreshToken);
    expect(payload.accessToken).not.toBe(user.accessToken);
    expect(sidOf(payload.accessToken)).toBe(sidOf(user.accessToken));

    const me = await app.graphql(ME, {}, { token: payload.accessToken });
    expect(me.body.data!.me.id).toBe(user.user.id);
    // The old access token stays valid until it expires: rotation is not revocation.
    expect((await app.graphql(ME, {}, { token: user.accessToken })).status).toBe(200);
  });

  it('keeps rotating along the chain', async () => {
    const user = await signUpUser(app);
    let token = user.refreshToken;
    for (let i = 0; i < 5; i++) {
      const { body } = await app.graphql(REFRESH, { refreshToken: token });
      expect(body.errors).toBeUndefined();
      token = body.data!.refreshToken.refreshToken;
    }
  });

  it('answers a spent token within the grace with the current refresh token and a fresh access token', async () => {
    const user = await signUpUser(app);
    const first = (await app.graphql(REFRESH, { refreshToken: user.refreshToken })).body.data!.refreshToken;
    const again = (await app.graphql(REFRESH, { refreshToken: user.refreshToken })).body.data!.refreshToken;
    expect(again.refreshToken).toBe(first.refreshToken);
    expect(again.accessToken).not.toBe(first.accessToken);
    // Nothing was revoked: the current token still rotates.
    const next = await app.graphql(REFRESH, { refreshToken: first.refreshToken });
    expect(outcome(next)).toBe('OK');
  });

  it('follows the chain within the grace: an older spent token gets the newest current one', async () => {
    const user = await signUpUser(app);
    const second = (await app.graphql(REFRESH, { refreshToken: user.refreshToken })).body.data!.refreshToken;
    const third = (await app.graphql(REFRESH, { refreshToken: second.refreshToken })).body.data!.refreshToken;
    const fromFirst = (await app.graphql(REFRESH, { refreshToken: user.refreshToken })).body.data!.refreshToken;
    expect(fromFirst.refreshToken).toBe(third.refreshToken);
  });

  it.each([
    ['an unknown token', 'A'.repeat(43)],
    ['a malformed token', 'not a token'],
    ['an empty string', ''],
    ['an access token', 'eyJhbGciOiJIUzI1NiJ9.e30.x'],
    ['a very long string', 'x'.repeat(10_000)],
  ])('rejects %s with UNAUTHENTICATED REFRESH_TOKEN_INVALID', async (_label, refreshToken) => {
    const { status, body } = await app.graphql(REFRESH, { refreshToken });
    expect(status).toBe(200);
    expect(body.data).toBeNull();
    expect(body.errors![0]).toMatchObject({
      message: 'The refresh token is invalid.',
      extensions: { code: 'UNAUTHENTICATED', reason: 'REFRESH_TOKEN_INVALID' },
    });
  });

  it('works without an Authorization header, and with a valid one', async () => {
    const user = await signUpUser(app);
    const response = await app.graphql(REFRESH, { refreshToken: user.refreshToken }, { token: user.accessToken });
    expect(outcome(response)).toBe('OK');
  });

  it('refuses the refresh token of a logged-out session with SESSION_REVOKED', async () => {
    const user = await signUpUser(app);
    await app.graphql('mutation { logout }', {}, { token: user.accessToken });
    expect(outcome(await app.graphql(REFRESH, { refreshToken: user.refreshToken }))).toEqual({
      code: 'UNAUTHENTICATED',
      reason: 'SESSION_REVOKED',
    });
  });
});

describe('refreshToken with a 1 s grace and 3 s session idle lifetime', () => {
  const app = useTestApp({ REFRESH_REUSE_GRACE_SECONDS: '1', REFRESH_TOKEN_TTL_SECONDS: '3' });

  it('treats a spent token after the grace as theft: REFRESH_TOKEN_REUSED, and the whole session ends', async () => {
    const user = await signUpUser(app);
    const rotated = (await app.graphql(REFRESH, { refreshToken: user.refreshToken })).body.data!.refreshToken;
    await sleep(1_100);

    expect(outcome(await app.graphql(REFRESH, { refreshToken: user.refreshToken }))).toEqual({
      code: 'UNAUTHENTICATED',
      reason: 'REFRESH_TOKEN_REUSED',
    });
    // The newest refresh token dies with the session ...
    expect(outcome(await app.graphql(REFRESH, { refreshToken: rotated.refreshToken }))).toEqual({
      code: 'UNAUTHENTICATED',
      reason: 'SESSION_REVOKED',
    });
    // ... and so do its access tokens, at once.
    const me = await app.graphql(ME, {}, { token: rotated.accessToken });
    expect(me.status).toBe(401);
    expect(outcome(me)).toEqual({ code: 'UNAUTHENTICATED', reason: 'SESSION_REVOKED' });
    // Presenting the stolen token again says the same as any token of an ended session.
    expect(outcome(await app.graphql(REFRESH, { refreshToken: user.refreshToken }))).toMatchObject({
      code: 'UNAUTHENTICATED',
    });
  });

  it('keeps a session alive while it is refreshed, and ends it after the idle lifetime', async () => {
    const user = await signUpUser(app);
    let token = user.refreshToken;
    for (let i = 0; i < 3; i++) {
      await sleep(1_500);
      const { body } = await app.graphql(REFRESH, { refreshToken: token });
      expect(body.errors).toBeUndefined();
      token = body.data!.refreshToken.refreshToken;
    }
    await sleep(3_200);
    expect(outcome(await app.graphql(REFRESH, { refreshToken: token }))).toEqual({
      code: 'UNAUTHENTICATED',
      reason: 'SESSION_REVOKED',
    });
    const me = await postGraphQL(app.url, ME, {}, { token: user.accessToken });
    expect(outcome(me)).toEqual({ code: 'UNAUTHENTICATED', reason: 'SESSION_REVOKED' });
  });
});

describe('refreshToken with no grace', () => {
  const app = useTestApp({ REFRESH_REUSE_GRACE_SECONDS: '0' });

  it('lets exactly one of 24 concurrent refreshes of one token win, with no server error', async () => {
    const user = await signUpUser(app);
    const responses = await Promise.all(
      Array.from({ length: 24 }, () => app.graphql(REFRESH, { refreshToken: user.refreshToken })),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(24).fill(200));
    const winners = responses.filter((r) => outcome(r) === 'OK');
    expect(winners).toHaveLength(1);
    for (const loser of responses.filter((r) => outcome(r) !== 'OK')) {
      expect(outcome(loser)).toMatchObject({ code: 'UNAUTHENTICATED' });
      expect(['REFRESH_TOKEN_REUSED', 'SESSION_REVOKED']).toContain((outcome(loser) as { reason: string }).reason);
    }
  });

  it('treats an immediate second use as reuse', async () => {
    const user = await signUpUser(app);
    expect(outcome(await app.graphql(REFRESH, { refreshToken: user.refreshToken }))).toBe('OK');
    expect(outcome(await app.graphql(REFRESH, { refreshToken: user.refreshToken }))).toEqual({
      code: 'UNAUTHENTICATED',
      reason: 'REFRESH_TOKEN_REUSED',
    });
  });
});
