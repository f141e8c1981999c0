import type { AuditOrigin } from '../db/audit-trail.js';
import { InputError, NotFoundError } from '../errors.js';
import { isUuid } from '../ids.js';
import { loadPage, type CursorCodec, type Page, type PageArgs } from '../pagination/connection.js';
import type { Role } from './roles.js';
import type { UserRecord } from './user-record.js';
import type { UserRepository } from './user-repository.js';

export interface UserAdminDependencies {
  readonly users: UserRepository;
  /** The `users` list's cursors. */
  readonly userCursors: CursorCodec;
  /** Tells every instance that a user's role changed, so sessions re-read it at once. */
  readonly onUserChanged: (userId: string) => Promise<void>;
}

/** Every user, newest first, as a Relay connection. */
export function listUsers(deps: UserAdminDependencies, args: PageArgs): Promise<Page<UserRecord>> {
  return loadPage(deps.userCursors, args, { rows: deps.users.listPage, count: deps.users.count });
}

/** Changes a user's role; it applies to the user's next request, without a new login. */
export async function setUserRole(
  deps: Pick<UserAdminDependencies, 'users' | 'onUserChanged'>,
  userId: string,
  role: Role,
  /** Who asked: the admin's id (null for the command line) and request. */
  actor: { userId: string | null; origin: AuditOrigin },
): Promise<UserRecord> {
  const audit = { kind: 'ROLE_CHANGED', userId, actorId: actor.userId, origin: actor.origin } as const;
  const result = isUuid(userId) ? await deps.users.setRole(userId, role, audit) : 'not-found';
  if (result === 'not-found') throw new NotFoundError('No such user.');
  if (result === 'last-admin') {
    throw new InputError('LAST_ADMIN', 'role', 'The last admin cannot be demoted: make another user ADMIN first.');
  }
  await deps.onUserChanged(userId);
  return result;
}
