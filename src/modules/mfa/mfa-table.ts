import { bigint, integer, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from '../../db/schema.js';

/**
 * A user's TOTP authenticator. The secrets are AES-256-GCM ciphertexts under a key derived
 * from the server's signing key (secret-box.ts): a database dump alone yields no codes.
 * A row with only `pendingSecret` is an enrollment not yet confirmed: MFA is off.
 */
export const mfaFactors = pgTable('mfa_factors', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  /** The confirmed secret; null while MFA is off. */
  secret: text('secret'),
  /** The secret of an enrollment started and not yet confirmed with a code. */
  pendingSecret: text('pending_secret'),
  /** The last TOTP time step accepted: a code of this step or an earlier one is a replay. */
  lastUsedStep: bigint('last_used_step', { mode: 'number' }),
  enabledAt: timestamp('enabled_at', { withTimezone: true, mode: 'date' }),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});

/** Single-use recovery codes, as HMACs under a derived key only; a used one is deleted. */
export const mfaRecoveryCodes = pgTable(
  'mfa_recovery_codes',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    codeHash: text('code_hash').notNull(),
    /** Which of the set it is (0–9), for nothing but a stable order. */
    position: integer('position').notNull(),
  },
  (table) => [primaryKey({ columns: [table.userId, table.codeHash] })],
);
