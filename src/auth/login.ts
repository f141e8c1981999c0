import { AuthenticationError } from '../errors.js';
import { isImpossibleEmail, MAX_PASSWORD_LENGTH } from '../users/user-input.js';
import { issueAuthPayload, type AuthPayloadRecord } from './auth-payload.js';
import type { AuthDependencies } from './auth-dependencies.js';

export interface LoginInput {
  email: string;
  password: string;
  userAgent: string | null;
  /** The client's address, as far as the configured trusted proxies let us know it. */
  clientIp: string;
}

/**
 * Checks an email and password and starts a session. An unknown email and a wrong
 * password fail alike, with the same message after one argon2 verification each, so
 * neither the answer nor its timing tells which emails are registered. Attempts are
 * throttled per (email, client IP) and per client IP, whether or not the email exists.
 */
export async function login(deps: AuthDependencies, input: LoginInput): Promise<AuthPayloadRecord> {
  const email = input.email.trim();
  // No password this long was ever accepted; cap what an attacker can make us hash.
  const password = input.password.slice(0, MAX_PASSWORD_LENGTH * 2 + 1);
  deps.passwords.checkAvailable();
  const attempt = await deps.loginThrottle.attempt(email, input.clientIp);
  const found = isImpossibleEmail(email) ? null : await deps.users.findCredentialsByEmail(email);
  const valid =
    found === null
      ? await deps.passwords.verifyDummy(password)
      : await deps.passwords.verify(found.passwordHash, password);
  if (found === null || !valid) {
    throw new AuthenticationError('INVALID_CREDENTIALS');
  }
  await attempt.succeeded();
  const session = await deps.sessions.start(found.user.id, input.userAgent);
  return issueAuthPayload(deps.accessTokens, found.user, session);
}
