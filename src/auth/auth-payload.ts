import type { AccessTokens } from '../tokens/access-token.js';
import { scopesForRole } from '../users/roles.js';
import type { UserRecord } from '../users/user-record.js';
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

/** Signs an access token for the session and pairs it with the session's refresh token. */
export function issueAuthPayload(
  accessTokens: AccessTokens,
  user: UserRecord,
  session: StartedSession,
): AuthPayloadRecord {
  const { assurance } = session;
  const { token, expiresIn } = accessTokens.sign({
    userId: user.id,
    sessionId: session.sessionId,
    role: user.role,
    scope: assurance.mfaPending ? MFA_SCOPE : scopesForRole(user.role).join(' '),
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
