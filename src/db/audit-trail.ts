import { randomUUID } from 'node:crypto';
import type { Db } from './database.js';
import { auditEvents } from './schema.js';

/** Every kind of audit event; a kind that nothing emits yet is listed for the features to come. */
export const AUDIT_EVENT_KINDS = [
  'SIGNED_UP',
  'LOGIN_SUCCEEDED',
  'LOGIN_FAILED',
  'LOGIN_RATE_LIMITED',
  'LOGGED_OUT',
  'SESSION_REVOKED',
  'REFRESH_TOKEN_REUSED',
  'PASSWORD_CHANGED',
  'PASSWORD_RESET',
  'EMAIL_VERIFIED',
  'EMAIL_CHANGED',
  'MFA_ENABLED',
  'MFA_DISABLED',
  'MFA_FAILED',
  'ROLE_CHANGED',
  'USER_DISABLED',
  'USER_ENABLED',
  'ACCOUNT_DELETED',
] as const;

export type AuditEventKind = (typeof AUDIT_EVENT_KINDS)[number];

/** Where a request came from, as an audit event records it. */
export interface AuditOrigin {
  readonly clientIp: string | null;
  readonly userAgent: string | null;
}

/**
 * One event to record. It holds ids, a kind and where the request came from: never a
 * password, token or code, which is why it has no free-form field.
 */
export interface AuditEvent {
  readonly kind: AuditEventKind;
  /** Whose account it concerns; null when no account is known. */
  readonly userId: string | null;
  /** The admin who acted on someone else's account. */
  readonly actorId?: string | null;
  readonly origin: AuditOrigin;
}

/** A database handle or an open transaction: anything that can insert. */
export type AuditWriter = Pick<Db, 'insert'>;

/**
 * Writes an audit event with `tx`: pass the transaction of the change it records, so both
 * commit or neither does.
 */
export async function recordAuditEvent(tx: AuditWriter, event: AuditEvent): Promise<void> {
  await tx.insert(auditEvents).values({
    id: randomUUID(),
    kind: event.kind,
    userId: event.userId,
    actorId: event.actorId ?? null,
    ip: event.origin.clientIp,
    userAgent: event.origin.userAgent,
  });
}
