import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../db/database.js';
import { users } from '../../db/schema.js';
import { emailVerifications } from './email-verifications-table.js';
import type { Tx } from './mail-outbox-repository.js';

/**
 * The account changes a mailed link makes (password, address, verification), written in
 * the caller's transaction so that the notice mailed about them commits with them.
 */
export function createEmailAccountRepository(db: Db) {
  return {
    /** The user's id and current address, by address (case-insensitive). */
    async findByEmail(email: string): Promise<{ id: string; email: string } | null> {
      const [row] = await db
        .select({ id: users.id, email: users.email })
        .from(users)
        .where(sql`lower(${users.email}) = lower(${email})`);
      return row ?? null;
    },

    /** The user's current address, read under a row lock in `tx`. */
    async lockEmail(tx: Tx, userId: string): Promise<string | null> {
      const [row] = await tx.select({ email: users.email }).from(users).where(eq(users.id, userId)).for('update');
      return row?.email ?? null;
    },

    async setPasswordHash(tx: Tx, userId: string, passwordHash: string): Promise<void> {
      await tx.update(users).set({ passwordHash, updatedAt: new Date() }).where(eq(users.id, userId));
    },

    /** Changes the address; false when another account has it (the unique index decides, under concurrency too). */
    async setEmail(tx: Tx, userId: string, email: string): Promise<boolean> {
      const [taken] = await tx
        .select({ id: users.id })
        .from(users)
        .where(and(sql`lower(${users.email}) = lower(${email})`, sql`${users.id} <> ${userId}`));
      if (taken !== undefined) return false;
      await tx.update(users).set({ email, updatedAt: new Date() }).where(eq(users.id, userId));
      return true;
    },

    /** Records that `email` reaches the user. */
    async markVerified(tx: Tx, userId: string, email: string): Promise<void> {
      await tx
        .insert(emailVerifications)
        .values({ userId, email, verifiedAt: new Date() })
        .onConflictDoUpdate({ target: emailVerifications.userId, set: { email, verifiedAt: new Date() } });
    },

    /** The verified address of each user (null where none), in the order of `userIds`: for DataLoader. */
    async findVerifiedEmails(userIds: readonly string[]): Promise<Array<string | null>> {
      const rows = await db
        .select({ userId: emailVerifications.userId, email: emailVerifications.email })
        .from(emailVerifications)
        .where(inArray(emailVerifications.userId, [...userIds]));
      const byId = new Map(rows.map((row) => [row.userId, row.email]));
      return userIds.map((id) => byId.get(id) ?? null);
    },
  };
}

export type EmailAccountRepository = ReturnType<typeof createEmailAccountRepository>;
