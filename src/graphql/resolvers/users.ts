import type { QueryResolvers } from '../__generated__/resolvers-types.js';

export const userQueries: Pick<QueryResolvers, 'me'> = {
  me: (_parent, _args, ctx) =>
    ctx.viewer === null ? null : ctx.services.users.findById(ctx.viewer.userId),
};
