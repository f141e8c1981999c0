import jwt from 'jsonwebtoken';

/** An access token's claims, read without verifying it (tests inspect what the server signed). */
export function claimsOf(token: string): Record<string, unknown> {
  return jwt.decode(token) as Record<string, unknown>;
}

/** The id of the session an access token belongs to (its `sid` claim). */
export function sessionIdOf(token: string): string {
  return (jwt.decode(token) as { sid: string }).sid;
}

/**
 * The same access token (same session and claims) as if it had expired a minute ago,
 * signed with the test app's HS256 secret.
 */
export function expiredCopy(accessToken: string, jwtSecret: string): string {
  const now = Math.floor(Date.now() / 1000);
  return jwt.sign({ ...claimsOf(accessToken), iat: now - 120, exp: now - 60 }, jwtSecret, {
    algorithm: 'HS256',
    header: { alg: 'HS256', typ: 'at+jwt' },
  });
}
