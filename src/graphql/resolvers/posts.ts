import {
  createPost,
  deletePost,
  findVisiblePost,
  listAuthorPosts,
  listFeed,
  postsPublishedFor,
  publishPost,
  updatePost,
} from '../../posts/post-service.js';
import type { PostRecord } from '../../posts/post-record.js';
import type {
  MutationResolvers,
  PostResolvers,
  QueryResolvers,
  SubscriptionResolvers,
  UserResolvers,
} from '../__generated__/resolvers-types.js';
import { viewerOf } from '../viewer-of.js';

export const postQueries: Pick<QueryResolvers, 'feed' | 'post' | 'myPosts'> = {
  feed: (_parent, args, ctx) => listFeed(ctx.services, args),
  post: (_parent, args, ctx) => findVisiblePost(ctx.services, ctx.viewer, args.id),
  myPosts: (_parent, args, ctx) => listAuthorPosts(ctx.services, ctx.viewer, viewerOf(ctx).userId, args),
};

export const postMutations: Pick<MutationResolvers, 'createPost' | 'updatePost' | 'publishPost' | 'deletePost'> = {
  createPost: (_parent, args, ctx) => createPost(ctx.services, viewerOf(ctx), args),
  updatePost: (_parent, args, ctx) => updatePost(ctx.services, viewerOf(ctx), args),
  publishPost: (_parent, args, ctx) => publishPost(ctx.services, viewerOf(ctx), args.id),
  deletePost: (_parent, args, ctx) => deletePost(ctx.services, viewerOf(ctx), args.id),
};

export const postSubscriptions: Pick<SubscriptionResolvers, 'postPublished'> = {
  postPublished: {
    subscribe: (_parent, _args, ctx) => postsPublishedFor(ctx.services, () => ctx.viewer),
    resolve: (post: PostRecord) => post,
  },
};

export const postFields: PostResolvers = {
  author: async (post, _args, ctx) => {
    const author = await ctx.loaders.userById.load(post.authorId);
    // Posts are deleted with their author (ON DELETE CASCADE): absent means a bug.
    if (author === null) throw new Error(`Post ${post.id} has no author.`);
    return author;
  },
};

export const userPostsField: Pick<UserResolvers, 'posts'> = {
  posts: (user, args, ctx) => listAuthorPosts(ctx.services, ctx.viewer, user.id, args),
};
