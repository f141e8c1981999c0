import { isImpossibleEmail, normalizeEmail } from '../../users/user-input.js';
import type { EmailDependencies } from './email-dependencies.js';
import { composeResetPasswordMail, linkFor } from './mail-templates.js';

/**
 * Mails a reset link to the address if an account has it; answers true either way. The
 * limits are counted before anything else, for known and unknown addresses alike; what
 * differs between them (the lookup, the token, the outbox write) runs after the answer,
 * so the response time does not tell which addresses are registered.
 */
export async function requestPasswordReset(deps: EmailDependencies, rawEmail: string, clientIp: string): Promise<true> {
  // The limits and the lookup key on the one spelling every counter uses (normalizeEmail).
  const email = normalizeEmail(rawEmail);
  await deps.limits.consume('reset-password', email, clientIp);
  if (!isImpossibleEmail(email)) deps.inBackground(() => issueResetLink(deps, email));
  return true;
}

async function issueResetLink(deps: EmailDependencies, email: string): Promise<void> {
  const user = await deps.accounts.findByEmail(email);
  if (user === null) return;
  await deps.db.transaction(async (tx) => {
    const current = await deps.accounts.lockEmail(tx, user.id);
    if (current === null) return;
    const token = await deps.tokens.issue(tx, user.id, 'reset-password', current);
    await deps.enqueue(tx, composeResetPasswordMail(current, linkFor(deps.appUrl(), 'reset-password', token)));
  });
  deps.wake();
}
