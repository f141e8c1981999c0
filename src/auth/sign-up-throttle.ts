import { createHash } from 'node:crypto';
import { RateLimiterDrizzle, RateLimiterRes } from 'rate-limiter-flexible';
import type { Db } from '../db/database.js';
import { rateLimits } from '../db/schema.js';
import { RateLimitedError } from '../errors.js';
import { clientIpKey } from './client-ip.js';

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
      const key = createHash('sha256').update(clientIpKey(clientIp)).digest('base64url');
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
