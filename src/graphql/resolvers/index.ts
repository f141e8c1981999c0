import type { Resolvers } from '../__generated__/resolvers-types.js';
import { authMutations, authQueries } from './auth.js';
import { DateTime } from './scalars.js';
import { postFields, postMutations, postQueries, postSubscriptions, userPostsField } from './posts.js';
import { userMutations, userQueries } from './users.js';

/** Every resolver, one module per area of schema/. */
export const resolvers: Resolvers = {
  DateTime,
  Query: { ...userQueries, ...authQueries, ...postQueries },
  Mutation: { ...authMutations, ...userMutations, ...postMutations },
  Subscription: { ...postSubscriptions },
  Post: postFields,
  User: userPostsField,
};
