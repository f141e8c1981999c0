import { randomUUID } from 'node:crypto';
import { InputError } from '../errors.js';
import { checkNewPassword, parseEmail, parseName } from '../users/user-input.js';
import { screenNewPassword } from './password-screening.js';
import { issueAuthPayload, type AuthPayloadRecord } from './auth-payload.js';
import type { AuthDependencies } from './auth-dependencies.js';

export interface SignUpInput {
  email: string;
  password: string;
  name?: string | null | undefined;
  userAgent: string | null;
  /** The client's address: sign-ups are limited per address (SIGNUP_MAX_PER_IP), and it is recorded in the audit trail. */
  clientIp: string;
}

/**
 * Registers a USER and starts its first session. Throws InputError (field email, password
 * or name), RateLimitedError past SIGNUP_MAX_PER_IP. A taken email is not hashed for:
 * the answer (EMAIL_TAKEN) says it is taken anyway, so equal timing would hide nothing,
 * and the attempt still counts against the address's limit, which bounds that probing.
 */
export async function signUp(deps: AuthDependencies, input: SignUpInput): Promise<AuthPayloadRecord> {
  const email = parseEmail(input.email);
  checkNewPassword(input.password);
  screenNewPassword(input.password, email);
  const name = parseName(input.name);
  deps.passwords.checkAvailable();
  await deps.signUpThrottle.attempt(input.clientIp);
  const taken = () => new InputError('EMAIL_TAKEN', 'email', 'This email address is already registered.');
  if ((await deps.users.findCredentialsByEmail(email)) !== null) throw taken();
  const passwordHash = await deps.passwords.hash(input.password);
  // Still refused here when the same email signs up concurrently.
  const user = await deps.users.insert({ id: randomUUID(), email, name, passwordHash }, (created) => ({
    kind: 'SIGNED_UP',
    userId: created.id,
    origin: input,
  }));
  if (user === null) throw taken();
  const session = await deps.sessions.start(user.id, input.userAgent);
  return issueAuthPayload(deps, user, session);
}
