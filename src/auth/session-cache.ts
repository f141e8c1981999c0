import { createReadCache } from '../db/read-cache.js';
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

/**
 * Session liveness and the user's current role, cached per session so an authenticated
 * request does not cost a database round trip, yet never trusted longer than `ttlMs`.
 * Unknown sessions are cached too (as null), so a flood of forged session ids costs one
 * query per id per TTL.
 */
export function createSessionCache(options: SessionCacheOptions) {
  const cache = createReadCache<SessionState | null>(options);
  return {
    get: (sessionId: string): Promise<SessionState | null> => cache.get(sessionId, () => options.load(sessionId)),

    /** The session read from the database now, whatever is cached. */
    reload(sessionId: string): Promise<SessionState | null> {
      cache.invalidate(sessionId);
      return cache.get(sessionId, () => options.load(sessionId));
    },

    invalidateSessions(sessionIds: readonly string[]): void {
      for (const id of sessionIds) cache.invalidate(id);
    },

    /** After a role change or account deletion. */
    invalidateUser(userId: string): void {
      cache.invalidateWhere((state) => state?.userId === userId);
    },

    clear: (): void => cache.clear(),

    get size(): number {
      return cache.size;
    },
  };
}

export type SessionCache = ReturnType<typeof createSessionCache>;
