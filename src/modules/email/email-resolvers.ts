import type { GraphQLContext } from '../../graphql/context.js';
import type { Resolvers } from '../../graphql/__generated__/resolvers-types.js';
import { viewerOf } from '../../graphql/viewer-of.js';
import { changeEmail } from './change-email.js';
import type { EmailDependencies } from './email-dependencies.js';
import { requestEmailVerification } from './request-email-verification.js';
import { requestPasswordReset } from './request-password-reset.js';
import { resetPassword } from './reset-password.js';
import { verifyEmail } from './verify-email.js';
import type DataLoader from 'dataloader';

/** The email lifecycle's operations, over the module's services. */
export function createEmailResolvers(
  deps: EmailDependencies,
  verifiedEmailOf: (ctx: GraphQLContext) => DataLoader<string, string | null>,
): Resolvers {
  return {
    User: {
      emailVerified: async (user, _args, ctx) => {
        const verified = await verifiedEmailOf(ctx).load(user.id);
        return verified !== null && verified.toLowerCase() === user.email.toLowerCase();
      },
    },
    Mutation: {
      requestEmailVerification: (_parent, _args, ctx) => requestEmailVerification(deps, viewerOf(ctx), ctx.clientIp),
      // Whoever holds the link proved the mailbox: the user's own fields are theirs to see.
      verifyEmail: async (_parent, args, ctx) => {
        const user = await verifyEmail(deps, args.token, ctx);
        ctx.credentialsVerifiedFor.add(user.id);
        return user;
      },
      requestPasswordReset: (_parent, args, ctx) => requestPasswordReset(deps, args.email, ctx.clientIp),
      resetPassword: async (_parent, args, ctx) => {
        const payload = await resetPassword(deps, args.token, args.newPassword, ctx);
        ctx.credentialsVerifiedFor.add(payload.user.id);
        return payload;
      },
      changeEmail: (_parent, args, ctx) =>
        changeEmail(deps, viewerOf(ctx), args.newEmail, args.currentPassword, ctx.clientIp),
    },
  };
}
