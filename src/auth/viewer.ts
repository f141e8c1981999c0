import { isUuid } from '../ids.js';
import { AuthenticationError } from '../errors.js';
import type { AccessTokens } from '../tokens/access-token.js';
import { scopesForRole, type Role, type Scope } from '../users/roles.js';
import { parseBearerToken } from './authorization-header.js';
import type { SessionCache } from './session-cache.js';


/** The authenticated caller of one request. */
export interface Viewer {
  readonly userId: string;
  readonly sessionId: string;
  /** The user's current role (not the token's claim, which may be stale). */
  readonly role: Role;
  readonly scopes: ReadonlySet<Scope>;
}

export interface ViewerDependencies {
  accessTokens: AccessTokens;
  sessionCache: SessionCache;
}

/**
 * Turns an Authorization header into a Viewer (null when there is no header), verifying
 * the token once and checking that its session is live. Throws AuthenticationError.
 */
export async function resolveViewer(
  deps: ViewerDependencies,
  authorization: string | undefined,
): Promise<Viewer | null> {
  const token = parseBearerToken(authorization);
  if (token === null) return null;
  const claims = deps.accessTokens.verify(token);
  // Ids are UUIDs; anything else cannot name a session (and must not reach SQL as one).
  if (!isUuid(claims.sid) || !isUuid(claims.sub)) {
    throw new AuthenticationError('TOKEN_INVALID', 'The access token is invalid.');
  }
  const session = await deps.sessionCache.get(claims.sid);
  if (
    session === null ||
    session.revoked ||
    session.expiresAt.getTime() <= Date.now() ||
    session.userId !== claims.sub
  ) {
    throw new AuthenticationError('SESSION_REVOKED', 'The session has ended. Log in again.');
  }
  return Object.freeze({
    userId: session.userId,
    sessionId: claims.sid,
    role: session.role,
    scopes: new Set(scopesForRole(session.role)),
  });
}
