import { createHash, createHmac, randomBytes } from 'node:crypto';

// 256 bits from the CSPRNG: a token this long needs no slow hash; SHA-256 is enough to
// make a stolen database useless for presenting tokens.
const TOKEN_BYTES = 32;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** A new random refresh token (43 base64url characters). */
export function generateRefreshToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

/** A new per-session rotation secret (base64url). */
export function generateRotationSecret(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

/** What the database stores instead of the token. */
export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}

export function isWellFormedRefreshToken(token: string): boolean {
  return TOKEN_PATTERN.test(token);
}

/**
 * The token that replaces `token` on rotation: HMAC(sessionSecret, token). Only a holder
 * of the predecessor in plain text can derive it, so within the reuse grace the server can
 * hand a concurrent tab the session's current token without ever storing it.
 */
export function deriveNextRefreshToken(rotationSecret: string, token: string): string {
  return createHmac('sha256', Buffer.from(rotationSecret, 'base64url')).update(token, 'utf8').digest('base64url');
}
