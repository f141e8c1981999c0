import type { AuditOrigin } from '../db/audit-trail.js';
import { isUuid } from '../ids.js';
import { AuthenticationError, InputError, NotFoundError } from '../errors.js';
import { checkNewPassword } from '../users/user-input.js';
import { screenNewPassword } from './password-screening.js';
import { issueAuthPayload, type AuthPayloadRecord } from './auth-payload.js';
import type { UserAdminDependencies } from '../users/user-admin.js';
import type { AuthDependencies } from './auth-dependencies.js';
import type { SessionSummary } from './session-store.js';
import type { Viewer } from './viewer.js';


/** Ends the caller's session, or all of the caller's sessions. */
export async function logout(
  deps: AuthDependencies,
  viewer: Viewer,
  allSessions: boolean,
  origin: AuditOrigin,
): Promise<true> {
  const audit = { kind: 'LOGGED_OUT', userId: viewer.userId, origin } as const;
  if (allSessions) await deps.sessions.revokeAllOfUser(viewer.userId, 'logout', undefined, audit);
  else await deps.sessions.revoke(viewer.sessionId, 'logout', audit);
  return true;
}

/** Ends one of the caller's own sessions; any other id, even a real one, is NOT_FOUND. */
export async function revokeSession(
  deps: AuthDependencies,
  viewer: Viewer,
  sessionId: string,
  origin: AuditOrigin,
): Promise<true> {
  if (!isUuid(sessionId) || !(await deps.sessions.belongsTo(sessionId, viewer.userId))) {
    throw new NotFoundError('No such session.');
  }
  await deps.sessions.revoke(sessionId, 'revoked', { kind: 'SESSION_REVOKED', userId: viewer.userId, origin });
  return true;
}

export interface SessionView extends SessionSummary {
  current: boolean;
}

/** The caller's live sessions, most recently used first. */
export async function listSessions(deps: AuthDependencies, viewer: Viewer): Promise<SessionView[]> {
  const sessions = await deps.sessions.listLive(viewer.userId);
  return sessions.map((session) => ({ ...session, current: session.id === viewer.sessionId }));
}

/**
 * Changes the caller's password after checking the current one; ends every other
 * session and gives this one a fresh token pair.
 */
export async function changePassword(
  deps: AuthDependencies,
  viewer: Viewer,
  currentPassword: string,
  newPassword: string,
  origin: PasswordCheckOrigin,
): Promise<AuthPayloadRecord> {
  const { email } = await checkCurrentPassword(deps, viewer, currentPassword, origin);
  checkNewPassword(newPassword, 'newPassword');
  screenNewPassword(newPassword, email, 'newPassword');
  await deps.sessions.replacePassword(viewer.userId, await deps.passwords.hash(newPassword), {
    exceptSessionId: viewer.sessionId,
    audit: { kind: 'PASSWORD_CHANGED', userId: viewer.userId, origin },
    within: (tx) => deps.securityNotices.send(tx, { userId: viewer.userId, email }, { kind: 'password-changed' }),
  });
  const session = await deps.sessions.reissue(viewer.sessionId);
  const user = await deps.users.findById(viewer.userId);
  if (user === null) throw new AuthenticationError('SESSION_REVOKED');
  return issueAuthPayload(deps, user, session);
}

/**
 * Deletes the caller's account after checking the password: every session ends with it.
 * The last ADMIN cannot leave, as it cannot be demoted: `LAST_ADMIN` on `password`, the
 * argument of this operation, and the account and its sessions stay as they were.
 */
export async function deleteAccount(
  deps: AuthDependencies & Pick<UserAdminDependencies, 'onUserChanged'>,
  viewer: Viewer,
  password: string,
  origin: PasswordCheckOrigin,
): Promise<true> {
  await checkCurrentPassword(deps, viewer, password, origin);
  // Sessions are not revoked first: a refused deletion must leave them working. They go
  // with the row (ON DELETE CASCADE), decided under the same lock as the last-admin check.
  const result = await deps.users.delete(viewer.userId, { kind: 'ACCOUNT_DELETED', userId: viewer.userId, origin });
  if (result === 'last-admin') {
    throw new InputError('LAST_ADMIN', 'password', 'The last admin cannot delete their account: make another user ADMIN first.');
  }
  // Every instance forgets the user's cached sessions (ending its sockets), the user, and
  // its cached feed pages (its posts went with it).
  await deps.onUserChanged(viewer.userId);
  return true;
}

/** Who is asking: for the brute-force limit that wrong current passwords count towards, and the audit trail. */
export interface PasswordCheckOrigin extends AuditOrigin {
  clientIp: string;
}

// Wrong current passwords count towards the same limit as failed logins for that email:
// a stolen access token must not become a way around it.
export async function checkCurrentPassword(
  deps: AuthDependencies,
  viewer: Viewer,
  password: string,
  origin: PasswordCheckOrigin,
): Promise<{ email: string; passwordHash: string }> {
  const credentials = await deps.users.findCredentialsById(viewer.userId);
  if (credentials === null) throw new AuthenticationError('SESSION_REVOKED');
  const attempt = await deps.loginThrottle.attempt(credentials.email, origin.clientIp);
  if (!(await deps.passwords.verify(credentials.passwordHash, password))) {
    throw new AuthenticationError('INVALID_CREDENTIALS', 'The password is incorrect.');
  }
  await attempt.succeeded();
  return credentials;
}
