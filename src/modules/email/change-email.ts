import type { Viewer } from '../../auth/viewer.js';
import { AuthenticationError, InputError } from '../../errors.js';
import { parseEmail } from '../../users/user-input.js';
import type { EmailDependencies } from './email-dependencies.js';
import { composeChangeEmailMail, linkFor } from './mail-templates.js';

/**
 * Mails a link to `newEmail` after checking the caller's password; the address changes
 * only when that link is used (verifyEmail), and the old address is then told.
 */
export async function changeEmail(
  deps: EmailDependencies,
  viewer: Viewer,
  rawNewEmail: string,
  currentPassword: string,
  clientIp: string,
): Promise<true> {
  const newEmail = parseNewEmail(rawNewEmail);
  const credentials = await deps.core.users.findCredentialsById(viewer.userId);
  if (credentials === null) throw new AuthenticationError('SESSION_REVOKED');
  // Wrong passwords count towards the login limit: a stolen access token is no way around it.
  const attempt = await deps.core.loginThrottle.attempt(credentials.email, clientIp);
  if (!(await deps.core.passwords.verify(credentials.passwordHash, currentPassword))) {
    throw new AuthenticationError('INVALID_CREDENTIALS', 'The password is incorrect.');
  }
  await attempt.succeeded();
  if (newEmail.toLowerCase() === credentials.email.toLowerCase()) {
    throw new InputError('INVALID_INPUT', 'newEmail', 'This is already your email address.');
  }
  const owner = await deps.accounts.findByEmail(newEmail);
  if (owner !== null) throw new InputError('EMAIL_TAKEN', 'newEmail', 'Another account has this email address.');
  await deps.limits.consume('change-email', newEmail, clientIp);
  await deps.db.transaction(async (tx) => {
    const token = await deps.tokens.issue(tx, viewer.userId, 'change-email', newEmail);
    await deps.enqueue(tx, composeChangeEmailMail(newEmail, linkFor(deps.appUrl(), 'verify-email', token)));
  });
  deps.wake();
  return true;
}

function parseNewEmail(raw: string): string {
  try {
    return parseEmail(raw);
  } catch {
    throw new InputError('INVALID_INPUT', 'newEmail', 'Enter a valid email address.');
  }
}
