import type { Viewer } from '../../auth/viewer.js';
import { AuthenticationError } from '../../errors.js';
import type { EmailDependencies } from './email-dependencies.js';
import { composeVerifyEmailMail, linkFor } from './mail-templates.js';

/** Mails the caller a link that verifies their current address; nothing when it is already verified. */
export async function requestEmailVerification(deps: EmailDependencies, viewer: Viewer, clientIp: string): Promise<true> {
  const user = await deps.core.users.findById(viewer.userId);
  if (user === null) throw new AuthenticationError('SESSION_REVOKED');
  await deps.limits.consume('verify-email', user.email, clientIp);
  const [verified] = await deps.accounts.findVerifiedEmails([user.id]);
  if (verified?.toLowerCase() === user.email.toLowerCase()) return true;
  await deps.db.transaction(async (tx) => {
    const email = await deps.accounts.lockEmail(tx, user.id);
    if (email === null) throw new AuthenticationError('SESSION_REVOKED');
    const token = await deps.tokens.issue(tx, user.id, 'verify-email', email);
    await deps.enqueue(tx, composeVerifyEmailMail(email, linkFor(deps.appUrl(), 'verify-email', token)));
  });
  deps.wake();
  return true;
}
