import { InputError } from '../../errors.js';
import type { UserRecord } from '../../users/user-record.js';
import type { EmailDependencies, RequestOrigin } from './email-dependencies.js';
import { checkEmailToken, invalidEmailToken } from './email-token-check.js';
import { composeEmailChangedMail } from './mail-templates.js';

/**
 * Uses a mailed verification link: marks the address verified, or, for a link sent by
 * changeEmail, makes the new address the account's and tells the old one. Needs no
 * session: the link itself is the proof.
 */
export async function verifyEmail(deps: EmailDependencies, token: string, origin: RequestOrigin): Promise<UserRecord> {
  const { userId, changed } = await deps.db.transaction(async (tx) => {
    const link = checkEmailToken(await deps.tokens.take(tx, token, ['verify-email', 'change-email']));
    const current = await deps.accounts.lockEmail(tx, link.userId);
    if (current === null) throw invalidEmailToken();
    if (link.kind === 'verify-email') {
      // The address changed since the link was mailed: it verifies nothing any more.
      if (current.toLowerCase() !== link.email.toLowerCase()) throw invalidEmailToken();
      await deps.accounts.markVerified(tx, link.userId, current);
      await deps.audit(tx, { kind: 'EMAIL_VERIFIED', userId: link.userId, origin });
      return { userId: link.userId, changed: false };
    }
    if (!(await deps.accounts.setEmail(tx, link.userId, link.email))) {
      throw new InputError('EMAIL_TAKEN', 'token', 'Another account has this email address now.');
    }
    await deps.accounts.markVerified(tx, link.userId, link.email);
    await deps.enqueue(tx, composeEmailChangedMail(current, link.email));
    await deps.audit(tx, { kind: 'EMAIL_CHANGED', userId: link.userId, origin });
    return { userId: link.userId, changed: true };
  });
  if (changed) deps.wake();
  // Every instance forgets the cached user (whose address may have changed) and its
  // verification, so REQUIRE_EMAIL_VERIFICATION's `read` limit lifts on the next request.
  await deps.core.onUserChanged(userId);
  const user = await deps.core.users.findById(userId);
  if (user === null) throw invalidEmailToken();
  return user;
}
