import { InputError } from '../errors.js';

// RFC 5321 §4.5.3.1.3 limits a path to 256 octets including the angle brackets.
const MAX_EMAIL_LENGTH = 254;
// Deliberately loose: one "@", no spaces, a dot in the domain. The mailbox is the real test.
const EMAIL_PATTERN = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;
export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 256;
const MAX_NAME_LENGTH = 100;
// Control characters (NUL cannot even be stored), bidirectional controls and zero-width
// characters: an address holding one displays like another address.
const INVISIBLE_OR_CONTROL = /[\p{Cc}\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/u;

/**
 * The one form in which an email is stored, compared and counted: trimmed, NFKC (a
 * full-width `ａ` is `a`), then lower-cased here in JavaScript, once. PostgreSQL's lower()
 * follows the database's locale and disagrees on some letters (`İ`, U+0130): comparing
 * with it let one account be guessed at under brute-force counters of different keys.
 * Idempotent: a normalised email normalises to itself.
 */
export function normalizeEmail(raw: string): string {
  return raw.normalize('NFKC').toLowerCase().normalize('NFKC').trim();
}

/** Whether an email, as given, could never have been accepted at sign-up (so no lookup is needed). */
export function isImpossibleEmail(email: string): boolean {
  return email === '' || email.length > MAX_EMAIL_LENGTH || INVISIBLE_OR_CONTROL.test(email);
}

/** Normalises (normalizeEmail) and validates an email address; throws InputError on field "email". */
export function parseEmail(raw: string): string {
  const email = normalizeEmail(raw);
  // Checked before normalising too: NFKC must not turn a refused character into an accepted one.
  if (INVISIBLE_OR_CONTROL.test(raw.trim()) || isImpossibleEmail(email) || !EMAIL_PATTERN.test(email)) {
    throw new InputError('INVALID_INPUT', 'email', 'Enter a valid email address.');
  }
  return email;
}

/** Checks a new password's length in characters (code points); throws InputError on `field`. */
export function checkNewPassword(password: string, field = 'password'): void {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) {
    throw new InputError(
      'INVALID_INPUT',
      field,
      `The password must be at least ${MIN_PASSWORD_LENGTH} characters long.`,
    );
  }
  if (length > MAX_PASSWORD_LENGTH) {
    throw new InputError(
      'INVALID_INPUT',
      field,
      `The password must be at most ${MAX_PASSWORD_LENGTH} characters long.`,
    );
  }
}

/** Trims an optional display name; blank becomes null. Throws InputError on field "name". */
export function parseName(raw: string | null | undefined): string | null {
  if (raw === null || raw === undefined) return null;
  const name = raw.trim();
  if (name === '') return null;
  if ([...name].length > MAX_NAME_LENGTH || /\p{Cc}/u.test(name)) {
    throw new InputError(
      'INVALID_INPUT',
      'name',
      `The name must be at most ${MAX_NAME_LENGTH} characters, without control characters.`,
    );
  }
  return name;
}
