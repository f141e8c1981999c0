import type { AuditEventKind } from '../db/audit-trail.js';
import { AuthenticationError, RateLimitedError } from '../errors.js';
import { isImpossibleEmail, normalizeEmail } from '../users/user-input.js';
import type { AuthDependencies } from './auth-dependencies.js';
import { login, type LoginInput, type LoginRecord } from './login.js';

/**
 * `login`, with its refusals in the audit trail (a success is recorded by `login` itself, in
 * the transaction that starts the session). A refusal writes nothing else, so its event is
 * written on its own. The account is looked up for every refusal alike, whether or not the
 * email is registered, so recording one adds the same time to both; an unknown email is
 * recorded with no user.
 */
export async function loginWithAudit(deps: AuthDependencies, input: LoginInput): Promise<LoginRecord> {
  try {
    return await login(deps, input);
  } catch (error) {
    const kind = refusalKind(error);
    if (kind !== null) {
      const email = normalizeEmail(input.email);
      const found = isImpossibleEmail(email) ? null : await deps.users.findCredentialsByEmail(email);
      await deps.auditTrail.record({ kind, userId: found?.user.id ?? null, origin: input });
    }
    throw error;
  }
}

function refusalKind(error: unknown): AuditEventKind | null {
  if (error instanceof RateLimitedError) return 'LOGIN_RATE_LIMITED';
  if (error instanceof AuthenticationError && (error.code === 'INVALID_CREDENTIALS' || error.code === 'ACCOUNT_DISABLED')) {
    return 'LOGIN_FAILED';
  }
  return null;
}
