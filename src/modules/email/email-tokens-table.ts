import { pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from '../../db/schema.js';

/**
 * Outstanding links mailed to users, as SHA-256 hashes of their tokens only. One row per
 * (user, kind): issuing a new link replaces the older one, and using a link deletes it.
 */
export const emailTokens = pgTable(
  'email_tokens',
  {
    tokenHash: text('token_hash').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** verify-email, change-email or reset-password. */
    kind: text('kind').notNull(),
    /** The address the link was mailed to (for change-email: the new address). */
    email: text('email').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (table) => [uniqueIndex('email_tokens_user_kind_key').on(table.userId, table.kind)],
);
