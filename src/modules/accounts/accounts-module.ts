import { allow, chain } from 'graphql-shield';
import type { AuthPayloadRecord } from '../../auth/auth-payload.js';
import type { SessionView } from '../../auth/session-management.js';
import { defineModule, recordKeys } from '../../graphql/module.js';
import { canSeeEmail, isAdmin, isAuthenticated, mayLogOut, requiresRecentAuthentication } from '../../graphql/rules.js';
import type { UserRecord } from '../../users/user-record.js';
import { accountsResolvers } from './accounts-resolvers.js';

/**
 * Accounts, sessions and the admin's controls. Their services are the core's (every
 * request's context verifies a token against them); this module brings their schema.
 */
export const accountsModule = defineModule({
  name: 'accounts',
  schemaFiles: ['users.graphql', 'auth.graphql', 'sessions.graphql'],
  rules: {
    Query: {
      me: allow,
      mySessions: isAuthenticated,
      users: chain(isAuthenticated, isAdmin),
    },
    Mutation: {
      signUp: allow,
      login: allow,
      refreshToken: allow,
      logout: mayLogOut,
      revokeSession: requiresRecentAuthentication,
      changePassword: requiresRecentAuthentication,
      deleteAccount: requiresRecentAuthentication,
      setUserRole: chain(isAuthenticated, isAdmin),
      setUserDisabled: chain(isAuthenticated, isAdmin),
      revokeUserSessions: chain(isAuthenticated, isAdmin),
    },
    User: {
      id: allow,
      email: canSeeEmail,
      name: allow,
      role: allow,
      createdAt: allow,
      // Whether an account is disabled is the admins' business: null and FORBIDDEN for others.
      disabled: isAdmin,
    },
    Session: allow,
    AuthPayload: allow,
  },
  records: {
    User: recordKeys<UserRecord>()('id', 'email', 'name', 'role', 'createdAt', 'disabled'),
    Session: recordKeys<SessionView>()('id', 'createdAt', 'lastUsedAt', 'userAgent', 'current'),
    AuthPayload: recordKeys<AuthPayloadRecord>()('accessToken', 'refreshToken', 'tokenType', 'expiresIn', 'user', 'mfaRequired'),
  },
  mappers: {
    User: 'users/user-record.js#UserRecord',
    AuthPayload: 'auth/auth-payload.js#AuthPayloadRecord',
    Session: 'auth/session-management.js#SessionView',
  },
  setup: () => ({ resolvers: accountsResolvers }),
});
