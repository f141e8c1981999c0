import type { AuthPayloadRecord } from '../../auth/auth-payload.js';
import { login } from '../../auth/login.js';
import { refreshTokens } from '../../auth/refresh.js';
import {
  changePassword,
  deleteAccount,
  listSessions,
  logout,
  revokeSession,
} from '../../auth/session-management.js';
import { signUp } from '../../auth/sign-up.js';
import type { MutationResolvers, QueryResolvers } from '../__generated__/resolvers-types.js';
import type { GraphQLContext } from '../context.js';
import { viewerOf } from '../viewer-of.js';

/** The request has proved this user's credentials: its own fields become visible. */
function provedBy(ctx: GraphQLContext, payload: AuthPayloadRecord): AuthPayloadRecord {
  ctx.credentialsVerifiedFor.add(payload.user.id);
  return payload;
}

export const authQueries: Pick<QueryResolvers, 'mySessions'> = {
  mySessions: (_parent, _args, ctx) => listSessions(ctx.services, viewerOf(ctx)),
};

export const authMutations: Pick<
  MutationResolvers,
  'signUp' | 'login' | 'refreshToken' | 'logout' | 'revokeSession' | 'changePassword' | 'deleteAccount'
> = {
  signUp: async (_parent, args, ctx) =>
    provedBy(ctx, await signUp(ctx.services, { ...args, userAgent: ctx.userAgent })),
  login: async (_parent, args, ctx) =>
    provedBy(ctx, await login(ctx.services, { ...args, userAgent: ctx.userAgent, clientIp: ctx.clientIp })),
  refreshToken: async (_parent, args, ctx) =>
    provedBy(ctx, await refreshTokens(ctx.services, args.refreshToken)),
  logout: (_parent, args, ctx) => logout(ctx.services, viewerOf(ctx), args.allSessions ?? false),
  revokeSession: (_parent, args, ctx) => revokeSession(ctx.services, viewerOf(ctx), args.id),
  changePassword: async (_parent, args, ctx) =>
    provedBy(
      ctx,
      await changePassword(ctx.services, viewerOf(ctx), args.currentPassword, args.newPassword, ctx),
    ),
  deleteAccount: (_parent, args, ctx) => deleteAccount(ctx.services, viewerOf(ctx), args.password, ctx),
};
