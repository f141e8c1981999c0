import { createHmac, randomInt } from 'node:crypto';

export const RECOVERY_CODE_COUNT = 10;
// Crockford-like base32 without look-alikes (0/O, 1/I/L): read off paper and typed back.
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
const GROUP = 5;

/** Ten fresh codes such as `k7m2q-x9fha` (about 49 bits each). */
export function generateRecoveryCodes(): string[] {
  const code = () => Array.from({ length: GROUP * 2 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const raw = code();
    return `${raw.slice(0, GROUP)}-${raw.slice(GROUP)}`;
  });
}

/** A code as typed (any case, spaces or dash) in its one spelling, or null if it cannot be one. */
export function normalizeRecoveryCode(input: string): string | null {
  const compact = input.replace(/[\s-]/g, '').toLowerCase();
  if (compact.length !== GROUP * 2 || ![...compact].every((char) => ALPHABET.includes(char))) return null;
  return `${compact.slice(0, GROUP)}-${compact.slice(GROUP)}`;
}

/**
 * Recovery codes are stored as HMAC-SHA-256 under a key derived from the server's signing
 * key: ~49 bits would not resist an offline search of a plain hash from a database dump.
 * Lookups are by the MAC itself, so no comparison of secrets happens in our code.
 */
export function createRecoveryCodeHasher(key: Buffer) {
  return (code: string): string => createHmac('sha256', key).update(code).digest('base64url');
}

export type RecoveryCodeHasher = ReturnType<typeof createRecoveryCodeHasher>;
