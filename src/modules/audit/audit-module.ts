import { allow, chain } from 'graphql-shield';
import { defineModule, recordKeys } from '../../graphql/module.js';
import { isAdmin, isAuthenticated } from '../../graphql/rules.js';
import type { AuditEventRecord } from './audit-event-record.js';
import { startAuditPruning } from './audit-pruning.js';
import { createAuditRepository } from './audit-repository.js';
import { createAuditResolvers } from './audit-resolvers.js';

const PRUNE_INTERVAL_MS = 60 * 60 * 1000; // hourly: retention is counted in days

/**
 * The audit trail: the core writes events (recordAuditEvent, in the transaction of what
 * they record); this module lists them to admins and to each user, and prunes old ones.
 */
export const auditModule = defineModule({
  name: 'audit',
  schemaFiles: ['audit.graphql'],
  rules: {
    Query: {
      auditEvents: chain(isAuthenticated, isAdmin),
      mySecurityEvents: isAuthenticated, // the caller's own only
    },
    AuditEvent: allow, // only reachable through the two lists above
  },
  records: {
    AuditEvent: recordKeys<AuditEventRecord>()('id', 'kind', 'at', 'userId', 'actorId', 'ip', 'userAgent'),
  },
  mappers: { AuditEvent: 'modules/audit/audit-event-record.js#AuditEventRecord' },

  setup(kernel) {
    const audit = createAuditRepository(kernel.db);
    const pruning = startAuditPruning(audit, kernel.log, {
      retentionDays: kernel.config.auditRetentionDays,
      intervalMs: PRUNE_INTERVAL_MS,
    });
    const resolvers = createAuditResolvers({
      audit,
      auditCursors: kernel.services.cursors.forList('audit-events'),
      myEventCursors: kernel.services.cursors.forList('my-security-events'),
    });
    return { resolvers, close: () => pruning.stop() };
  },
});
