import type { Db } from '../db/database.js';

/** A transaction of the database, as drizzle hands it to `db.transaction`'s callback. */
export type DbTransaction = Parameters<Parameters<Db['transaction']>[0]>[0];

/** What a module does when a signed-in user changes their password, inside the change's transaction (the mail module writes its notice). */
export type PasswordChangedHook = (tx: DbTransaction, change: { userId: string; email: string }) => Promise<void>;

/** The hooks modules register on password changes; run in the transaction that changes the hash. */
export function createPasswordChangedHooks() {
  const hooks: PasswordChangedHook[] = [];
  return {
    add(hook: PasswordChangedHook): void {
      hooks.push(hook);
    },
    async run(tx: DbTransaction, change: { userId: string; email: string }): Promise<void> {
      for (const hook of hooks) await hook(tx, change);
    },
  };
}

export type PasswordChangedHooks = ReturnType<typeof createPasswordChangedHooks>;
