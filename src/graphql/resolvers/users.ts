import { listUsers, setUserRole } from '../../users/user-admin.js';
import type { MutationResolvers, QueryResolvers } from '../__generated__/resolvers-types.js';

export const userQueries: Pick<QueryResolvers, 'me' | 'users'> = {
  // Read with the session (cached): an authenticated `me` costs no query.
  me: (_parent, _args, ctx) => ctx.viewer?.user ?? null,
  users: (_parent, args, ctx) => listUsers(ctx.services, args),
};

export const userMutations: Pick<MutationResolvers, 'setUserRole'> = {
  setUserRole: (_parent, args, ctx) => setUserRole(ctx.services, args.userId, args.role),
};
