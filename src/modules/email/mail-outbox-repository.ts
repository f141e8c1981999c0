import { randomUUID } from 'node:crypto';
import { and, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/database.js';
import { mailOutbox } from './mail-outbox-table.js';
import type { Mail } from './mail-templates.js';

/** A transaction (or the database itself): an outbox row is written inside the change that causes it. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0] | Db;

/** A mail as the outbox hands it to the sender or to /dev/mail. */
export interface OutboxMail extends Mail {
  readonly id: string;
  readonly attempts: number;
  readonly createdAt: Date;
}

const mailColumns = {
  id: mailOutbox.id,
  kind: mailOutbox.kind,
  to: mailOutbox.recipient,
  subject: mailOutbox.subject,
  text: mailOutbox.textBody,
  html: mailOutbox.htmlBody,
  attempts: mailOutbox.attempts,
  createdAt: mailOutbox.createdAt,
};

/** SQL access to the outbox. */
export function createMailOutboxRepository(db: Db) {
  return {
    /** Writes a mail inside `tx`: `pending` for the sender, or `kept` when nothing delivers mail (development). */
    async enqueue(tx: Tx, mail: Mail, status: 'pending' | 'kept'): Promise<void> {
      await tx.insert(mailOutbox).values({
        id: randomUUID(),
        kind: mail.kind,
        recipient: mail.to,
        subject: mail.subject,
        textBody: mail.text,
        htmlBody: mail.html,
        status,
      });
    },

    /**
     * Takes up to `limit` due mails for `leaseMs`: pending ones whose time has come, and
     * sending ones whose lease lapsed (their sender died). SKIP LOCKED lets instances claim
     * side by side without waiting for, or taking, each other's rows.
     */
    async claimDue(limit: number, leaseMs: number): Promise<OutboxMail[]> {
      const due = db
        .select({ id: mailOutbox.id })
        .from(mailOutbox)
        .where(
          sql`(${mailOutbox.status} = 'pending' and ${mailOutbox.nextAttemptAt} <= now())
            or (${mailOutbox.status} = 'sending' and ${mailOutbox.lockedUntil} < now())`,
        )
        .orderBy(mailOutbox.nextAttemptAt)
        .limit(limit)
        .for('update', { skipLocked: true });
      return db
        .update(mailOutbox)
        .set({
          status: 'sending',
          attempts: sql`${mailOutbox.attempts} + 1`,
          lockedUntil: sql`now() + ${`${leaseMs} milliseconds`}::interval`,
        })
        .where(sql`${mailOutbox.id} in ${due}`)
        .returning(mailColumns);
    },

    /** Marks a mail delivered and erases its bodies: they hold a live link, which the database must not keep in plain text. */
    async markSent(id: string): Promise<void> {
      await db
        .update(mailOutbox)
        .set({ status: 'sent', sentAt: new Date(), lockedUntil: null, lastError: null, textBody: '', htmlBody: '' })
        .where(and(eq(mailOutbox.id, id), eq(mailOutbox.status, 'sending')));
    },

    /** Records a failed attempt: retried after `retryInMs`, or `failed` for good (bodies erased, error kept) when that is null. */
    async markFailed(id: string, error: string, retryInMs: number | null): Promise<void> {
      await db
        .update(mailOutbox)
        .set(
          retryInMs === null
            ? { status: 'failed', lockedUntil: null, lastError: error, textBody: '', htmlBody: '' }
            : {
                status: 'pending',
                lockedUntil: null,
                lastError: error,
                nextAttemptAt: new Date(Date.now() + retryInMs),
              },
        )
        .where(and(eq(mailOutbox.id, id), eq(mailOutbox.status, 'sending')));
    },

    /** The kept mail (development without SMTP_URL), newest first. */
    async listKept(limit: number): Promise<OutboxMail[]> {
      return db
        .select(mailColumns)
        .from(mailOutbox)
        .where(eq(mailOutbox.status, 'kept'))
        .orderBy(desc(mailOutbox.createdAt), desc(mailOutbox.id))
        .limit(limit);
    },
  };
}

export type MailOutboxRepository = ReturnType<typeof createMailOutboxRepository>;
