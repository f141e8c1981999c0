import type { AuditOrigin } from '../db/audit-trail.js';
import { AuthenticationError } from '../errors.js';
import { issueAuthPayload, type AuthPayloadRecord } from './auth-payload.js';
import type { AuthDependencies } from './auth-dependencies.js';
import { isWellFormedRefreshToken } from './refresh-token.js';

/**
 * Exchanges a refresh token for a new token pair (rotation), per the contract's
 * "Sessions and refresh tokens": single use, a grace for concurrent tabs, and the whole
 * session revoked when a spent token comes back after the grace.
 */
export async function refreshTokens(
  deps: AuthDependencies,
  presented: string,
  origin: AuditOrigin,
): Promise<AuthPayloadRecord> {
  if (!isWellFormedRefreshToken(presented)) throw invalidRefreshToken();
  const result = await deps.sessions.rotate(presented, (userId) => ({ kind: 'REFRESH_TOKEN_REUSED', userId, origin }));
  switch (result.kind) {
    case 'unknown':
      throw invalidRefreshToken();
    case 'ended':
      throw new AuthenticationError('SESSION_REVOKED');
    case 'reused':
      throw new AuthenticationError('REFRESH_TOKEN_REUSED');
    case 'rotated':
    case 'grace': {
      const user = await deps.users.findById(result.userId);
      if (user === null) throw new AuthenticationError('SESSION_REVOKED');
      return issueAuthPayload(deps, user, {
        sessionId: result.sessionId,
        refreshToken: result.refreshToken,
        endsAt: result.endsAt,
        assurance: result.assurance,
      });
    }
  }
}

function invalidRefreshToken(): AuthenticationError {
  return new AuthenticationError('REFRESH_TOKEN_INVALID');
}
