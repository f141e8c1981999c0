import { describe, expect, it } from '@jest/globals';
import { logIn } from '../helpers/actors.js';
import { claimsOf } from '../helpers/token-claims.js';
import { ME, REFRESH, outcome, signUpUser, useTestApp } from '../helpers/test-app.js';

const MAX_LIFETIME_SECONDS = 4;
const REVOKED = { code: 'UNAUTHENTICATED', reason: 'SESSION_REVOKED' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Payload {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

async function refresh(app: ReturnType<typeof useTestApp>, refreshToken: string): Promise<Payload> {
  const response = await app.graphql(REFRESH, { refreshToken });
  if (response.body.data?.refreshToken == null) throw new Error(`refresh failed: ${JSON.stringify(response.body)}`);
  return response.body.data.refreshToken as Payload;
}

describe('SESSION_MAX_LIFETIME_SECONDS (absolute session lifetime)', () => {
  // Access tokens and idle expiry far longer than the absolute lifetime: only it can end the session.
  const app = useTestApp({
    SESSION_MAX_LIFETIME_SECONDS: String(MAX_LIFETIME_SECONDS),
    ACCESS_TOKEN_TTL_SECONDS: '900',
    REFRESH_TOKEN_TTL_SECONDS: '3600',
  });

  it('caps every access token of the session at its start plus the lifetime, and refuses refreshes past it', async () => {
    const user = await signUpUser(app);
    const listed = await app.graphql('query { mySessions { createdAt } }', {}, { token: user.accessToken });
    const startedAt = Math.floor(Date.parse(listed.body.data!.mySessions[0].createdAt) / 1000);
    const first = claimsOf(user.accessToken) as { iat: number; exp: number };
    expect(first.exp).toBeLessThanOrEqual(startedAt + MAX_LIFETIME_SECONDS);
    expect(user.expiresIn).toBe(first.exp - first.iat);
    expect(user.expiresIn).toBeLessThanOrEqual(MAX_LIFETIME_SECONDS);

    // Refreshing keeps working before the end, but never moves it.
    let current: Payload = user;
    for (let step = 0; step < 3; step++) {
      await sleep(700);
      current = await refresh(app, current.refreshToken);
      const claims = claimsOf(current.accessToken) as { iat: number; exp: number };
      expect(claims.exp).toBeLessThanOrEqual(startedAt + MAX_LIFETIME_SECONDS);
      expect(current.expiresIn).toBe(claims.exp - claims.iat);
    }

    await sleep((startedAt + MAX_LIFETIME_SECONDS + 1) * 1000 - Date.now());
    expect(outcome(await app.graphql(REFRESH, { refreshToken: current.refreshToken }))).toEqual(REVOKED);
    // The access token is refused too (its session ended), within its clock tolerance.
    const me = await app.graphql(ME, {}, { token: current.accessToken });
    expect(me.status).toBe(401);
    expect(outcome(me)).toEqual(REVOKED);
    // The session is no longer listed, and a new login starts a new, full-length one.
    const again = await logIn(app, user.email, user.password);
    const sessions = await app.graphql('query { mySessions { id } }', {}, { token: again.accessToken });
    expect(sessions.body.data!.mySessions).toHaveLength(1);
  });

  it('gives a refreshed token the same end as the session\'s first: refreshing does not move it', async () => {
    const user = await signUpUser(app);
    await sleep(1100);
    const refreshed = await refresh(app, user.refreshToken);
    const userClaims = claimsOf(user.accessToken) as { exp: number };
    expect((claimsOf(refreshed.accessToken) as { exp: number }).exp).toBe(userClaims.exp);
  });
});

describe('the default lifetime (90 days)', () => {
  const app = useTestApp();

  it('does not shorten the access token TTL', async () => {
    const user = await signUpUser(app);
    expect(user.expiresIn).toBe(900);
    const claims = claimsOf(user.accessToken) as { iat: number; exp: number };
    expect(claims.exp - claims.iat).toBe(900);
  });
});
