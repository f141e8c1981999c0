import { randomUUID } from 'node:crypto';
import { InputError } from '../errors.js';
import type { UserAdminDependencies } from '../users/user-admin.js';
import { checkNewPassword, parseEmail } from '../users/user-input.js';
import type { AuthDependencies } from './auth-dependencies.js';
import { screenNewPassword } from './password-screening.js';

/** What ADMIN_EMAIL / ADMIN_PASSWORD did at start. */
export type BootstrapOutcome = 'created' | 'promoted' | 'unchanged';

/**
 * Makes the configured account an ADMIN: creates it with the given password, or promotes
 * an existing one only when ADMIN_PASSWORD is its password; an account that is already
 * ADMIN is left as it is. Idempotent, and safe when several instances start at once. Bad
 * values, and an account the operator does not prove to own, are reported against the
 * variable names (the error's message starts with `ADMIN_EMAIL:` or `ADMIN_PASSWORD:`).
 */
export async function bootstrapAdmin(
  deps: AuthDependencies & UserAdminDependencies,
  admin: { email: string; password: string },
): Promise<BootstrapOutcome> {
  let email: string;
  try {
    email = parseEmail(admin.email);
    checkNewPassword(admin.password, 'ADMIN_PASSWORD');
    screenNewPassword(admin.password, email, 'ADMIN_PASSWORD');
  } catch (error) {
    if (error instanceof InputError) {
      throw new Error(`${error.field === 'email' ? 'ADMIN_EMAIL' : 'ADMIN_PASSWORD'}: ${error.message}`);
    }
    throw error;
  }
  const existing = await deps.users.findCredentialsByEmail(email);
  if (existing === null) {
    const created = await deps.users.insert({
      id: randomUUID(),
      email,
      name: null,
      passwordHash: await deps.passwords.hash(admin.password),
    });
    // null: another instance created it meanwhile; promote whatever is there.
    if (created !== null) {
      await deps.users.setRole(created.id, 'ADMIN');
      return 'created';
    }
    return bootstrapAdmin(deps, admin);
  }
  if (existing.user.role === 'ADMIN') return 'unchanged';
  // Anyone may sign up with the admin's address before the operator sets ADMIN_EMAIL:
  // promoting that account as it is would hand ADMIN to whoever got there first.
  if (!(await deps.passwords.verify(existing.passwordHash, admin.password))) {
    throw new Error(
      'ADMIN_EMAIL: an account with this email already exists and ADMIN_PASSWORD is not its password; ' +
        'it was not made ADMIN. Set ADMIN_PASSWORD to its password, or choose another ADMIN_EMAIL.',
    );
  }
  await deps.users.setRole(existing.user.id, 'ADMIN');
  await deps.onUserChanged(existing.user.id);
  return 'promoted';
}
