import type { Viewer } from '../../auth/viewer.js';
import type { AuditEventKind } from '../../db/audit-trail.js';
import { isUuid } from '../../ids.js';
import { loadPage, type CursorCodec, type Page, type PageArgs } from '../../pagination/connection.js';
import type { AuditEventRecord } from './audit-event-record.js';
import type { AuditEventFilter, AuditRepository } from './audit-repository.js';

export interface AuditDependencies {
  readonly audit: AuditRepository;
  /** The `auditEvents` list's cursors. */
  readonly auditCursors: CursorCodec;
  /** The `mySecurityEvents` list's cursors. */
  readonly myEventCursors: CursorCodec;
}

export interface AuditEventArgs extends PageArgs {
  userId?: string | null;
  kind?: AuditEventKind | null;
}

/** The whole audit trail (an admin's view), newest first, optionally of one user or kind. */
export function listAuditEvents(deps: AuditDependencies, args: AuditEventArgs): Promise<Page<AuditEventRecord>> {
  // No user has an id that is not a UUID: an empty page rather than an error on the filter.
  if (args.userId != null && !isUuid(args.userId)) {
    return loadPage(deps.auditCursors, args, { rows: async () => [], count: async () => 0 });
  }
  const filter: AuditEventFilter = { userId: args.userId ?? undefined, kind: args.kind ?? undefined };
  return loadPage(deps.auditCursors, args, {
    rows: (afterId, limit) => deps.audit.listPage(filter, afterId, limit),
    count: () => deps.audit.count(filter),
  });
}

/** The caller's own events, newest first. */
export function listMySecurityEvents(deps: AuditDependencies, viewer: Viewer, args: PageArgs): Promise<Page<AuditEventRecord>> {
  const filter: AuditEventFilter = { userId: viewer.userId };
  return loadPage(deps.myEventCursors, args, {
    rows: (afterId, limit) => deps.audit.listPage(filter, afterId, limit),
    count: () => deps.audit.count(filter),
  });
}
