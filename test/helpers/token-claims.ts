import jwt from 'jsonwebtoken';

/** An access token's claims, read without verifying it (tests inspect what the server signed). */
export function claimsOf(token: string): Record<string, unknown> {
  return jwt.decode(token) as Record<string, unknown>;
}

/** The id of the session an access token belongs to (its `sid` claim). */
export function sessionIdOf(token: string): string {
  return (jwt.decode(token) as { sid: string }).sid;
}
