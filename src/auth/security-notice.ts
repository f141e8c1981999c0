import type { Db } from '../db/database.js';

/** A transaction of the database, as drizzle hands it to `db.transaction`'s callback. */
export type DbTransaction = Parameters<Parameters<Db['transaction']>[0]>[0];

/**
 * A change to an account that its owner is told of, whoever made it: if it was not them,
 * the notice is how they learn. It names what happened, never a secret or a code.
 */
export type SecurityNotice =
  | { kind: 'password-changed' }
  | { kind: 'mfa-enabled' }
  /** A new authenticator confirmed while MFA was already on: the old one and its recovery codes are void. */
  | { kind: 'mfa-authenticator-changed' }
  | { kind: 'mfa-disabled' }
  | { kind: 'recovery-codes-regenerated' }
  /** A recovery code proved the second factor (sign-in or step-up); `remaining` unused ones are left. */
  | { kind: 'recovery-code-used'; remaining: number };

/** Who a notice is for: the account and its address as of the change. */
export interface NoticeRecipient {
  userId: string;
  email: string;
}

/** What a module does with a notice (the email module writes a mail to its outbox), inside the change's transaction. */
export type SecurityNoticeHook = (tx: DbTransaction, recipient: NoticeRecipient, notice: SecurityNotice) => Promise<void>;

/**
 * The hooks modules register for security notices. The code making a change calls `send`
 * inside the transaction that writes it, so the notice commits with the change or not at
 * all; without a hook (no email module), nothing is sent and the change goes on.
 */
export function createSecurityNotices() {
  const hooks: SecurityNoticeHook[] = [];
  return {
    add(hook: SecurityNoticeHook): void {
      hooks.push(hook);
    },
    async send(tx: DbTransaction, recipient: NoticeRecipient, notice: SecurityNotice): Promise<void> {
      for (const hook of hooks) await hook(tx, recipient, notice);
    },
  };
}

export type SecurityNotices = ReturnType<typeof createSecurityNotices>;
