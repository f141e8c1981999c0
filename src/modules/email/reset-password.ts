import { issueAuthPayload, type AuthPayloadRecord } from '../../auth/auth-payload.js';
import { AuthenticationError } from '../../errors.js';
import { screenNewPassword } from '../../auth/password-screening.js';
import { checkNewPassword } from '../../users/user-input.js';
import type { EmailDependencies, RequestOrigin } from './email-dependencies.js';
import { checkEmailToken, invalidEmailToken } from './email-token-check.js';
import { composePasswordResetMail } from './mail-templates.js';

/**
 * Sets a new password with a mailed reset link: every session of the user ends (on every
 * instance, through the core's revocation) and a new one starts. The link also proves the
 * address, so it becomes verified. The notice is written in the same transaction.
 */
export async function resetPassword(
  deps: EmailDependencies,
  token: string,
  newPassword: string,
  origin: RequestOrigin,
): Promise<AuthPayloadRecord> {
  checkNewPassword(newPassword, 'newPassword');
  // Checked before hashing: a bad token must not cost the server an argon2 hash.
  const found = checkEmailToken(await deps.tokens.find(token, ['reset-password']));
  screenNewPassword(newPassword, found.email, 'newPassword');
  // A disabled account stays shut: a reset link is no way around an admin's decision.
  if ((await deps.core.users.findById(found.userId))?.disabled === true) throw new AuthenticationError('ACCOUNT_DISABLED');
  const passwordHash = await deps.core.passwords.hash(newPassword);
  const userId = await deps.db.transaction(async (tx) => {
    const link = checkEmailToken(await deps.tokens.take(tx, token, ['reset-password']));
    const email = await deps.accounts.lockEmail(tx, link.userId);
    // The address changed since the link was mailed: it no longer speaks for the account.
    if (email === null || email.toLowerCase() !== link.email.toLowerCase()) throw invalidEmailToken();
    await deps.accounts.setPasswordHash(tx, link.userId, passwordHash);
    await deps.accounts.markVerified(tx, link.userId, email);
    await deps.enqueue(tx, composePasswordResetMail(email));
    await deps.audit(tx, { kind: 'PASSWORD_RESET', userId: link.userId, origin });
    return link.userId;
  });
  deps.wake();
  // The address is verified now: every instance forgets what it cached about it.
  await deps.core.onUserChanged(userId);
  await deps.core.sessions.revokeAllOfUser(userId, 'password_changed');
  // A reset link proves the mailbox, not the second factor: with MFA on, the session still owes it.
  const session = await deps.core.sessions.start(userId, origin.userAgent, {
    mfaPending: await deps.core.secondFactor.isRequiredFor(userId),
  });
  const user = await deps.core.users.findById(userId);
  if (user === null) throw invalidEmailToken();
  return issueAuthPayload(deps.core, user, session);
}
