import { AuthenticationError } from '../errors.js';
import { isImpossibleEmail, MAX_PASSWORD_LENGTH, normalizeEmail } from '../users/user-input.js';
import { issueAuthPayload, type AuthPayloadRecord } from './auth-payload.js';
import type { AuthDependencies } from './auth-dependencies.js';

export interface LoginInput {
  email: string;
  password: string;
  userAgent: string | null;
  /** The client's address, as far as the configured trusted proxies let us know it. */
  clientIp: string;
  /** The device token the client presented (cookie or header), if any: see device-token.ts. */
  deviceToken?: string | null;
}

/** A login's answer: the session, and a device token that recognises this client next time. */
export interface LoginRecord extends AuthPayloadRecord {
  readonly deviceToken: string;
}

/**
 * Checks an email and password and starts a session. An unknown email and a wrong
 * password fail alike, with the same message after one argon2 verification each, so
 * neither the answer nor its timing tells which emails are registered. Attempts are
 * throttled per (email, client IP), per client IP and per account, whether or not the
 * email exists; a device that signed in to the account before is throttled on its own.
 */
export async function login(deps: AuthDependencies, input: LoginInput): Promise<LoginRecord> {
  const email = normalizeEmail(input.email);
  // No password this long was ever accepted; cap what an attacker can make us hash.
  const password = input.password.slice(0, MAX_PASSWORD_LENGTH * 2 + 1);
  deps.passwords.checkAvailable();
  const found = isImpossibleEmail(email) ? null : await deps.users.findCredentialsByEmail(email);
  // A device that signed in to this account before has its own limit instead of the
  // address and account ones, which an attacker can exhaust.
  const device = found === null ? null : deps.deviceTokens.verify(input.deviceToken, found.user.id);
  const attempt = await (device === null
    ? deps.loginThrottle.attempt(email, input.clientIp)
    : deps.loginThrottle.attemptFromDevice(device.key));
  const valid =
    found === null
      ? await deps.passwords.verifyDummy(password)
      : await deps.passwords.verify(found.passwordHash, password);
  if (found === null || !valid) {
    throw new AuthenticationError('INVALID_CREDENTIALS');
  }
  // Only the right password learns that the account is disabled; the attempt stays counted.
  if (found.user.disabled) throw new AuthenticationError('ACCOUNT_DISABLED');
  await attempt.succeeded();
  const mfaPending = await deps.secondFactor.isRequiredFor(found.user.id);
  // Refused if the password changed while it was being verified (a changePassword race).
  const session = await deps.sessions.start(found.user.id, input.userAgent, {
    passwordHash: found.passwordHash,
    audit: { kind: 'LOGIN_SUCCEEDED', userId: found.user.id, origin: input },
    mfaPending,
  });
  return { ...(await issueAuthPayload(deps, found.user, session)), deviceToken: deps.deviceTokens.issue(found.user.id) };
}
