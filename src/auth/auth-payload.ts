import type { AccessTokens } from '../tokens/access-token.js';
import { scopesForRole } from '../users/roles.js';
import type { UserRecord } from '../users/user-record.js';
import type { StartedSession } from './session-store.js';

/** What signUp, login and refreshToken return: a token pair and its user. */
export interface AuthPayloadRecord {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly tokenType: 'Bearer';
  /** Seconds until the access token expires. */
  readonly expiresIn: number;
  readonly user: UserRecord;
}

/** Signs an access token for the session and pairs it with the session's refresh token. */
export function issueAuthPayload(
  accessTokens: AccessTokens,
  user: UserRecord,
  session: StartedSession,
): AuthPayloadRecord {
  const { token, expiresIn } = accessTokens.sign({
    userId: user.id,
    sessionId: session.sessionId,
    role: user.role,
    scope: scopesForRole(user.role).join(' '),
    notAfter: Math.floor(session.endsAt.getTime() / 1000),
  });
  return {
    accessToken: token,
    refreshToken: session.refreshToken,
    tokenType: 'Bearer',
    expiresIn,
    user,
  };
}
