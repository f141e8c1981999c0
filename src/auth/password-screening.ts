import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InputError } from '../errors.js';

const COMMON_PASSWORDS_FILE = fileURLToPath(
  new URL('../../password-lists/10-million-password-list-top-10000.txt', import.meta.url),
);
// A shorter local part would refuse most passwords ("al" is in "totally"); the whole
// address is still looked for.
const MIN_LOCAL_PART_LENGTH = 3;

let commonPasswords: ReadonlySet<string> | undefined;

/** The shipped list of the 10,000 most common passwords, lower-cased; read once. */
export function loadCommonPasswords(): ReadonlySet<string> {
  commonPasswords ??= new Set(
    readFileSync(COMMON_PASSWORDS_FILE, 'utf8')
      .split(/\r?\n/)
      .map(foldForComparison)
      .filter((line) => line !== ''),
  );
  return commonPasswords;
}

/**
 * Refuses a new password that guessing lists try first (ASVS 5.0 6.2.4: among the 10,000
 * most common) or that holds the account's email or its local part (6.2.11: context
 * words), ignoring letter case. Throws InputError on `field`; the length is checked apart.
 */
export function screenNewPassword(password: string, email: string, field = 'password'): void {
  const folded = foldForComparison(password);
  if (loadCommonPasswords().has(folded)) {
    throw new InputError('PASSWORD_TOO_COMMON', field, 'This password is too common: choose one that is harder to guess.');
  }
  const address = foldForComparison(email);
  const localPart = address.slice(0, Math.max(0, address.lastIndexOf('@')));
  if (
    (address !== '' && folded.includes(address)) ||
    ([...localPart].length >= MIN_LOCAL_PART_LENGTH && folded.includes(localPart))
  ) {
    throw new InputError('PASSWORD_CONTAINS_EMAIL', field, 'The password must not contain your email address or its part before the "@".');
  }
}

// Full-width and other compatibility forms compare as their plain letters, in any case.
function foldForComparison(value: string): string {
  return value.normalize('NFKC').toLowerCase().trim();
}
