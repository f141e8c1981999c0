import { login } from '../../auth/login.js';
import { signUp } from '../../auth/sign-up.js';
import type { AuthPayloadRecord } from '../../auth/auth-payload.js';
import type { MutationResolvers } from '../__generated__/resolvers-types.js';
import type { GraphQLContext } from '../context.js';

/** The request has proved this user's credentials: its own fields become visible. */
function provedBy(ctx: GraphQLContext, payload: AuthPayloadRecord): AuthPayloadRecord {
  ctx.credentialsVerifiedFor.add(payload.user.id);
  return payload;
}

export const authMutations: Pick<MutationResolvers, 'signUp' | 'login'> = {
  signUp: async (_parent, args, ctx) =>
    provedBy(ctx, await signUp(ctx.services, { ...args, userAgent: ctx.userAgent })),
  login: async (_parent, args, ctx) =>
    provedBy(ctx, await login(ctx.services, { ...args, userAgent: ctx.userAgent })),
};
