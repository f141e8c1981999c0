import { and, count, eq, inArray, sql } from 'drizzle-orm';
import { recordAuditEvent, type AuditEvent } from '../db/audit-trail.js';
import type { Db } from '../db/database.js';
import { keyset } from '../db/keyset.js';
import { users } from '../db/schema.js';
import type { Role } from './roles.js';
import type { ReadCache } from '../db/read-cache.js';
import type { UserRecord } from './user-record.js';
import { normalizeEmail } from './user-input.js';

/** The columns of a UserRecord, for every query that reads one (here and the session store's join). */
export const publicColumns = {
  id: users.id,
  email: users.email,
  name: users.name,
  role: users.role,
  createdAt: users.createdAt,
  disabled: users.disabled,
};

export interface NewUser {
  id: string;
  email: string;
  name: string | null;
  passwordHash: string;
}

/**
 * SQL access to users. Emails are stored and compared in their normal form (normalizeEmail);
 * the unique index is on lower(email), which also serves lookups.
 */
export function createUserRepository(db: Db) {
  const newestFirst = keyset(users, users.createdAt, users.id);
  return {
    async findById(id: string): Promise<UserRecord | null> {
      const [row] = await db.select(publicColumns).from(users).where(eq(users.id, id));
      return row ?? null;
    },

    /** Many users in one query, in the order of `ids` (null where absent): for DataLoader. */
    async findByIds(ids: readonly string[]): Promise<Array<UserRecord | null>> {
      const rows = await db.select(publicColumns).from(users).where(inArray(users.id, [...ids]));
      const byId = new Map(rows.map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id) ?? null);
    },

    /** The user and its password hash, for checking credentials only; `email` is normalised here. */
    async findCredentialsByEmail(
      email: string,
    ): Promise<{ user: UserRecord; passwordHash: string } | null> {
      const normalized = normalizeEmail(email);
      const [row] = await db
        .select({ ...publicColumns, passwordHash: users.passwordHash })
        .from(users)
        // lower() only to use the index; equality of the normal forms decides.
        .where(and(sql`lower(${users.email}) = lower(${normalized})`, eq(users.email, normalized)));
      if (row === undefined) return null;
      const { passwordHash, ...user } = row;
      return { user, passwordHash };
    },

    /** A user's email and password hash, for re-checking the password of a signed-in user. */
    async findCredentialsById(id: string): Promise<{ email: string; passwordHash: string } | null> {
      const [row] = await db
        .select({ email: users.email, passwordHash: users.passwordHash })
        .from(users)
        .where(eq(users.id, id));
      return row ?? null;
    },

    /**
     * Deletes the user, refusing to delete the last admin; sessions and refresh tokens go
     * with it (ON DELETE CASCADE). Admin rows are locked first, as in setRole, so two
     * admins deleting themselves at once cannot leave none.
     */
    async delete(id: string, audit?: AuditEvent): Promise<'deleted' | 'not-found' | 'last-admin'> {
      return db.transaction(async (tx) => {
        const admins = await lockAdmins(tx);
        const [target] = await tx.select({ role: users.role }).from(users).where(eq(users.id, id)).for('update');
        if (target === undefined) return 'not-found';
        if (isLastEnabledAdmin(admins, id)) return 'last-admin';
        await tx.delete(users).where(eq(users.id, id));
        if (audit !== undefined) await recordAuditEvent(tx, audit);
        return 'deleted';
      });
    },

    /** Users newest first, after the one with id `afterId` (keyset pagination). */
    async listPage(afterId: string | null, limit: number): Promise<UserRecord[]> {
      return db
        .select(publicColumns)
        .from(users)
        .where(newestFirst.after(afterId))
        .orderBy(...newestFirst.orderBy)
        .limit(limit);
    },

    async count(): Promise<number> {
      const [row] = await db.select({ value: count() }).from(users);
      return row?.value ?? 0;
    },

    /**
     * Sets the role, refusing to demote the last admin. Admin rows are locked first, so
     * two admins demoting each other at once cannot leave none.
     */
    async setRole(id: string, role: Role, audit?: AuditEvent): Promise<UserRecord | 'not-found' | 'last-admin'> {
      return db.transaction(async (tx) => {
        const admins = await lockAdmins(tx);
        const [target] = await tx.select({ role: users.role }).from(users).where(eq(users.id, id)).for('update');
        if (target === undefined) return 'not-found';
        if (role !== 'ADMIN' && isLastEnabledAdmin(admins, id)) return 'last-admin';
        const [row] = await tx
          .update(users)
          .set({ role, updatedAt: new Date() })
          .where(eq(users.id, id))
          .returning(publicColumns);
        if (audit !== undefined && target.role !== role) await recordAuditEvent(tx, audit);
        return row!;
      });
    },

    /**
     * Disables or enables the account, refusing to disable the last enabled admin (admin rows
     * locked first, as in setRole). `audit` is recorded only when the flag changes. The
     * change and its event are written first and the rule checked after: a refusal rolls
     * both back together.
     */
    async setDisabled(id: string, disabled: boolean, audit?: AuditEvent): Promise<UserRecord | 'not-found' | 'last-admin'> {
      try {
        return await db.transaction(async (tx) => {
          const admins = await lockAdmins(tx);
          const [target] = await tx.select({ disabled: users.disabled }).from(users).where(eq(users.id, id)).for('update');
          if (target === undefined) return 'not-found';
          const [row] = await tx
            .update(users)
            .set({ disabled, updatedAt: new Date() })
            .where(eq(users.id, id))
            .returning(publicColumns);
          if (audit !== undefined && target.disabled !== disabled) await recordAuditEvent(tx, audit);
          if (disabled && isLastEnabledAdmin(admins, id)) throw new LastAdminRollback();
          return row!;
        });
      } catch (error) {
        if (error instanceof LastAdminRollback) return 'last-admin';
        throw error;
      }
    },

    /**
     * Rewrites stored emails that are not in normal form: non-ASCII ones from before emails
     * were normalised (migration 0004 did the ASCII ones). Returns the emails left as they
     * were because another account holds their normal form; those accounts cannot sign in
     * until an operator resolves the clash.
     */
    async normalizeStoredEmails(): Promise<string[]> {
      const rows = await db
        .select({ id: users.id, email: users.email })
        .from(users)
        .where(sql`${users.email} !~ '^[ -~]*$'`);
      const clashes: string[] = [];
      for (const row of rows) {
        const normalized = normalizeEmail(row.email);
        if (normalized === row.email) continue;
        const [updated] = await db
          .update(users)
          .set({ email: normalized, updatedAt: new Date() })
          .where(and(eq(users.id, row.id), sql`not exists (select 1 from ${users} other where lower(other.email) = lower(${normalized}) and other.id <> ${row.id})`))
          .returning({ id: users.id });
        if (updated === undefined) clashes.push(row.email);
      }
      return clashes;
    },

    /** Inserts the user, or returns null when the email is already registered; `audit` is recorded with it. */
    async insert(user: NewUser, audit?: (user: UserRecord) => AuditEvent): Promise<UserRecord | null> {
      return db.transaction(async (tx) => {
        const [row] = await tx.insert(users).values(user).onConflictDoNothing().returning(publicColumns);
        if (row === undefined) return null;
        if (audit !== undefined) await recordAuditEvent(tx, audit(row));
        return row;
      });
    },
  };
}

export type UserRepository = ReturnType<typeof createUserRepository>;

type Transaction = Parameters<Parameters<Db['transaction']>[0]>[0];

/** Locks every ADMIN row (in id order, so concurrent lockers queue rather than deadlock) and returns them. */
function lockAdmins(tx: Transaction): Promise<Array<{ id: string; disabled: boolean }>> {
  return tx
    .select({ id: users.id, disabled: users.disabled })
    .from(users)
    .where(eq(users.role, 'ADMIN'))
    .orderBy(users.id)
    .for('update');
}

/** Thrown inside a transaction to roll it back when it would leave no enabled admin. */
class LastAdminRollback extends Error {}

// A disabled admin cannot act: the last admin who can sign in is the one that must stay.
function isLastEnabledAdmin(admins: ReadonlyArray<{ id: string; disabled: boolean }>, id: string): boolean {
  const enabled = admins.filter((admin) => !admin.disabled);
  return enabled.length === 1 && enabled[0]!.id === id;
}

/** The repository with users by id read through `cache` (authors of a page); cleared per user on every change. */
export function withUserCache(repository: UserRepository, cache: ReadCache<UserRecord>): UserRepository {
  return {
    ...repository,
    findByIds: async (ids) => (await cache.getMany(ids, async (missing) => (await repository.findByIds(missing)).map((user) => user ?? undefined))).map((user) => user ?? null),
  };
}
