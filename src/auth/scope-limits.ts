import type { ForbiddenReason } from '../errors.js';
import type { Scope } from '../users/roles.js';
import type { UserRecord } from '../users/user-record.js';

/** The most a user's tokens may grant for now, and why (the FORBIDDEN reason and message a client is told). */
export interface ScopeLimit {
  readonly scopes: readonly Scope[];
  readonly reason: ForbiddenReason;
  /** What a refused field says, e.g. what to do to lift the limit. */
  readonly message: string;
}

/** A module's condition on a user's scopes (the user as of the session check); null when it sets none. */
export type ScopeLimiter = (user: UserRecord) => Promise<ScopeLimit | null>;

/**
 * What narrows a user's scopes below their role's (REQUIRE_EMAIL_VERIFICATION's `read` only):
 * asked when a token is issued, for its `scope` claim, and on every request, so a change
 * applies without waiting for the token to expire.
 */
export function createScopeLimits() {
  const limiters: ScopeLimiter[] = [];
  return {
    add(limiter: ScopeLimiter): void {
      limiters.push(limiter);
    },

    /** False when no module limits scopes: the hot path then asks nothing. */
    get active(): boolean {
      return limiters.length > 0;
    },

    /** The first limit that applies to the user now, or null. */
    async find(user: UserRecord): Promise<ScopeLimit | null> {
      for (const limiter of limiters) {
        const limit = await limiter(user);
        if (limit !== null) return limit;
      }
      return null;
    },
  };
}

export type ScopeLimits = ReturnType<typeof createScopeLimits>;

/** The role's scopes that the limit keeps, in their order. */
export function narrowScopes(scopes: readonly Scope[], limit: ScopeLimit | null): readonly Scope[] {
  return limit === null ? scopes : scopes.filter((scope) => limit.scopes.includes(scope));
}
