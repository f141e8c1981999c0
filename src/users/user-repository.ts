import { count, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { keyset } from '../db/keyset.js';
import { users } from '../db/schema.js';
import type { Role } from './roles.js';
import type { ReadCache } from '../db/read-cache.js';
import type { UserRecord } from './user-record.js';

const publicColumns = {
  id: users.id,
  email: users.email,
  name: users.name,
  role: users.role,
  createdAt: users.createdAt,
};

export interface NewUser {
  id: string;
  email: string;
  name: string | null;
  passwordHash: string;
}

/** SQL access to users. Emails compare case-insensitively (the unique index is on lower(email)). */
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

    /** The user and its password hash, for checking credentials only. */
    async findCredentialsByEmail(
      email: string,
    ): Promise<{ user: UserRecord; passwordHash: string } | null> {
      const [row] = await db
        .select({ ...publicColumns, passwordHash: users.passwordHash })
        .from(users)
        .where(sql`lower(${users.email}) = lower(${email})`);
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

    /** Sets the hash; `within` runs in the same transaction (what must commit with the change). */
    async updatePasswordHash(
      id: string,
      passwordHash: string,
      within?: (tx: Parameters<Parameters<Db['transaction']>[0]>[0]) => Promise<void>,
    ): Promise<void> {
      await db.transaction(async (tx) => {
        await tx.update(users).set({ passwordHash, updatedAt: new Date() }).where(eq(users.id, id));
        await within?.(tx);
      });
    },

    /**
     * Deletes the user, refusing to delete the last admin; sessions and refresh tokens go
     * with it (ON DELETE CASCADE). Admin rows are locked first, as in setRole, so two
     * admins deleting themselves at once cannot leave none.
     */
    async delete(id: string): Promise<'deleted' | 'not-found' | 'last-admin'> {
      return db.transaction(async (tx) => {
        const admins = await lockAdmins(tx);
        const [target] = await tx.select({ role: users.role }).from(users).where(eq(users.id, id)).for('update');
        if (target === undefined) return 'not-found';
        if (target.role === 'ADMIN' && admins.length <= 1) return 'last-admin';
        await tx.delete(users).where(eq(users.id, id));
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
    async setRole(id: string, role: Role): Promise<UserRecord | 'not-found' | 'last-admin'> {
      return db.transaction(async (tx) => {
        const admins = await lockAdmins(tx);
        const [target] = await tx.select({ role: users.role }).from(users).where(eq(users.id, id)).for('update');
        if (target === undefined) return 'not-found';
        if (target.role === 'ADMIN' && role !== 'ADMIN' && admins.length <= 1) return 'last-admin';
        const [row] = await tx
          .update(users)
          .set({ role, updatedAt: new Date() })
          .where(eq(users.id, id))
          .returning(publicColumns);
        return row!;
      });
    },

    /** Inserts the user, or returns null when the email is already registered. */
    async insert(user: NewUser): Promise<UserRecord | null> {
      const [row] = await db.insert(users).values(user).onConflictDoNothing().returning(publicColumns);
      return row ?? null;
    },
  };
}

export type UserRepository = ReturnType<typeof createUserRepository>;

type Transaction = Parameters<Parameters<Db['transaction']>[0]>[0];

/** Locks every ADMIN row (in id order, so concurrent lockers queue rather than deadlock) and returns their ids. */
function lockAdmins(tx: Transaction): Promise<Array<{ id: string }>> {
  return tx.select({ id: users.id }).from(users).where(eq(users.role, 'ADMIN')).orderBy(users.id).for('update');
}

/** The repository with users by id read through `cache` (authors of a page); cleared per user on every change. */
export function withUserCache(repository: UserRepository, cache: ReadCache<UserRecord>): UserRepository {
  return {
    ...repository,
    findByIds: async (ids) => (await cache.getMany(ids, async (missing) => (await repository.findByIds(missing)).map((user) => user ?? undefined))).map((user) => user ?? null),
  };
}
