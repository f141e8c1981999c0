import { randomUUID } from 'node:crypto';
import { InputError } from '../errors.js';
import type { UserAdminDependencies } from '../users/user-admin.js';
import { checkNewPassword, parseEmail } from '../users/user-input.js';
import type { AuthDependencies } from './auth-dependencies.js';

/** What ADMIN_EMAIL / ADMIN_PASSWORD did at start. */
export type BootstrapOutcome = 'created' | 'promoted' | 'unchanged';

/**
 * Makes the configured account an ADMIN: creates it with the given password, or promotes
 * an existing one (its password is left alone). Idempotent, and safe when several
 * instances start at once. Bad values are reported against the variable names.
 */
export async function bootstrapAdmin(
  deps: AuthDependencies & UserAdminDependencies,
  admin: { email: string; password: string },
): Promise<BootstrapOutcome> {
  let email: string;
  try {
    email = parseEmail(admin.email);
    checkNewPassword(admin.password, 'ADMIN_PASSWORD');
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
  await deps.users.setRole(existing.user.id, 'ADMIN');
  await deps.onUserChanged(existing.user.id);
  return 'promoted';
}
