import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from '@jest/globals';
import jwt from 'jsonwebtoken';
import { ME, postGraphQL, signUpUser, useTestApp } from '../helpers/test-app.js';
import { sessionIdOf } from '../helpers/token-claims.js';

const app = useTestApp();
let user: Awaited<ReturnType<typeof signUpUser>>;
beforeAll(async () => {
  user = await signUpUser(app);
});

const now = () => Math.floor(Date.now() / 1000);

/** A token as an attacker or a misconfigured issuer would make it, from the valid one. */
function forge(
  overrides: { claims?: Record<string, unknown>; header?: Record<string, unknown>; secret?: string; omit?: string[] } = {},
): string {
  const claims: Record<string, unknown> = { ...(jwt.decode(user.accessToken) as object), ...overrides.claims };
  for (const name of overrides.omit ?? []) delete claims[name];
  return jwt.sign(claims, overrides.secret ?? app.jwtSecret, {
    algorithm: 'HS256',
    // jsonwebtoken adds iat unless told not to, and noTimestamp deletes a given one.
    noTimestamp: claims.iat === undefined,
    header: { alg: 'HS256', typ: 'at+jwt', ...overrides.header } as jwt.JwtHeader,
  });
}

async function meWithHeader(authorization: string) {
  return postGraphQL(app.url, ME, {}, { headers: { authorization } });
}

function expectUnauthorized(response: Awaited<ReturnType<typeof meWithHeader>>, reason: string) {
  expect(response.status).toBe(401);
  expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
  expect(response.body.data).toBeUndefined();
  expect(response.body.errors).toHaveLength(1);
  expect(response.body.errors![0]!.extensions).toEqual({ code: 'UNAUTHENTICATED', reason });
}

describe('the bearer token context', () => {
  it('treats a request without Authorization as anonymous: me is null', async () => {
    const { status, body } = await app.graphql(ME);
    expect(status).toBe(200);
    expect(body).toEqual({ data: { me: null } });
  });

  it('treats a blank Authorization header as anonymous (Apollo Client sends "" when logged out)', async () => {
    const { status, body } = await meWithHeader('');
    expect(status).toBe(200);
    expect(body.data!.me).toBeNull();
  });

  it('resolves me from a valid token, with the scheme in any case', async () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      const { status, body } = await meWithHeader(`${scheme} ${user.accessToken}`);
      expect(status).toBe(200);
      expect(body.data!.me).toMatchObject({ id: user.user.id, email: user.email, role: 'USER' });
    }
  });

  it('issues tokens with the contract header and claims', () => {
    const { header, payload } = jwt.decode(user.accessToken, { complete: true })!;
    expect(header).toEqual({ alg: 'HS256', typ: 'at+jwt' });
    expect(payload).toEqual({
      iss: 'gatehouse',
      aud: 'gatehouse',
      sub: user.user.id,
      sid: expect.stringMatching(/^[0-9a-f-]{36}$/),
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      iat: expect.any(Number),
      exp: expect.any(Number),
      role: 'USER',
      scope: 'read write',
      auth_time: expect.any(Number),
      aal: 1,
      amr: ['pwd'],
    });
    const claims = payload as { iat: number; exp: number; auth_time: number };
    expect(claims.exp - claims.iat).toBe(900);
    // Signed up just now: the password was proved at most a second before the token was signed.
    expect(claims.iat - claims.auth_time).toBeGreaterThanOrEqual(0);
    expect(claims.iat - claims.auth_time).toBeLessThanOrEqual(1);
  });

  it.each([
    ['another scheme', () => `Basic ${Buffer.from('a:b').toString('base64')}`],
    ['the scheme alone', () => 'Bearer'],
    ['the scheme with an empty token', () => 'Bearer    '],
    ['a token without the scheme', () => user.accessToken],
    ['two tokens', () => `Bearer ${user.accessToken} ${user.accessToken}`],
    ['a token with characters outside RFC 6750', () => `Bearer ${user.accessToken}\u00e9`],
    ['garbage', () => 'Bearer not-a-jwt'],
    ['a refresh token', () => `Bearer ${user.refreshToken}`],
  ])('rejects %s with 401 TOKEN_INVALID', async (_label, header) => {
    expectUnauthorized(await meWithHeader(header()), 'TOKEN_INVALID');
  });

  it.each([
    ['signed with another secret', () => forge({ secret: 'another-secret-of-at-least-32-bytes!!' })],
    ['with a tampered payload', () => {
      const [head, , signature] = user.accessToken.split('.');
      const body = Buffer.from(JSON.stringify({ ...(jwt.decode(user.accessToken) as object), role: 'ADMIN' })).toString('base64url');
      return `${head}.${body}.${signature}`;
    }],
    ['with alg "none"', () => {
      const head = Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url');
      const body = user.accessToken.split('.')[1];
      return `${head}.${body}.`;
    }],
    ['with another HMAC algorithm (HS512)', () =>
      jwt.sign(jwt.decode(user.accessToken) as object, app.jwtSecret, { algorithm: 'HS512', header: { alg: 'HS512', typ: 'at+jwt' } })],
    ['typed "JWT" instead of "at+jwt"', () => forge({ header: { typ: 'JWT' } })],
    ['without a typ header', () => forge({ header: { typ: undefined } })],
    ['with an unknown critical header', () => forge({ header: { crit: ['exp'] } })],
    ['from another issuer', () => forge({ claims: { iss: 'someone-else' } })],
    ['for another audience', () => forge({ claims: { aud: 'another-api' } })],
    ['not yet valid (nbf in a minute)', () => forge({ claims: { nbf: now() + 60 } })],
    ...['iss', 'aud', 'sub', 'sid', 'jti', 'iat', 'exp', 'role', 'scope'].map(
      (claim) => [`without the "${claim}" claim`, () => forge({ omit: [claim] })] as [string, () => string],
    ),
    ['with a sid that is not a session id', () => forge({ claims: { sid: "x' or 1=1 --" } })],
    ['over 8 KiB', () => forge({ claims: { padding: 'x'.repeat(8 * 1024) } })],
  ])('rejects a token %s with 401 TOKEN_INVALID', async (_label, token) => {
    expectUnauthorized(await meWithHeader(`Bearer ${token()}`), 'TOKEN_INVALID');
  });

  it('rejects an expired token with 401 TOKEN_EXPIRED', async () => {
    const token = forge({ claims: { iat: now() - 120, exp: now() - 60 } });
    expectUnauthorized(await meWithHeader(`Bearer ${token}`), 'TOKEN_EXPIRED');
  });

  it('accepts a token expired less than 5 seconds ago (clock tolerance)', async () => {
    const token = forge({ claims: { iat: now() - 900, exp: now() - 2 } });
    const { status, body } = await meWithHeader(`Bearer ${token}`);
    expect(status).toBe(200);
    expect(body.data!.me.id).toBe(user.user.id);
  });

  it('rejects a validly signed token whose session does not exist with 401 SESSION_REVOKED', async () => {
    expectUnauthorized(await meWithHeader(`Bearer ${forge({ claims: { sid: randomUUID() } })}`), 'SESSION_REVOKED');
  });

  it("rejects a validly signed token naming another user's session with 401 SESSION_REVOKED", async () => {
    const other = await signUpUser(app);
    const otherSid = sessionIdOf(other.accessToken);
    expectUnauthorized(await meWithHeader(`Bearer ${forge({ claims: { sid: otherSid } })}`), 'SESSION_REVOKED');
  });

  it('fails the whole request, mutations included, when the token is bad', async () => {
    const response = await postGraphQL(
      app.url,
      'mutation { login(email: "a@b.co", password: "whatever123") { accessToken } }',
      {},
      { headers: { authorization: 'Bearer junk' } },
    );
    expectUnauthorized(response, 'TOKEN_INVALID');
  });

  it('decides the role from the database, not from the token claim', async () => {
    const token = forge({ claims: { role: 'ADMIN', scope: 'read write admin' } });
    const { body } = await meWithHeader(`Bearer ${token}`);
    expect(body.data!.me.role).toBe('USER');
  });
});
