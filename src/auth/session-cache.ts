import type { SessionState } from './session-store.js';

export interface SessionCacheOptions {
  /** Reads a session's state from the database (a cache miss). */
  load: (sessionId: string) => Promise<SessionState | null>;
  /**
   * The longest an entry is trusted. This bound alone makes a revocation or role change
   * made anywhere (another process included) visible within it; invalidation makes it
   * immediate where the change is known.
   */
  ttlMs: number;
  /** Beyond this many entries the oldest are dropped. */
  maxEntries: number;
  /** Milliseconds; injectable for tests. */
  now?: () => number;
}

interface Entry {
  state: SessionState | null;
  expiresAt: number;
}

/**
 * Session liveness and the user's current role, cached per session so an authenticated
 * request does not cost a database round trip, yet never trusted longer than `ttlMs`.
 */
export function createSessionCache(options: SessionCacheOptions) {
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  // Bumped by every invalidation: a load that began before one must not be cached.
  let epoch = 0;

  const remember = (sessionId: string, state: SessionState | null) => {
    entries.delete(sessionId);
    entries.set(sessionId, { state, expiresAt: now() + options.ttlMs });
    if (entries.size > options.maxEntries) {
      const oldest = entries.keys().next().value;
      if (oldest !== undefined) entries.delete(oldest);
    }
  };

  return {
    async get(sessionId: string): Promise<SessionState | null> {
      const entry = entries.get(sessionId);
      if (entry !== undefined && entry.expiresAt > now()) return entry.state;
      const startedAt = epoch;
      const state = await options.load(sessionId);
      if (epoch === startedAt) remember(sessionId, state);
      return state;
    },

    invalidateSessions(sessionIds: readonly string[]): void {
      epoch++;
      for (const id of sessionIds) entries.delete(id);
    },

    /** After a role change or account deletion. */
    invalidateUser(userId: string): void {
      epoch++;
      for (const [id, entry] of entries) {
        if (entry.state?.userId === userId) entries.delete(id);
      }
    },

    clear(): void {
      epoch++;
      entries.clear();
    },

    get size(): number {
      return entries.size;
    },
  };
}

export type SessionCache = ReturnType<typeof createSessionCache>;
