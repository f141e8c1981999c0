import { createHash } from 'node:crypto';
import { RateLimiterDrizzle } from 'rate-limiter-flexible';
import type { Db } from '../../db/database.js';
import { rateLimits } from '../../db/schema.js';
import { consumeEach } from '../../auth/login-throttle.js';

export interface MfaThrottleOptions {
  /** Wrong codes allowed per session in one window. */
  maxFailuresPerSession: number;
  /** Wrong codes allowed per account, every session together (a password-holder's many logins). */
  maxFailuresPerAccount: number;
  windowSeconds: number;
}

/**
 * Limits on second-factor codes, in the login throttle's table so every instance counts
 * together. A code is counted before it is checked, atomically, as passwords are: once a
 * limit is reached even the right code is refused until the window ends.
 */
export function createMfaThrottle(db: Db, options: MfaThrottleOptions) {
  const limiter = (keyPrefix: string, points: number) =>
    new RateLimiterDrizzle({
      storeClient: db,
      schema: rateLimits,
      keyPrefix,
      points,
      duration: options.windowSeconds,
      clearExpiredByTimeout: false,
    });
  const perSession = limiter('mfa-session', options.maxFailuresPerSession);
  const perAccount = limiter('mfa-account', options.maxFailuresPerAccount);

  return {
    /** Counts one code; throws RateLimitedError when a limit is already reached. */
    async attempt(userId: string, sessionId: string): Promise<{ succeeded(): Promise<void> }> {
      const sessionKey = hashKey(sessionId);
      const accountKey = hashKey(userId);
      await consumeEach([perSession.consume(sessionKey), perAccount.consume(accountKey)], (seconds) => `Too many wrong codes. Try again in ${seconds} seconds.`);
      return {
        // The right code is not charged; earlier wrong ones stay counted against the account.
        succeeded: async () => {
          await Promise.all([perSession.reward(sessionKey), perAccount.reward(accountKey)]);
        },
      };
    },
  };
}

export type MfaThrottle = ReturnType<typeof createMfaThrottle>;

function hashKey(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}
