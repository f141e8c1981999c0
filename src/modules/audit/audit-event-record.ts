import type { AuditEventKind } from '../../db/audit-trail.js';

/** An audit event as the API shows it. */
export interface AuditEventRecord {
  readonly id: string;
  readonly kind: AuditEventKind;
  readonly at: Date;
  readonly userId: string | null;
  readonly actorId: string | null;
  readonly ip: string | null;
  readonly userAgent: string | null;
}
