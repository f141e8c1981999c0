import type { Resolvers } from '../../graphql/__generated__/resolvers-types.js';
import { viewerOf } from '../../graphql/viewer-of.js';
import { listAuditEvents, listMySecurityEvents, type AuditDependencies } from './audit-service.js';

/** The audit trail's queries; AuditEvent's fields are its record's properties. */
export function createAuditResolvers(deps: AuditDependencies): Resolvers {
  return {
    Query: {
      auditEvents: (_parent, args) => listAuditEvents(deps, args),
      mySecurityEvents: (_parent, args, ctx) => listMySecurityEvents(deps, viewerOf(ctx), args),
    },
  };
}
