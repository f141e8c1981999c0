import { InputError, NotFoundError } from '../errors.js';
import { isUuid } from '../ids.js';
import { pageSize, toPage, type CursorCodec, type Edge, type Page } from '../pagination/connection.js';
import type { Role } from './roles.js';
import type { UserRecord } from './user-record.js';
import type { UserRepository } from './user-repository.js';

export type UserPage = Page<UserRecord>;
export type UserEdgeRecord = Edge<UserRecord>;

export interface UserAdminDependencies {
  readonly users: UserRepository;
  readonly cursors: CursorCodec;
  /** Tells every instance that a user's role changed, so sessions re-read it at once. */
  readonly onUserChanged: (userId: string) => Promise<void>;
}

/** Every user, newest first, as a Relay connection. */
export async function listUsers(
  deps: UserAdminDependencies,
  args: { first?: number | null; after?: string | null },
): Promise<UserPage> {
  const size = pageSize(args.first);
  const afterId = args.after === null || args.after === undefined ? null : deps.cursors.decode(args.after);
  const [rows, total] = await Promise.all([deps.users.listPage(afterId, size + 1), deps.users.count()]);
  return toPage(rows, size, total, deps.cursors);
}

/** Changes a user's role; it applies to the user's next request, without a new login. */
export async function setUserRole(
  deps: Pick<UserAdminDependencies, 'users' | 'onUserChanged'>,
  userId: string,
  role: Role,
): Promise<UserRecord> {
  const result = isUuid(userId) ? await deps.users.setRole(userId, role) : 'not-found';
  if (result === 'not-found') throw new NotFoundError('No such user.');
  if (result === 'last-admin') {
    throw new InputError('LAST_ADMIN', 'role', 'The last admin cannot be demoted: make another user ADMIN first.');
  }
  await deps.onUserChanged(userId);
  return result;
}
