import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { isUuid } from '../ids.js';

/** How long a device stays recognised after its last successful sign-in: 180 days. */
export const DEVICE_TOKEN_LIFETIME_SECONDS = 180 * 24 * 60 * 60;
/** The browser cookie that carries the device token (`__Host-`: Secure, Path=/, no Domain). */
export const DEVICE_COOKIE_NAME = '__Host-gatehouse-device';
/** The request and response header that carries it for clients that keep no cookies. */
export const DEVICE_HEADER_NAME = 'gatehouse-device';

const FORMAT = /^d1\.([0-9a-f-]{36})\.(\d{1,12})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;

/** A device token that verified for an account: `key` names the device for its own failure limit. */
export interface RecognisedDevice {
  readonly key: string;
}

/**
 * OWASP's device cookies ("Slow Down Online Guessing Attacks with Device Cookies"): after a
 * successful sign-in the client gets a token, signed by the server and bound to the
 * account, that later exempts it from that account's address and account lockouts (it
 * has its own failure limit). Stateless: an HMAC over the user id, the issue time and a
 * random device id, so forging one needs the server's key.
 */
export function createDeviceTokens(key: Buffer, lifetimeSeconds = DEVICE_TOKEN_LIFETIME_SECONDS) {
  const mac = (userId: string, issuedAt: string, device: string) =>
    createHmac('sha256', key).update(`device\n${userId}\n${issuedAt}\n${device}`).digest();

  return {
    /** A fresh token for this device, for the account that just signed in. */
    issue(userId: string, now = Date.now()): string {
      const issuedAt = String(Math.floor(now / 1000));
      const device = randomBytes(16).toString('base64url');
      return `d1.${userId}.${issuedAt}.${device}.${mac(userId, issuedAt, device).toString('base64url')}`;
    },

    /** The device, when `token` is genuine, unexpired and bound to `userId`; otherwise null. */
    verify(token: string | null | undefined, userId: string, now = Date.now()): RecognisedDevice | null {
      const match = token == null ? null : FORMAT.exec(token);
      if (match === null) return null;
      const [, boundTo, issuedAt, device, signature] = match as unknown as [string, string, string, string, string];
      if (!isUuid(boundTo) || boundTo !== userId) return null;
      const age = now / 1000 - Number(issuedAt);
      if (age < -5 || age > lifetimeSeconds) return null;
      // Compared as text: decoding would accept other spellings of the same bytes.
      const expected = Buffer.from(mac(boundTo, issuedAt, device).toString('base64url'));
      const given = Buffer.from(signature);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
      return { key: device };
    },
  };
}

export type DeviceTokens = ReturnType<typeof createDeviceTokens>;

/** The device token a request presents: the header (GraphQL clients) or else the cookie (browsers). */
export function deviceTokenOf(headers: { cookie?: string | undefined; [name: string]: unknown }): string | null {
  const header = headers[DEVICE_HEADER_NAME];
  if (typeof header === 'string' && header !== '') return header;
  for (const part of (headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === DEVICE_COOKIE_NAME) return value.join('=');
  }
  return null;
}

/** The Set-Cookie value that stores a device token in a browser. */
export function deviceCookie(token: string, lifetimeSeconds = DEVICE_TOKEN_LIFETIME_SECONDS): string {
  return `${DEVICE_COOKIE_NAME}=${token}; Max-Age=${lifetimeSeconds}; Path=/; Secure; HttpOnly; SameSite=Strict`;
}
