import { and, count, eq, inArray, isNotNull, isNull, lt, or } from 'drizzle-orm';
import type { Db } from '../../db/database.js';
import { mfaFactors, mfaRecoveryCodes } from './mfa-table.js';

export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** SQL access to TOTP factors and recovery codes; secrets arrive and leave sealed. */
export function createMfaRepository(db: Db) {
  return {
    async isEnabled(userId: string): Promise<boolean> {
      const [row] = await db
        .select({ userId: mfaFactors.userId })
        .from(mfaFactors)
        .where(and(eq(mfaFactors.userId, userId), isNotNull(mfaFactors.secret)));
      return row !== undefined;
    },

    /** For each user id, in order: whether MFA is on. */
    async findEnabled(userIds: readonly string[]): Promise<boolean[]> {
      const rows = await db
        .select({ userId: mfaFactors.userId })
        .from(mfaFactors)
        .where(and(inArray(mfaFactors.userId, [...userIds]), isNotNull(mfaFactors.secret)));
      const enabled = new Set(rows.map((row) => row.userId));
      return userIds.map((id) => enabled.has(id));
    },

    /** Keeps a new pending secret (replacing an earlier unconfirmed one); the confirmed secret stays. */
    async savePendingSecret(userId: string, sealed: string): Promise<void> {
      await db
        .insert(mfaFactors)
        .values({ userId, pendingSecret: sealed })
        .onConflictDoUpdate({ target: mfaFactors.userId, set: { pendingSecret: sealed, updatedAt: new Date() } });
    },

    /** The factor row, locked until the transaction ends: codes are checked and spent one at a time. */
    async lock(tx: Tx, userId: string) {
      const [row] = await tx
        .select({ secret: mfaFactors.secret, pendingSecret: mfaFactors.pendingSecret, lastUsedStep: mfaFactors.lastUsedStep })
        .from(mfaFactors)
        .where(eq(mfaFactors.userId, userId))
        .for('update');
      return row ?? null;
    },

    /** Records `step` as used, if it is later than the last one: false when it is a replay. */
    async spendStep(tx: Tx, userId: string, step: number): Promise<boolean> {
      const rows = await tx
        .update(mfaFactors)
        .set({ lastUsedStep: step })
        .where(and(eq(mfaFactors.userId, userId), or(isNull(mfaFactors.lastUsedStep), lt(mfaFactors.lastUsedStep, step))))
        .returning({ userId: mfaFactors.userId });
      return rows.length === 1;
    },

    /** The pending secret becomes the factor, its first code's step spent. */
    async confirm(tx: Tx, userId: string, sealed: string, step: number): Promise<void> {
      await tx
        .update(mfaFactors)
        .set({ secret: sealed, pendingSecret: null, lastUsedStep: step, enabledAt: new Date(), updatedAt: new Date() })
        .where(eq(mfaFactors.userId, userId));
    },

    async replaceRecoveryCodes(tx: Tx, userId: string, codeHashes: readonly string[]): Promise<void> {
      await tx.delete(mfaRecoveryCodes).where(eq(mfaRecoveryCodes.userId, userId));
      await tx.insert(mfaRecoveryCodes).values(codeHashes.map((codeHash, position) => ({ userId, codeHash, position })));
    },

    /** Deletes the code if the user has it: true once, for the one request that spends it. */
    async spendRecoveryCode(tx: Tx, userId: string, codeHash: string): Promise<boolean> {
      const rows = await tx
        .delete(mfaRecoveryCodes)
        .where(and(eq(mfaRecoveryCodes.userId, userId), eq(mfaRecoveryCodes.codeHash, codeHash)))
        .returning({ userId: mfaRecoveryCodes.userId });
      return rows.length === 1;
    },

    /** How many unused recovery codes the user has left. */
    async countRecoveryCodes(tx: Tx, userId: string): Promise<number> {
      const [row] = await tx.select({ left: count() }).from(mfaRecoveryCodes).where(eq(mfaRecoveryCodes.userId, userId));
      return row?.left ?? 0;
    },

    /** MFA off: the factor and its recovery codes are gone. True if it was on. */
    async remove(tx: Tx, userId: string): Promise<boolean> {
      await tx.delete(mfaRecoveryCodes).where(eq(mfaRecoveryCodes.userId, userId));
      const rows = await tx
        .delete(mfaFactors)
        .where(eq(mfaFactors.userId, userId))
        .returning({ secret: mfaFactors.secret });
      return rows.some((row) => row.secret !== null);
    },
  };
}

export type MfaRepository = ReturnType<typeof createMfaRepository>;
