import { createHash, randomBytes } from 'node:crypto';

// 256 bits: unguessable, and the hash below is then safe to look up by equality.
const TOKEN_BYTES = 32;

/** The kinds of link a user is mailed, with how long each lives. */
export const EMAIL_TOKEN_LIFETIMES_MS = {
  'verify-email': 24 * 60 * 60 * 1000, // 24 h
  'change-email': 24 * 60 * 60 * 1000, // 24 h: a verification link for the new address
  'reset-password': 60 * 60 * 1000, // 1 h
} as const;

export type EmailTokenKind = keyof typeof EMAIL_TOKEN_LIFETIMES_MS;

/** A fresh random token for a link (base64url, 43 characters). */
export function generateEmailToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

/** What the database holds instead of the token: a leaked table opens no link. */
export function hashEmailToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
