import { sql } from 'drizzle-orm';
import { index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import type { MailKind } from './mail-templates.js';

/**
 * Mail waiting to be delivered, delivered, or given up on. A row is written in the same
 * transaction as the change that causes it, so a crash loses no mail; the sender claims
 * due rows with a lease (`lockedUntil`) that another instance may take over once it lapses.
 */
export const mailOutbox = pgTable(
  'mail_outbox',
  {
    id: uuid('id').primaryKey(),
    /** What the mail is: a MailKind (reset-password, verify-email, change-email, or a security notice such as password-changed, mfa-disabled). */
    kind: text('kind').$type<MailKind>().notNull(),
    recipient: text('recipient').notNull(),
    subject: text('subject').notNull(),
    textBody: text('text_body').notNull(),
    htmlBody: text('html_body').notNull(),
    /** pending → sending → sent, or back to pending (retry), or failed (gave up); kept = development without SMTP_URL. */
    status: text('status').notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    /** While `sending`: until when the claiming instance owns the row. */
    lockedUntil: timestamp('locked_until', { withTimezone: true, mode: 'date' }),
    /** The last delivery error (the SMTP server's answer), never a token. */
    lastError: text('last_error'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    sentAt: timestamp('sent_at', { withTimezone: true, mode: 'date' }),
  },
  (table) => [
    index('mail_outbox_due_idx')
      .on(table.nextAttemptAt)
      .where(sql`${table.status} in ('pending', 'sending')`),
    index('mail_outbox_kept_idx').on(table.createdAt.desc()).where(sql`${table.status} = 'kept'`),
  ],
);
