import { isUuid } from '../ids.js';
import type { UserRecord } from '../users/user-record.js';
import { AuthenticationError } from '../errors.js';
import type { AccessTokens } from '../tokens/access-token.js';
import { scopesForRole, type Role, type Scope } from '../users/roles.js';
import { MFA_SCOPE } from './auth-payload.js';
import { parseBearerToken } from './authorization-header.js';
import type { SessionCache } from './session-cache.js';
import type { SessionAssurance } from './session-store.js';
import { narrowScopes, type ScopeLimit, type ScopeLimits } from './scope-limits.js';


// One set per role, shared by every Viewer (a ReadonlySet: nothing adds to it).
const SCOPE_SETS: Record<Role, ReadonlySet<Scope>> = {
  VIEWER: new Set(scopesForRole('VIEWER')),
  USER: new Set(scopesForRole('USER')),
  ADMIN: new Set(scopesForRole('ADMIN')),
};

/** The authenticated caller of one request. */
export interface Viewer {
  readonly userId: string;
  readonly sessionId: string;
  /** The user's current role (not the token's claim, which may be stale). */
  readonly role: Role;
  readonly scopes: ReadonlySet<Scope>;
  /** Why `scopes` are narrower than the role's (an unverified address), or null. */
  readonly scopesLimitedBy: Pick<ScopeLimit, 'reason' | 'message'> | null;
  /** The access token's `exp`, in seconds since the epoch. */
  readonly tokenExpiresAt: number;
  /** The caller's account, as of the session check (at most the session cache's TTL old). */
  readonly user: UserRecord;
  /**
   * A second factor is owed (the token's scope is `mfa`, or its session says so): rules
   * let it reach only verifyMfa, logout and me (graphql/rules.ts).
   */
  readonly mfaPending: boolean;
  /** The session's assurance level and when its user last proved a factor (step-up). */
  readonly aal: 1 | 2;
  readonly authTime: Date;
}

export interface ViewerDependencies {
  accessTokens: AccessTokens;
  sessionCache: SessionCache;
  scopeLimits: ScopeLimits;
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
    throw new AuthenticationError('TOKEN_INVALID');
  }
  return checkSession(deps, {
    userId: claims.sub,
    sessionId: claims.sid,
    tokenExpiresAt: claims.exp,
    mfaPending: claims.scope === MFA_SCOPE,
    issuedFor: { authTime: claims.auth_time, aal: claims.aal },
  });
}

/**
 * The same caller as of now: its session read again (through the cache), with the
 * user's current role. Throws SESSION_REVOKED once the session has ended. For callers
 * that outlive a request, such as a subscription's socket.
 */
export function recheckViewer(deps: ViewerDependencies, viewer: Viewer): Promise<Viewer> {
  return checkSession(deps, viewer);
}

/** The assurance a token was issued for (its `auth_time`, in seconds, and `aal`). */
interface IssuedFor {
  authTime: number;
  aal: 1 | 2;
}

async function checkSession(
  deps: ViewerDependencies,
  // mfaPending: the token was issued owing a second factor; it stays so even once its session no longer does.
  token: { userId: string; sessionId: string; tokenExpiresAt: number; mfaPending: boolean; issuedFor?: IssuedFor },
): Promise<Viewer> {
  let session = await deps.sessionCache.get(token.sessionId);
  // A token issued after the cached read (verifyMfa or reauthenticate, maybe on another
  // instance whose notification has not arrived yet) must not be judged on the older
  // assurance: a step-up operation sent right after would be refused. Read it again.
  if (session !== null && token.issuedFor !== undefined && predates(session.assurance, token.issuedFor, token.mfaPending)) {
    session = await deps.sessionCache.reload(token.sessionId);
  }
  if (
    session === null ||
    session.revoked ||
    session.expiresAt.getTime() <= Date.now() ||
    session.userId !== token.userId
  ) {
    throw new AuthenticationError('SESSION_REVOKED');
  }
  // Read now, not from the token's claim: a limit set or lifted applies to the next request.
  const limit = deps.scopeLimits.active ? await deps.scopeLimits.find(session.user) : null;
  return Object.freeze({
    userId: session.userId,
    sessionId: token.sessionId,
    role: session.role,
    scopes: limit === null ? SCOPE_SETS[session.role] : new Set(narrowScopes(scopesForRole(session.role), limit)),
    scopesLimitedBy: limit,
    tokenExpiresAt: token.tokenExpiresAt,
    user: session.user,
    mfaPending: token.mfaPending || session.assurance.mfaPending,
    aal: session.assurance.aal,
    authTime: session.assurance.authTime,
  });
}

/** Whether the session's assurance, as cached, is older than the token's: a factor was proved since. */
function predates(assurance: SessionAssurance, issuedFor: IssuedFor, tokenOwesFactor: boolean): boolean {
  return (
    Math.floor(assurance.authTime.getTime() / 1000) < issuedFor.authTime ||
    assurance.aal < issuedFor.aal ||
    // A session owes its factor until verifyMfa, never again: a token that does not is newer.
    (assurance.mfaPending && !tokenOwesFactor)
  );
}
