import { createHash } from 'node:crypto';
import { RateLimiterDrizzle } from 'rate-limiter-flexible';
import type { Db } from '../../db/database.js';
import { rateLimits } from '../../db/schema.js';
import { clientIpKey } from '../../auth/client-ip.js';
import { consumeEach } from '../../auth/login-throttle.js';
import { normalizeEmail } from '../../users/user-input.js';

export interface MailLimitOptions {
  /** Mails of one kind to one address per hour. @default 5 */
  maxPerAddress: number;
  /** Mails asked for from one client IP per hour, every kind and address together. @default 30 */
  maxPerIp: number;
}

const WINDOW_SECONDS = 60 * 60; // 1 h

/**
 * Limits on asking for mail, kept in the login throttle's table so every instance counts
 * together. A request is counted whether or not the address is registered: an unknown
 * address costs the same as a known one, so the limit tells nothing either.
 */
export function createMailLimits(db: Db, options: MailLimitOptions) {
  const perAddress = new RateLimiterDrizzle({
    storeClient: db,
    schema: rateLimits,
    keyPrefix: 'mail-address',
    points: options.maxPerAddress,
    duration: WINDOW_SECONDS,
    clearExpiredByTimeout: false,
  });
  const perIp = new RateLimiterDrizzle({
    storeClient: db,
    schema: rateLimits,
    keyPrefix: 'mail-ip',
    points: options.maxPerIp,
    duration: WINDOW_SECONDS,
    clearExpiredByTimeout: false,
  });

  return {
    /** Counts one mail of `kind` to `email` asked from `clientIp`; RateLimitedError past a limit. */
    async consume(kind: string, email: string, clientIp: string): Promise<void> {
      const addressKey = hashKey(`${kind}\n${normalizeEmail(email)}`);
      const ipKey = hashKey(clientIpKey(clientIp));
      await consumeEach([perAddress.consume(addressKey), perIp.consume(ipKey)], () => 'Too many mails were asked for. Try again later.');
    },
  };
}

export type MailLimits = ReturnType<typeof createMailLimits>;

// Fixed-length keys that keep no email or address in plain text.
function hashKey(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}
