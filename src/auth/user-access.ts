import type { AuditOrigin } from '../db/audit-trail.js';
import { InputError, NotFoundError } from '../errors.js';
import { isUuid } from '../ids.js';
import type { UserAdminDependencies } from '../users/user-admin.js';
import type { UserRecord } from '../users/user-record.js';
import type { AuthDependencies } from './auth-dependencies.js';
import type { Viewer } from './viewer.js';

type Dependencies = Pick<AuthDependencies, 'users' | 'sessions'> & Pick<UserAdminDependencies, 'onUserChanged'>;

/**
 * Disables or enables an account (an admin's control). Disabling revokes every session of
 * the user through the usual revocation path, so every instance refuses its tokens within
 * a second; a session started by a login racing it is refused too, since a session of a
 * disabled user counts as revoked. The last enabled ADMIN cannot be disabled (LAST_ADMIN),
 * which also keeps an admin from locking everyone out by disabling themselves.
 */
export async function setUserDisabled(
  deps: Dependencies,
  actor: Viewer,
  userId: string,
  disabled: boolean,
  origin: AuditOrigin,
): Promise<UserRecord> {
  const audit = { kind: disabled ? 'USER_DISABLED' : 'USER_ENABLED', userId, actorId: actor.userId, origin } as const;
  const result = isUuid(userId) ? await deps.users.setDisabled(userId, disabled, audit) : 'not-found';
  if (result === 'not-found') throw new NotFoundError('No such user.');
  if (result === 'last-admin') {
    throw new InputError('LAST_ADMIN', 'userId', 'The last enabled admin cannot be disabled: make another user ADMIN first.');
  }
  if (disabled) await deps.sessions.revokeAllOfUser(userId, 'user_disabled');
  // Every instance forgets the user and its cached sessions at once.
  await deps.onUserChanged(userId);
  return result;
}

/** Revokes every live session of a user (an admin's control) and returns how many there were. */
export async function revokeUserSessions(
  deps: Dependencies,
  actor: Viewer,
  userId: string,
  origin: AuditOrigin,
): Promise<number> {
  if (!isUuid(userId) || (await deps.users.findById(userId)) === null) throw new NotFoundError('No such user.');
  const revoked = await deps.sessions.revokeAllOfUser(userId, 'admin_revoked', undefined, {
    kind: 'SESSION_REVOKED',
    userId,
    actorId: actor.userId,
    origin,
  });
  return revoked.length;
}
