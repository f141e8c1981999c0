import { AuthenticationError } from '../errors.js';

// RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token; the scheme is case-insensitive (RFC 9110 §11.1).
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

/**
 * Returns the bearer token, null when there is none, or throws TOKEN_INVALID for a
 * header that is present but not a well-formed `Bearer <token>`. A blank header counts
 * as none: Apollo Client's documented auth link sends `authorization: ""` when logged out.
 */
export function parseBearerToken(header: string | undefined): string | null {
  if (header === undefined || header.trim() === '') return null;
  const match = BEARER.exec(header.trim());
  if (match === null) {
    throw new AuthenticationError(
      'TOKEN_INVALID',
      'The Authorization header must be "Bearer <token>".',
    );
  }
  return match[1] ?? null;
}
