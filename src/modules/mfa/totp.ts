import { Secret, TOTP } from 'otpauth';

/** RFC 6238 as authenticator apps expect it: SHA-1, 6 digits, 30-second steps. */
export const TOTP_PARAMETERS = { algorithm: 'SHA1', digits: 6, period: 30 } as const;
// One step either side: a phone clock a little off, or a code typed as it turned over.
const WINDOW = 1;
const SECRET_BYTES = 20; // RFC 4226 §4: 160 bits, the HMAC-SHA-1 block's worth

/** A new random base32 TOTP secret. */
export function generateTotpSecret(): string {
  return new Secret({ size: SECRET_BYTES }).base32;
}

/** The otpauth:// URL an authenticator app reads from the QR code. */
export function formatOtpauthUrl(secret: string, issuer: string, account: string): string {
  return new TOTP({ ...TOTP_PARAMETERS, issuer, label: account, secret: Secret.fromBase32(secret) }).toString();
}

/**
 * The time step of `code` if it is right for `secret` at `now` (within one step either
 * side), else null. The caller refuses a step at or before the last one accepted (replay).
 */
export function matchTotpStep(secret: string, code: string, now: number = Date.now()): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const totp = new TOTP({ ...TOTP_PARAMETERS, secret: Secret.fromBase32(secret) });
  const delta = totp.validate({ token: code, timestamp: now, window: WINDOW });
  return delta === null ? null : TOTP.counter({ period: TOTP_PARAMETERS.period, timestamp: now }) + delta;
}
