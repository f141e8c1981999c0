import type { ScopeLimit, ScopeLimiter } from '../../auth/scope-limits.js';
import type { ReadCache } from '../../db/read-cache.js';
import type { EmailAccountRepository } from './email-account-repository.js';

const READ_ONLY: ScopeLimit = Object.freeze({
  scopes: Object.freeze(['read'] as const),
  reason: 'EMAIL_NOT_VERIFIED',
  message: 'Verify your email address first: this needs a verified address.',
});

/**
 * REQUIRE_EMAIL_VERIFICATION: a user whose current address is not verified gets scope `read`
 * only. `verifiedEmails` (user id → verified address) is a read cache with the kernel's TTL,
 * under the contract's 1 s, that the module clears when verifyEmail publishes the change.
 */
export function createUnverifiedScopeLimiter(accounts: EmailAccountRepository, verifiedEmails: ReadCache<string | null>): ScopeLimiter {
  return async (user) => {
    const verified = await verifiedEmails.get(user.id, async () => (await accounts.findVerifiedEmails([user.id]))[0] ?? null);
    return verified !== null && verified.toLowerCase() === user.email.toLowerCase() ? null : READ_ONLY;
  };
}
