import type { ScopeLimit, ScopeLimiter } from '../../auth/scope-limits.js';
import type { Kernel } from '../../graphql/module.js';
import { userChanged } from '../../users/user-changed.js';
import type { EmailAccountRepository } from './email-account-repository.js';

const READ_ONLY: ScopeLimit = Object.freeze({ scopes: Object.freeze(['read'] as const), reason: 'EMAIL_NOT_VERIFIED' });

/**
 * REQUIRE_EMAIL_VERIFICATION: a user whose current address is not verified gets scope `read`
 * only. Verification is cached like the sessions (the kernel's read-cache TTL, under the
 * contract's 1 s) and forgotten at once on every instance when verifyEmail publishes the change.
 */
export function createUnverifiedScopeLimiter(kernel: Kernel, accounts: EmailAccountRepository): ScopeLimiter {
  const verifiedEmails = kernel.createReadCache<string | null>();
  kernel.on(userChanged, ({ userId }) => verifiedEmails.invalidate(userId));
  kernel.onReset(() => verifiedEmails.clear());
  return async (user) => {
    const verified = await verifiedEmails.get(user.id, async () => (await accounts.findVerifiedEmails([user.id]))[0] ?? null);
    return verified !== null && verified.toLowerCase() === user.email.toLowerCase() ? null : READ_ONLY;
  };
}
