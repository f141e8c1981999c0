import { and, count, eq, lt, type SQL } from 'drizzle-orm';
import type { AuditEventKind } from '../../db/audit-trail.js';
import type { Db } from '../../db/database.js';
import { keyset } from '../../db/keyset.js';
import { auditEvents } from '../../db/schema.js';
import type { AuditEventRecord } from './audit-event-record.js';

/** Which events a list shows: one user's, one kind, or both. */
export interface AuditEventFilter {
  readonly userId?: string | undefined;
  readonly kind?: AuditEventKind | undefined;
}

/** SQL reads of the audit trail (the core writes it) and its pruning. */
export function createAuditRepository(db: Db) {
  const newestFirst = keyset(auditEvents, auditEvents.at, auditEvents.id);
  const matching = (filter: AuditEventFilter): SQL | undefined =>
    and(
      filter.userId === undefined ? undefined : eq(auditEvents.userId, filter.userId),
      filter.kind === undefined ? undefined : eq(auditEvents.kind, filter.kind),
    );
  return {
    /** Events newest first, after the one with id `afterId` (keyset pagination). */
    async listPage(filter: AuditEventFilter, afterId: string | null, limit: number): Promise<AuditEventRecord[]> {
      const rows = await db
        .select()
        .from(auditEvents)
        .where(and(matching(filter), newestFirst.after(afterId)))
        .orderBy(...newestFirst.orderBy)
        .limit(limit);
      return rows as AuditEventRecord[];
    },

    async count(filter: AuditEventFilter): Promise<number> {
      const [row] = await db.select({ value: count() }).from(auditEvents).where(matching(filter));
      return row?.value ?? 0;
    },

    /** Deletes the events older than `before`; returns how many. */
    async pruneBefore(before: Date): Promise<number> {
      const deleted = await db.delete(auditEvents).where(lt(auditEvents.at, before)).returning({ id: auditEvents.id });
      return deleted.length;
    },
  };
}

export type AuditRepository = ReturnType<typeof createAuditRepository>;
