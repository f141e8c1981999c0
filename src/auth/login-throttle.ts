import { createHash } from 'node:crypto';
import { lt } from 'drizzle-orm';
import { RateLimiterDrizzle, RateLimiterRes } from 'rate-limiter-flexible';
import type { Db } from '../db/database.js';
import { rateLimits } from '../db/schema.js';
import { RateLimitedError } from '../errors.js';
import { normalizeEmail } from '../users/user-input.js';
import { clientIpKey } from './client-ip.js';

export interface LoginThrottleOptions {
  /** Failed password checks allowed per (email, client IP) in one window. @default 5 */
  maxFailures: number;
  /** Failed password checks allowed per client IP across all emails (password spraying). @default 100 */
  maxFailuresPerIp: number;
  /** Failed password checks allowed per account (normalised email) from all addresses (distributed guessing). @default 50 */
  maxFailuresPerAccount: number;
  /** The window in seconds, counted from the first failure. @default 900 */
  windowSeconds: number;
}

/** A password check that has been counted; tell the throttle how it went. */
export interface ThrottledAttempt {
  /** The password was right: the (email, IP) count starts again and the IP is not charged. */
  succeeded(): Promise<void>;
}

/**
 * Brute-force limits on password checks (login, changePassword, deleteAccount), kept in
 * the database so that every instance counts together. An attempt is counted *before*
 * the password is checked, atomically: concurrent guesses cannot slip past the limit,
 * and once it is reached even the right password is refused until the window ends.
 */
export function createLoginThrottle(db: Db, options: LoginThrottleOptions) {
  const perEmail = new RateLimiterDrizzle({
    storeClient: db,
    schema: rateLimits,
    keyPrefix: 'login-email-ip',
    points: options.maxFailures,
    duration: options.windowSeconds,
    clearExpiredByTimeout: false,
  });
  const perAccount = new RateLimiterDrizzle({
    storeClient: db,
    schema: rateLimits,
    keyPrefix: 'login-account',
    points: options.maxFailuresPerAccount,
    duration: options.windowSeconds,
    clearExpiredByTimeout: false,
  });
  // A recognised device's own budget (device-token.ts), in place of the address and
  // account limits it is exempt from.
  const perDevice = new RateLimiterDrizzle({
    storeClient: db,
    schema: rateLimits,
    keyPrefix: 'login-device',
    points: options.maxFailures,
    duration: options.windowSeconds,
    clearExpiredByTimeout: false,
  });
  const perIp = new RateLimiterDrizzle({
    storeClient: db,
    schema: rateLimits,
    keyPrefix: 'login-ip',
    points: options.maxFailuresPerIp,
    duration: options.windowSeconds,
    clearExpiredByTimeout: false,
  });

  return {
    /** Counts one password check; throws RateLimitedError when a limit is already reached. */
    async attempt(email: string, clientIp: string): Promise<ThrottledAttempt> {
      const ip = clientIpKey(clientIp);
      const emailKey = hashKey(`${normalizeEmail(email)}\n${ip}`);
      const ipKey = hashKey(ip);
      const accountKey = hashKey(normalizeEmail(email));
      await consumeEach([perEmail.consume(emailKey), perIp.consume(ipKey), perAccount.consume(accountKey)]);
      return {
        succeeded: async () => {
          // The account's count is not reset: the owner signing in must not reopen the
          // account to guessing from elsewhere; only this check is not charged.
          await Promise.all([perEmail.delete(emailKey), perIp.reward(ipKey), perAccount.reward(accountKey)]);
        },
      };
    },

    /**
     * Counts one password check from a device that signed in to this account before: only
     * the device's own LOGIN_MAX_FAILURES apply, so guessing from elsewhere cannot lock its
     * owner out. Throws RateLimitedError when the device's limit is already reached.
     */
    async attemptFromDevice(deviceKey: string): Promise<ThrottledAttempt> {
      const key = hashKey(`device\n${deviceKey}`);
      try {
        await perDevice.consume(key);
      } catch (error) {
        if (error instanceof RateLimiterRes) throw new RateLimitedError(Math.max(1, Math.ceil(error.msBeforeNext / 1000)));
        throw error;
      }
      return {
        succeeded: async () => {
          await perDevice.delete(key);
        },
      };
    },

    /** Deletes counters whose window ended (the store never reads them again). */
    async purgeExpired(): Promise<void> {
      await db.delete(rateLimits).where(lt(rateLimits.expire, new Date()));
    },
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;

/**
 * Counts one attempt on each limiter at once (every count is charged, limited or not) and
 * throws RATE_LIMITED with the longest wait among those exhausted; other errors propagate.
 * Shared by every throttle in the database store (logins, mails, second-factor codes).
 */
export async function consumeEach(
  counts: ReadonlyArray<Promise<unknown>>,
  message?: (seconds: number) => string,
): Promise<void> {
  const outcomes = await Promise.allSettled(counts);
  const failure = outcomes.find(
    (outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected' && !(outcome.reason instanceof RateLimiterRes),
  );
  if (failure !== undefined) throw failure.reason;
  const waits = outcomes.flatMap((outcome) =>
    outcome.status === 'rejected' ? [(outcome.reason as RateLimiterRes).msBeforeNext] : [],
  );
  if (waits.length === 0) return;
  const seconds = Math.max(1, Math.ceil(Math.max(...waits) / 1000));
  throw new RateLimitedError(seconds, message?.(seconds));
}

// Fixed-length keys that keep no email or address in plain text, however long the input.
function hashKey(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

// rate-limiter-flexible has one importer (this file): the sign-up limit lives beside the login one.
const HOUR_SECONDS = 3_600;

/**
 * SIGNUP_MAX_PER_IP: sign-ups per client IP per hour, counted in the database (the login
 * throttle's table) so that every instance counts together. Every attempt counts, an
 * email already taken included: each one costs an argon2 hash, or tells whether an
 * address is registered.
 */
export function createSignUpThrottle(db: Db, options: { maxPerIp: number }) {
  const perIp = new RateLimiterDrizzle({
    storeClient: db,
    schema: rateLimits,
    keyPrefix: 'signup-ip',
    points: options.maxPerIp,
    duration: HOUR_SECONDS,
    clearExpiredByTimeout: false,
  });
  return {
    /** Counts one sign-up from this address; throws RateLimitedError past the limit. */
    async attempt(clientIp: string): Promise<void> {
      // A hash, as in the login throttle: the table keeps no address in plain text.
      const key = hashKey(clientIpKey(clientIp));
      try {
        await perIp.consume(key);
      } catch (error) {
        if (!(error instanceof RateLimiterRes)) throw error;
        const seconds = Math.max(1, Math.ceil(error.msBeforeNext / 1000));
        throw new RateLimitedError(seconds, `Too many sign-ups from this address. Try again in ${seconds} seconds.`);
      }
    },
  };
}

export type SignUpThrottle = ReturnType<typeof createSignUpThrottle>;
