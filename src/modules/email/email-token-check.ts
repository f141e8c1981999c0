import { InputError } from '../../errors.js';
import type { EmailTokenRecord } from './email-token-repository.js';

/** A link that can be used: unknown, used and replaced tokens are one case (nothing tells them apart), expired another. */
export function checkEmailToken(link: EmailTokenRecord | null): EmailTokenRecord {
  if (link === null) throw invalidEmailToken();
  if (link.expired) throw new InputError('EMAIL_TOKEN_EXPIRED', 'token', 'This link has expired. Ask for a new one.');
  return link;
}

export function invalidEmailToken(): InputError {
  return new InputError('EMAIL_TOKEN_INVALID', 'token', 'This link is invalid or was already used.');
}
