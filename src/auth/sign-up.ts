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
  /** The client's address, recorded in the audit trail. */
  clientIp: string;
}

/** Registers a USER and starts its first session. Throws InputError (field email, password or name). */
export async function signUp(deps: AuthDependencies, input: SignUpInput): Promise<AuthPayloadRecord> {
  const email = parseEmail(input.email);
  checkNewPassword(input.password);
  screenNewPassword(input.password, email);
  const name = parseName(input.name);
  const passwordHash = await deps.passwords.hash(input.password);
  const user = await deps.users.insert({ id: randomUUID(), email, name, passwordHash }, (created) => ({
    kind: 'SIGNED_UP',
    userId: created.id,
    origin: input,
  }));
  if (user === null) {
    throw new InputError('EMAIL_TAKEN', 'email', 'This email address is already registered.');
  }
  const session = await deps.sessions.start(user.id, input.userAgent);
  return issueAuthPayload(deps.accessTokens, user, session);
}
