import { sql } from 'drizzle-orm';
import { boolean, index, integer, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

export const roleEnum = pgEnum('role', ['VIEWER', 'USER', 'ADMIN']);

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey(),
    /** Stored normalised (users/user-input.ts normalizeEmail); unique, also under lower() (the index). */
    email: text('email').notNull(),
    name: text('name'),
    role: roleEnum('role').notNull().default('USER'),
    passwordHash: text('password_hash').notNull(),
    /** Set by an admin: the account cannot sign in and its sessions are refused. */
    disabled: boolean('disabled').notNull().default(false),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (table) => [uniqueIndex('users_email_lower_key').on(sql`lower(${table.email})`)],
);

export const sessions = pgTable(
  'sessions',
  {
    /** The access token's `sid`. */
    id: uuid('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    userAgent: text('user_agent'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    /** Idle expiry: pushed forward on every refresh. */
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
    /** Why: logout, revoked, password_changed, reuse_detected, account_deleted. */
    revokedReason: text('revoked_reason'),
    /**
     * HMAC key (base64url) from which each refresh token is derived from its predecessor.
     * Useless without a token in plain text, which the database never holds.
     */
    rotationSecret: text('rotation_secret').notNull(),
    /** When the user last proved a factor in this session (the token's `auth_time`); a refresh keeps it. */
    authTime: timestamp('auth_time', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    /** Authenticator assurance level, 1 (password) or 2 (password and a second factor): the token's `aal`. */
    aal: integer('aal').notNull().default(1),
    /** The methods proved, RFC 8176 names (`pwd`, `otp`): the token's `amr`. */
    amr: text('amr').array().notNull().default(sql`'{pwd}'::text[]`),
    /** Started for a user with MFA on and no second factor proved yet: only verifyMfa, logout and me. */
    mfaPending: boolean('mfa_pending').notNull().default(false),
  },
  (table) => [index('sessions_user_id_idx').on(table.userId)],
);

/**
 * Every refresh token a session has been given, as a SHA-256 hash only: the lineage
 * that lets a spent token be recognised when it is presented again.
 */
export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    tokenHash: text('token_hash').primaryKey(),
    sessionId: uuid('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    /** 0 for the session's first token, +1 for each rotation. */
    generation: integer('generation').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    spentAt: timestamp('spent_at', { withTimezone: true, mode: 'date' }),
  },
  (table) => [uniqueIndex('refresh_tokens_session_generation_key').on(table.sessionId, table.generation)],
);

export type UserRow = typeof users.$inferSelect;
export type SessionRow = typeof sessions.$inferSelect;

/**
 * rate-limiter-flexible's Drizzle store: one row per counted key, shared by every process
 * on the database. Keys are hashes, so no email or address is stored in plain text.
 */
export const rateLimits = pgTable('rate_limits', {
  key: text('key').primaryKey(),
  points: integer('points').notNull().default(0),
  expire: timestamp('expire', { withTimezone: true, mode: 'date' }),
});

/**
 * The security audit trail: one row per event, written in the transaction of what it
 * records. No foreign key to users: a deleted account's events stay (with its id) until
 * pruned, so admins can still investigate. Never holds a password, token or code.
 */
export const auditEvents = pgTable(
  'audit_events',
  {
    id: uuid('id').primaryKey(),
    /** An AuditEventKind (src/db/audit-trail.ts). */
    kind: text('kind').notNull(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    /** Whose account it concerns; null when none is known (a failed login for an unknown email). */
    userId: uuid('user_id'),
    /** Who did it, when that is someone else (an admin); null for the user themselves or anonymous. */
    actorId: uuid('actor_id'),
    ip: text('ip'),
    userAgent: text('user_agent'),
  },
  (table) => [
    index('audit_events_at_idx').on(table.at, table.id),
    index('audit_events_user_at_idx').on(table.userId, table.at, table.id),
  ],
);
