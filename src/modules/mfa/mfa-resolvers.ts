import type { GraphQLContext } from '../../graphql/context.js';
import type { Resolvers } from '../../graphql/__generated__/resolvers-types.js';
import { viewerOf } from '../../graphql/viewer-of.js';
import { confirmMfaEnrollment } from './confirm-mfa-enrollment.js';
import { disableMfa } from './disable-mfa.js';
import type { MfaDependencies } from './mfa-dependencies.js';
import { reauthenticate } from './reauthenticate.js';
import { regenerateRecoveryCodes } from './regenerate-recovery-codes.js';
import { startMfaEnrollment } from './start-mfa-enrollment.js';
import { verifyMfa } from './verify-mfa.js';
import type DataLoader from 'dataloader';

/** The MFA operations, over the module's services. */
export function createMfaResolvers(
  deps: MfaDependencies,
  mfaEnabledOf: (ctx: GraphQLContext) => DataLoader<string, boolean>,
): Resolvers {
  return {
    User: {
      mfaEnabled: (user, _args, ctx) => mfaEnabledOf(ctx).load(user.id),
    },
    Mutation: {
      startMfaEnrollment: (_parent, _args, ctx) => startMfaEnrollment(deps, viewerOf(ctx)),
      confirmMfaEnrollment: (_parent, args, ctx) => confirmMfaEnrollment(deps, viewerOf(ctx), args.code, ctx),
      regenerateRecoveryCodes: (_parent, _args, ctx) => regenerateRecoveryCodes(deps, viewerOf(ctx)),
      disableMfa: (_parent, _args, ctx) => disableMfa(deps, viewerOf(ctx), ctx),
      reauthenticate: async (_parent, args, ctx) => {
        const payload = await reauthenticate(deps, viewerOf(ctx), args, ctx);
        ctx.credentialsVerifiedFor.add(payload.user.id);
        return payload;
      },
      verifyMfa: async (_parent, args, ctx) => {
        const payload = await verifyMfa(deps, viewerOf(ctx), args.code, ctx);
        ctx.credentialsVerifiedFor.add(payload.user.id);
        return payload;
      },
    },
  };
}
