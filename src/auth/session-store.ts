import { randomUUID } from 'node:crypto';
import { and, desc, eq, gt, isNull, ne, sql } from 'drizzle-orm';
import { recordAuditEvent, type AuditEvent } from '../db/audit-trail.js';
import { isForeignKeyViolation, type Db } from '../db/database.js';
import type { DbTransaction } from './security-notice.js';
import { AuthenticationError } from '../errors.js';
import { refreshTokens, sessions, users } from '../db/schema.js';
import type { UserRecord } from '../users/user-record.js';
import { publicColumns } from '../users/user-repository.js';
import type { Role } from '../users/roles.js';
import {
  deriveNextRefreshToken,
  generateRefreshToken,
  generateRotationSecret,
  hashRefreshToken,
} from './refresh-token.js';

/** How well, how and when the session's user last proved who they are (the token's `aal`, `amr`, `auth_time`). */
export interface SessionAssurance {
  aal: 1 | 2;
  amr: readonly string[];
  authTime: Date;
  /** A second factor is owed: the session may only verify it, log out and read `me`. */
  mfaPending: boolean;
}

/** A factor proved again in a live session: what it becomes. */
export interface ProvedFactor {
  aal: 1 | 2;
  amr: readonly string[];
}

export interface StartedSession {
  sessionId: string;
  assurance: SessionAssurance;
  /** The opaque refresh token, returned to the client and stored only as a hash. */
  refreshToken: string;
  /** The session's absolute end (start + SESSION_MAX_LIFETIME_SECONDS): no token outlives it. */
  endsAt: Date;
}

/** What an authenticated request needs to know about its session, read fresh. */
export interface SessionState {
  userId: string;
  /** The user's current role, which may differ from the token's claim. */
  role: Role;
  /** Ended by logout, revocation, password change, deletion or reuse detection, or its user is disabled. */
  revoked: boolean;
  /** When it idles out unless refreshed; checked against the clock on every request. */
  expiresAt: Date;
  /** The user's account, read with the session: `me` and the caller's own records need no query. */
  user: UserRecord;
  assurance: SessionAssurance;
}

/** What a new session rests on, re-checked under a lock when the session is written. */
export interface SessionProof {
  /** The password hash the presented password was verified against. */
  passwordHash?: string;
  /** The event the session's start records (a login), written in its transaction. */
  audit?: AuditEvent;
  /** The user has MFA on: the session starts owing a second factor. */
  mfaPending?: boolean;
}

/** What else a password change writes in its transaction. */
export interface ReplacePasswordOptions {
  /** The caller's own session, kept (a change made while signed in). */
  exceptSessionId?: string;
  audit?: AuditEvent;
  /** Runs in the same transaction: what must commit with the change (a module's notice). */
  within?: (tx: DbTransaction) => Promise<void>;
}

export interface SessionSummary {
  id: string;
  createdAt: Date;
  lastUsedAt: Date;
  userAgent: string | null;
}

export type RevocationReason =
  | 'logout'
  | 'revoked'
  | 'password_changed'
  | 'reuse_detected'
  | 'account_deleted'
  | 'user_disabled'
  | 'admin_revoked';

/** The outcome of presenting a refresh token; decided under a lock on the session row. */
export type RotationResult =
  | {
      kind: 'rotated' | 'grace';
      sessionId: string;
      userId: string;
      refreshToken: string;
      endsAt: Date;
      assurance: SessionAssurance;
    }
  | { kind: 'reused'; sessionId: string }
  | { kind: 'unknown' | 'ended' };

export interface SessionStoreOptions {
  refreshTokenTtlSeconds: number;
  refreshReuseGraceSeconds: number;
  /** Absolute lifetime: the idle expiry is never pushed past the session's start plus this. */
  maxLifetimeSeconds: number;
  /** Told about every revocation, after it is committed (the session cache listens). */
  onRevoked: (revoked: { sessionIds: string[] }) => void;
  /**
   * Told when a factor proved again changes a session's assurance, after it is committed;
   * awaited, so that other instances hear of it before the caller is answered.
   */
  onAssuranceChanged: (sessionId: string) => Promise<void>;
}

/** SQL access to sessions and their refresh-token lineage. */
export function createSessionStore(db: Db, options: SessionStoreOptions) {
  const ttlMs = options.refreshTokenTtlSeconds * 1000;
  const graceMs = options.refreshReuseGraceSeconds * 1000;
  const maxLifetimeMs = options.maxLifetimeSeconds * 1000;
  // Whole seconds, as a token's `exp` is: a token issued before the end can always end with it.
  const endOf = (createdAt: Date) => new Date(Math.floor((createdAt.getTime() + maxLifetimeMs) / 1000) * 1000);
  // A refresh extends the idle expiry, but never past the absolute end.
  const idleExpiry = (createdAt: Date, now: Date) => new Date(Math.min(now.getTime() + ttlMs, endOf(createdAt).getTime()));
  const assuranceColumns = {
    aal: sessions.aal,
    amr: sessions.amr,
    authTime: sessions.authTime,
    mfaPending: sessions.mfaPending,
  };
  const liveSession = () => and(isNull(sessions.revokedAt), gt(sessions.expiresAt, sql`now()`));

  const revokeWhere = async (
    condition: ReturnType<typeof and>,
    reason: RevocationReason,
    audit: AuditEvent | undefined,
  ): Promise<string[]> => {
    const rows = await db.transaction(async (tx) => {
      const revoked = await tx
        .update(sessions)
        .set({ revokedAt: new Date(), revokedReason: reason })
        .where(and(condition, isNull(sessions.revokedAt)))
        .returning({ id: sessions.id });
      if (audit !== undefined && revoked.length > 0) await recordAuditEvent(tx, audit);
      return revoked;
    });
    const sessionIds = rows.map((row) => row.id);
    if (sessionIds.length > 0) options.onRevoked({ sessionIds });
    return sessionIds;
  };

  return {
    /**
     * Starts a session for the user. A user deleted since its password was checked (a login
     * racing deleteAccount) is INVALID_CREDENTIALS, as a login after the deletion would be.
     * With `passwordHash` (the hash the password was verified against), so is a user whose
     * password changed meanwhile: see lockUnchangedPassword. `audit` is recorded in the same
     * transaction.
     */
    async start(userId: string, userAgent: string | null, proof: SessionProof = {}): Promise<StartedSession> {
      const sessionId = randomUUID();
      const refreshToken = generateRefreshToken();
      const createdAt = new Date();
      const assurance: SessionAssurance = { aal: 1, amr: ['pwd'], authTime: createdAt, mfaPending: proof.mfaPending ?? false };
      try {
        await db.transaction(async (tx) => {
          if (proof.passwordHash !== undefined && !(await lockUnchangedPassword(tx, userId, proof.passwordHash))) {
            throw new AuthenticationError('INVALID_CREDENTIALS');
          }
          await tx.insert(sessions).values({
            id: sessionId,
            userId,
            userAgent,
            createdAt,
            lastUsedAt: createdAt,
            expiresAt: idleExpiry(createdAt, createdAt),
            rotationSecret: generateRotationSecret(),
            authTime: createdAt,
            aal: 1,
            amr: ['pwd'],
            mfaPending: assurance.mfaPending,
          });
          await tx
            .insert(refreshTokens)
            .values({ tokenHash: hashRefreshToken(refreshToken), sessionId, generation: 0 });
          if (proof.audit !== undefined) await recordAuditEvent(tx, proof.audit);
        });
      } catch (error) {
        if (isForeignKeyViolation(error)) throw new AuthenticationError('INVALID_CREDENTIALS');
        throw error;
      }
      return { sessionId, refreshToken, endsAt: endOf(createdAt), assurance };
    },

    /**
     * Sets the user's password hash and revokes every live session of the user but
     * `exceptSessionId`, in one transaction. Its row lock orders it against session starts
     * (see lockUnchangedPassword): a login that verified the old password either started
     * its session before (revoked here) or is refused after; one with the new password is
     * never revoked by it. `audit` is recorded in the same transaction.
     */
    async replacePassword(
      userId: string,
      passwordHash: string,
      { exceptSessionId, audit, within }: ReplacePasswordOptions = {},
    ): Promise<string[]> {
      const sessionIds = await db.transaction(async (tx) => {
        await tx.update(users).set({ passwordHash, updatedAt: new Date() }).where(eq(users.id, userId));
        if (audit !== undefined) await recordAuditEvent(tx, audit);
        await within?.(tx);
        const rows = await tx
          .update(sessions)
          .set({ revokedAt: new Date(), revokedReason: 'password_changed' })
          .where(
            and(
              eq(sessions.userId, userId),
              isNull(sessions.revokedAt),
              exceptSessionId === undefined ? undefined : ne(sessions.id, exceptSessionId),
            ),
          )
          .returning({ id: sessions.id });
        return rows.map((row) => row.id);
      });
      if (sessionIds.length > 0) options.onRevoked({ sessionIds });
      return sessionIds;
    },

    async findState(sessionId: string): Promise<SessionState | null> {
      const [row] = await db
        .select({
          revokedAt: sessions.revokedAt,
          expiresAt: sessions.expiresAt,
          ...assuranceColumns,
          user: publicColumns,
        })
        .from(sessions)
        .innerJoin(users, eq(users.id, sessions.userId))
        .where(eq(sessions.id, sessionId));
      if (row === undefined) return null;
      return {
        userId: row.user.id,
        role: row.user.role,
        // Disabling revokes the sessions too; this also refuses one started by a login racing it.
        revoked: row.revokedAt !== null || row.user.disabled,
        expiresAt: row.expiresAt,
        user: row.user,
        assurance: toAssurance(row),
      };
    },

    /** The user's live sessions, most recently used first. */
    async listLive(userId: string): Promise<SessionSummary[]> {
      return db
        .select({
          id: sessions.id,
          createdAt: sessions.createdAt,
          lastUsedAt: sessions.lastUsedAt,
          userAgent: sessions.userAgent,
        })
        .from(sessions)
        .where(and(eq(sessions.userId, userId), liveSession()))
        .orderBy(desc(sessions.lastUsedAt), desc(sessions.createdAt));
    },

    /** Whether the session exists and belongs to the user (live or not). */
    async belongsTo(sessionId: string, userId: string): Promise<boolean> {
      const [row] = await db
        .select({ id: sessions.id })
        .from(sessions)
        .where(and(eq(sessions.id, sessionId), eq(sessions.userId, userId)));
      return row !== undefined;
    },

    /** Revokes the session; `audit` is recorded in the same transaction when it was live. */
    revoke(sessionId: string, reason: RevocationReason, audit?: AuditEvent): Promise<string[]> {
      return revokeWhere(eq(sessions.id, sessionId), reason, audit);
    },

    /**
     * Revokes every live session of the user, but `exceptSessionId` if given; `audit` is
     * recorded in the same transaction when any was live.
     */
    revokeAllOfUser(
      userId: string,
      reason: RevocationReason,
      exceptSessionId?: string,
      audit?: AuditEvent,
    ): Promise<string[]> {
      return revokeWhere(
        exceptSessionId === undefined
          ? eq(sessions.userId, userId)
          : and(eq(sessions.userId, userId), ne(sessions.id, exceptSessionId)),
        reason,
        audit,
      );
    },

    /**
     * Replaces the session's refresh token with a new random one (after a password
     * change): every earlier token is spent, and the rotation chain starts again. With
     * `proved` (a factor proved again: verifyMfa), the session's assurance becomes it, its
     * `auth_time` now, and it owes no second factor: tokens of the earlier assurance
     * cannot be refreshed into the new one.
     */
    async reissue(sessionId: string, proved?: ProvedFactor): Promise<StartedSession> {
      const refreshToken = generateRefreshToken();
      const { createdAt, assurance } = await db.transaction(async (tx) => {
        const [session] = await tx
          .select({ createdAt: sessions.createdAt, revokedAt: sessions.revokedAt, ...assuranceColumns })
          .from(sessions)
          .where(eq(sessions.id, sessionId))
          .for('update');
        if (session === undefined || (proved !== undefined && session.revokedAt !== null)) {
          throw new AuthenticationError('SESSION_REVOKED');
        }
        const [latest] = await tx
          .select({ generation: refreshTokens.generation })
          .from(refreshTokens)
          .where(eq(refreshTokens.sessionId, sessionId))
          .orderBy(desc(refreshTokens.generation))
          .limit(1);
        const now = new Date();
        await tx
          .update(refreshTokens)
          .set({ spentAt: now })
          .where(and(eq(refreshTokens.sessionId, sessionId), isNull(refreshTokens.spentAt)));
        await tx.insert(refreshTokens).values({
          tokenHash: hashRefreshToken(refreshToken),
          sessionId,
          generation: (latest?.generation ?? -1) + 1,
        });
        const assurance: SessionAssurance =
          proved === undefined
            ? toAssurance(session)
            : { aal: proved.aal, amr: [...proved.amr], authTime: now, mfaPending: false };
        await tx
          .update(sessions)
          .set({
            lastUsedAt: now,
            expiresAt: idleExpiry(session.createdAt, now),
            ...(proved !== undefined && {
              aal: assurance.aal,
              amr: [...assurance.amr],
              authTime: assurance.authTime,
              mfaPending: false,
            }),
          })
          .where(eq(sessions.id, sessionId));
        return { createdAt: session.createdAt, assurance };
      });
      if (proved !== undefined) await options.onAssuranceChanged(sessionId);
      return { sessionId, refreshToken, endsAt: endOf(createdAt), assurance };
    },

    /**
     * Spends a refresh token. The session row is locked first, so concurrent
     * presentations of one token are decided one after the other by the database:
     * - the current token is rotated: its successor is derived, stored as a hash, returned;
     * - a token spent less than the grace ago gets the session's current token (derived
     *   again along the chain) without a rotation: concurrent tabs;
     * - a token spent longer ago is theft: the whole session is revoked (and `onReuse`'s
     *   audit event recorded in the same transaction).
     * A session past its absolute end, or whose user is disabled, has ended.
     */
    async rotate(presented: string, onReuse?: (userId: string) => AuditEvent): Promise<RotationResult> {
      const presentedHash = hashRefreshToken(presented);
      const result = await db.transaction(async (tx): Promise<RotationResult> => {
        const [token] = await tx
          .select({ sessionId: refreshTokens.sessionId })
          .from(refreshTokens)
          .where(eq(refreshTokens.tokenHash, presentedHash));
        if (token === undefined) return { kind: 'unknown' };

        const [session] = await tx
          .select({
            userId: sessions.userId,
            createdAt: sessions.createdAt,
            revokedAt: sessions.revokedAt,
            expiresAt: sessions.expiresAt,
            rotationSecret: sessions.rotationSecret,
            userDisabled: users.disabled,
            ...assuranceColumns,
          })
          .from(sessions)
          .innerJoin(users, eq(users.id, sessions.userId))
          .where(eq(sessions.id, token.sessionId))
          .for('update', { of: sessions });
        if (session === undefined) return { kind: 'unknown' };
        const now = new Date();
        const endsAt = endOf(session.createdAt);
        if (session.revokedAt !== null || session.expiresAt <= now || endsAt <= now || session.userDisabled) {
          return { kind: 'ended' };
        }

        // Read after the lock (a concurrent rotation may have spent it meanwhile): only the
        // presented token and the newest one, not the whole lineage, which grows per refresh.
        const columns = {
          tokenHash: refreshTokens.tokenHash,
          generation: refreshTokens.generation,
          spentAt: refreshTokens.spentAt,
        };
        const [spent] = await tx.select(columns).from(refreshTokens).where(eq(refreshTokens.tokenHash, presentedHash));
        const [current] = await tx
          .select(columns)
          .from(refreshTokens)
          .where(eq(refreshTokens.sessionId, token.sessionId))
          .orderBy(desc(refreshTokens.generation))
          .limit(1);
        if (spent === undefined || current === undefined) return { kind: 'unknown' };
        const touch = { lastUsedAt: now, expiresAt: idleExpiry(session.createdAt, now) };
        const sessionId = token.sessionId;
        // A refresh is not an authentication: the session's assurance and auth_time stay.
        const assurance = toAssurance(session);

        if (spent.spentAt === null) {
          const next = deriveNextRefreshToken(session.rotationSecret, presented);
          await tx.update(refreshTokens).set({ spentAt: now }).where(eq(refreshTokens.tokenHash, presentedHash));
          await tx
            .insert(refreshTokens)
            .values({ tokenHash: hashRefreshToken(next), sessionId, generation: spent.generation + 1 });
          await tx.update(sessions).set(touch).where(eq(sessions.id, sessionId));
          return { kind: 'rotated', sessionId, userId: session.userId, refreshToken: next, endsAt, assurance };
        }

        if (now.getTime() - spent.spentAt.getTime() < graceMs) {
          let derived = presented;
          for (let generation = spent.generation; generation < current.generation; generation++) {
            derived = deriveNextRefreshToken(session.rotationSecret, derived);
          }
          // A chain restarted by a password change cannot be followed: refuse, don't revoke.
          if (current.spentAt !== null || hashRefreshToken(derived) !== current.tokenHash) {
            return { kind: 'unknown' };
          }
          await tx.update(sessions).set(touch).where(eq(sessions.id, sessionId));
          return { kind: 'grace', sessionId, userId: session.userId, refreshToken: derived, endsAt, assurance };
        }

        await tx
          .update(sessions)
          .set({ revokedAt: now, revokedReason: 'reuse_detected' })
          .where(eq(sessions.id, sessionId));
        if (onReuse !== undefined) await recordAuditEvent(tx, onReuse(session.userId));
        return { kind: 'reused', sessionId };
      });
      if (result.kind === 'reused') options.onRevoked({ sessionIds: [result.sessionId] });
      return result;
    },
  };
}

export type SessionStore = ReturnType<typeof createSessionStore>;

type Transaction = Parameters<Parameters<Db['transaction']>[0]>[0];

/**
 * Whether the user's password hash is still the one verified, holding a share lock on the
 * user row until the transaction ends. The password is verified (~15 ms of argon2) before
 * this runs; a change committed meanwhile must not be followed by a session from the old
 * password. The lock makes a concurrent replacePassword wait for this session to commit
 * (and then revoke it), or this wait for the change (and then see the new hash). Each new
 * hash has a fresh salt, so equal hashes mean an unchanged password.
 */
async function lockUnchangedPassword(tx: Transaction, userId: string, passwordHash: string): Promise<boolean> {
  const [row] = await tx
    .select({ passwordHash: users.passwordHash })
    .from(users)
    .where(eq(users.id, userId))
    .for('share');
  return row !== undefined && row.passwordHash === passwordHash;
}

function toAssurance(row: { aal: number; amr: string[]; authTime: Date; mfaPending: boolean }): SessionAssurance {
  return { aal: row.aal === 2 ? 2 : 1, amr: row.amr, authTime: row.authTime, mfaPending: row.mfaPending };
}
