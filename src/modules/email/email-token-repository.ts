import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../db/database.js';
import { emailTokens } from './email-tokens-table.js';
import { EMAIL_TOKEN_LIFETIMES_MS, generateEmailToken, hashEmailToken, type EmailTokenKind } from './email-token.js';
import type { Tx } from './mail-outbox-repository.js';

/** An outstanding link, found by its token. */
export interface EmailTokenRecord {
  readonly userId: string;
  readonly kind: EmailTokenKind;
  readonly email: string;
  readonly expired: boolean;
}

/** SQL access to the links mailed to users. */
export function createEmailTokenRepository(db: Db, lifetimesMs: Partial<Record<EmailTokenKind, number>> = {}) {
  const columns = {
    userId: emailTokens.userId,
    kind: emailTokens.kind,
    email: emailTokens.email,
    expired: sql<boolean>`${emailTokens.expiresAt} <= now()`,
  };
  const byToken = (token: string, kinds: readonly EmailTokenKind[]) =>
    and(eq(emailTokens.tokenHash, hashEmailToken(token)), inArray(emailTokens.kind, [...kinds]));
  const toRecord = (row: { userId: string; kind: string; email: string; expired: boolean } | undefined) =>
    row === undefined ? null : { ...row, kind: row.kind as EmailTokenKind };
  return {
    /** The link whose token this is, without using it (a check before costly work). */
    async find(token: string, kinds: readonly EmailTokenKind[]): Promise<EmailTokenRecord | null> {
      const [row] = await db.select(columns).from(emailTokens).where(byToken(token, kinds));
      return toRecord(row);
    },

    /** Issues a link of `kind` for the user, replacing any older one of that kind; returns the token (never stored). */
    async issue(tx: Tx, userId: string, kind: EmailTokenKind, email: string): Promise<string> {
      const token = generateEmailToken();
      const values = {
        tokenHash: hashEmailToken(token),
        userId,
        kind,
        email,
        expiresAt: new Date(Date.now() + (lifetimesMs[kind] ?? EMAIL_TOKEN_LIFETIMES_MS[kind])),
        createdAt: new Date(),
      };
      await tx
        .insert(emailTokens)
        .values(values)
        .onConflictDoUpdate({
          target: [emailTokens.userId, emailTokens.kind],
          set: { tokenHash: values.tokenHash, email, expiresAt: values.expiresAt, createdAt: values.createdAt },
        });
      return token;
    },

    /**
     * Deletes and returns the link whose token this is, if it is of one of `kinds`: a link
     * works once, and two concurrent uses find it only once (the delete takes the row lock).
     * An expired link is returned (so the caller can say so) and deleted too.
     */
    async take(tx: Tx, token: string, kinds: readonly EmailTokenKind[]): Promise<EmailTokenRecord | null> {
      const [row] = await tx.delete(emailTokens).where(byToken(token, kinds)).returning(columns);
      return toRecord(row);
    },
  };
}

export type EmailTokenRepository = ReturnType<typeof createEmailTokenRepository>;
