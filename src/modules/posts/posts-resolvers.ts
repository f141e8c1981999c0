import type { Resolvers } from '../../graphql/__generated__/resolvers-types.js';
import { viewerOf } from '../../graphql/viewer-of.js';
import type { PostRecord } from './post-record.js';
import {
  createPost,
  deletePost,
  findVisiblePost,
  listAuthorPosts,
  listFeed,
  postsPublishedFor,
  publishPost,
  updatePost,
  type AuthorPostsReader,
  type PostDependencies,
} from './post-service.js';
import type { GraphQLContext } from '../../graphql/context.js';

/** The posts module's resolvers, over its services. */
export function createPostsResolvers(deps: PostDependencies, readerOf: (ctx: GraphQLContext) => AuthorPostsReader): Resolvers {
  return {
    Query: {
      feed: (_parent, args) => listFeed(deps, args),
      post: (_parent, args, ctx) => findVisiblePost(deps, ctx.viewer, args.id),
      myPosts: (_parent, args, ctx) => listAuthorPosts(deps, readerOf(ctx), ctx.viewer, viewerOf(ctx).userId, args),
    },
    Mutation: {
      createPost: (_parent, args, ctx) => createPost(deps, viewerOf(ctx), args),
      updatePost: (_parent, args, ctx) => updatePost(deps, viewerOf(ctx), args),
      publishPost: (_parent, args, ctx) => publishPost(deps, viewerOf(ctx), args.id),
      deletePost: (_parent, args, ctx) => deletePost(deps, viewerOf(ctx), args.id),
    },
    Subscription: {
      postPublished: {
        subscribe: (_parent, _args, ctx) => postsPublishedFor(deps, () => ctx.viewer),
        resolve: (post: PostRecord) => post,
      },
    },
    Post: {
      author: async (post, _args, ctx) => {
        const author = await ctx.loaders.userById.load(post.authorId);
        // Posts are deleted with their author (ON DELETE CASCADE): absent means a bug.
        if (author === null) throw new Error(`Post ${post.id} has no author.`);
        return author;
      },
    },
    User: {
      posts: (user, args, ctx) => listAuthorPosts(deps, readerOf(ctx), ctx.viewer, user.id, args),
    },
  };
}
