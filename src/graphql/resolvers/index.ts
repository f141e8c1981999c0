import type { Resolvers } from '../__generated__/resolvers-types.js';
import { authMutations, authQueries } from './auth.js';
import { DateTime } from './scalars.js';
import { postFields, postMutations, postQueries, userPostsField } from './posts.js';
import { userMutations, userQueries } from './users.js';

/** Every resolver, one module per area of schema/. */
export const resolvers: Resolvers = {
  DateTime,
  Query: { ...userQueries, ...authQueries, ...postQueries },
  Mutation: { ...authMutations, ...userMutations, ...postMutations },
  Post: postFields,
  User: userPostsField,
};
