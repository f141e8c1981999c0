import type { AuthPayloadRecord } from '../../auth/auth-payload.js';
import { login } from '../../auth/login.js';
import { refreshTokens } from '../../auth/refresh.js';
import { changePassword, deleteAccount, listSessions, logout, revokeSession } from '../../auth/session-management.js';
import { signUp } from '../../auth/sign-up.js';
import type { GraphQLContext } from '../../graphql/context.js';
import type { Resolvers } from '../../graphql/__generated__/resolvers-types.js';
import { viewerOf } from '../../graphql/viewer-of.js';
import { listUsers, setUserRole } from '../../users/user-admin.js';

/** The request has proved this user's credentials: its own fields become visible. */
function provedBy(ctx: GraphQLContext, payload: AuthPayloadRecord): AuthPayloadRecord {
  ctx.credentialsVerifiedFor.add(payload.user.id);
  return payload;
}

/** Sign-up, login, sessions and the admin's user list: over the core services in the context. */
export const accountsResolvers: Resolvers = {
  Query: {
    // Read with the session (cached): an authenticated `me` costs no query.
    me: (_parent, _args, ctx) => ctx.viewer?.user ?? null,
    users: (_parent, args, ctx) => listUsers(ctx.services, args),
    mySessions: (_parent, _args, ctx) => listSessions(ctx.services, viewerOf(ctx)),
  },
  Mutation: {
    signUp: async (_parent, args, ctx) => provedBy(ctx, await signUp(ctx.services, { ...args, userAgent: ctx.userAgent, clientIp: ctx.clientIp })),
    login: async (_parent, args, ctx) =>
      provedBy(ctx, await login(ctx.services, { ...args, userAgent: ctx.userAgent, clientIp: ctx.clientIp })),
    refreshToken: async (_parent, args, ctx) => provedBy(ctx, await refreshTokens(ctx.services, args.refreshToken)),
    logout: (_parent, args, ctx) => logout(ctx.services, viewerOf(ctx), args.allSessions ?? false),
    revokeSession: (_parent, args, ctx) => revokeSession(ctx.services, viewerOf(ctx), args.id),
    changePassword: async (_parent, args, ctx) =>
      provedBy(ctx, await changePassword(ctx.services, viewerOf(ctx), args.currentPassword, args.newPassword, ctx)),
    deleteAccount: (_parent, args, ctx) => deleteAccount(ctx.services, viewerOf(ctx), args.password, ctx),
    setUserRole: (_parent, args, ctx) => setUserRole(ctx.services, args.userId, args.role),
  },
};
