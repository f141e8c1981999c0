import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { refreshTokens, sessions, users } from '../db/schema.js';
import type { Role } from '../users/roles.js';

export interface StartedSession {
  sessionId: string;
  /** The opaque refresh token, returned to the client once and stored only as a hash. */
  refreshToken: string;
}

/** What an authenticated request needs to know about its session, read fresh. */
export interface SessionState {
  userId: string;
  /** The user's current role, which may differ from the token's claim. */
  role: Role;
  live: boolean;
}

// 256 bits from the CSPRNG: a token this long needs no slow hash, SHA-256 suffices
// to make a stolen database useless for presenting tokens.
const REFRESH_TOKEN_BYTES = 32;

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}

export function createSessionStore(db: Db, options: { refreshTokenTtlSeconds: number }) {
  return {
    async start(userId: string, userAgent: string | null): Promise<StartedSession> {
      const sessionId = randomUUID();
      const refreshToken = randomBytes(REFRESH_TOKEN_BYTES).toString('base64url');
      const expiresAt = new Date(Date.now() + options.refreshTokenTtlSeconds * 1000);
      await db.transaction(async (tx) => {
        await tx.insert(sessions).values({ id: sessionId, userId, userAgent, expiresAt });
        await tx.insert(refreshTokens).values({ tokenHash: hashRefreshToken(refreshToken), sessionId });
      });
      return { sessionId, refreshToken };
    },

    async findState(sessionId: string): Promise<SessionState | null> {
      const [row] = await db
        .select({
          userId: sessions.userId,
          role: users.role,
          revokedAt: sessions.revokedAt,
          expiresAt: sessions.expiresAt,
        })
        .from(sessions)
        .innerJoin(users, eq(users.id, sessions.userId))
        .where(eq(sessions.id, sessionId));
      if (row === undefined) return null;
      return {
        userId: row.userId,
        role: row.role,
        live: row.revokedAt === null && row.expiresAt.getTime() > Date.now(),
      };
    },
  };
}

export type SessionStore = ReturnType<typeof createSessionStore>;
