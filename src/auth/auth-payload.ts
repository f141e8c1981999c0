import type { AuthDependencies } from './auth-dependencies.js';
import { scopesForRole } from '../users/roles.js';
import type { UserRecord } from '../users/user-record.js';
import { narrowScopes } from './scope-limits.js';
import type { StartedSession } from './session-store.js';

/** The only scope of a token whose session owes a second factor. */
export const MFA_SCOPE = 'mfa';

/** What signUp, login and refreshToken return: a token pair and its user. */
export interface AuthPayloadRecord {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly tokenType: 'Bearer';
  /** Seconds until the access token expires. */
  readonly expiresIn: number;
  readonly user: UserRecord;
  /** The session owes a second factor: the access token has scope `mfa`, good for verifyMfa, logout and me. */
  readonly mfaRequired: boolean;
}

/**
 * Signs an access token for the session and pairs it with the session's refresh token. Its
 * `scope` is the role's, narrowed by what limits the user now (an unverified address).
 */
export async function issueAuthPayload(
  deps: Pick<AuthDependencies, 'accessTokens' | 'scopeLimits'>,
  user: UserRecord,
  session: StartedSession,
): Promise<AuthPayloadRecord> {
  const { assurance } = session;
  const limit = deps.scopeLimits.active ? await deps.scopeLimits.find(user) : null;
  const { token, expiresIn } = deps.accessTokens.sign({
    userId: user.id,
    sessionId: session.sessionId,
    role: user.role,
    // A session owing its second factor gets only `mfa`, whatever else would narrow it.
    scope: assurance.mfaPending ? MFA_SCOPE : narrowScopes(scopesForRole(user.role), limit).join(' '),
    authTime: Math.floor(assurance.authTime.getTime() / 1000),
    aal: assurance.aal,
    amr: assurance.amr,
    notAfter: Math.floor(session.endsAt.getTime() / 1000),
  });
  return {
    accessToken: token,
    refreshToken: session.refreshToken,
    tokenType: 'Bearer',
    expiresIn,
    user,
    mfaRequired: assurance.mfaPending,
  };
}
