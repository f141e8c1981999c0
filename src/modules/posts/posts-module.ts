import { allow, chain } from 'graphql-shield';
import { createEventHub } from '../../events/event-hub.js';
import type { GraphQLContext } from '../../graphql/context.js';
import { defineLoader } from '../../graphql/loaders.js';
import { defineModule, recordKeys } from '../../graphql/module.js';
import { canWrite, isAuthenticated } from '../../graphql/rules.js';
import { userChanged } from '../../users/user-changed.js';
import { postChanged, postPublished } from './post-changes.js';
import type { PostRecord } from './post-record.js';
import {
  createFeedCache,
  createPostRepository,
  withFeedCache,
  type AuthorCountKey,
  type AuthorPageKey,
} from './post-repository.js';
import type { AuthorPostsReader, PostDependencies } from './post-service.js';
import { createPostsResolvers } from './posts-resolvers.js';

/** Posts with drafts, a public feed, and `postPublished` over WebSocket. */
export const postsModule = defineModule({
  name: 'posts',
  schemaFiles: ['posts.graphql'],
  rules: {
    Query: {
      feed: allow,
      post: allow, // the resolver answers null for a draft the caller may not see
      myPosts: isAuthenticated,
    },
    Mutation: {
      // Ownership (author or ADMIN) is decided by the service: NOT_FOUND vs FORBIDDEN needs the post.
      createPost: chain(isAuthenticated, canWrite),
      updatePost: chain(isAuthenticated, canWrite),
      publishPost: chain(isAuthenticated, canWrite),
      deletePost: chain(isAuthenticated, canWrite),
    },
    Subscription: {
      postPublished: allow, // published posts are public, as in `feed`
    },
    User: {
      posts: allow, // the resolver shows drafts to the author and admins only
    },
    Post: allow,
  },
  records: {
    Post: recordKeys<PostRecord>()('id', 'authorId', 'title', 'body', 'published', 'publishedAt', 'createdAt', 'updatedAt'),
  },
  mappers: { Post: 'modules/posts/post-record.js#PostRecord' },
  topics: [postPublished, postChanged],

  setup(kernel) {
    // The feed every reader asks for is read once per TTL, and forgotten at once on a
    // change here or (through the change feed) on another instance.
    const feedCache = createFeedCache(kernel.createReadCache);
    const posts = withFeedCache(createPostRepository(kernel.db), feedCache);
    const postEvents = createEventHub<PostRecord>();
    const deps: PostDependencies = {
      posts,
      feedCursors: kernel.services.cursors.forList('feed'),
      authorCursors: kernel.services.cursors.forList('author-posts'),
      postEvents,
      onPostPublished: (postId) => kernel.publish(postPublished, { postId }),
      onPostChanged: (postId) => kernel.publish(postChanged, { postId }),
    };

    kernel.on(postChanged, () => feedCache.clear());
    kernel.on(userChanged, () => feedCache.clear()); // a deleted user's posts are gone
    kernel.onReset(() => feedCache.clear());
    // Every instance loads a newly published post once and hands it to its own subscribers.
    kernel.on(postPublished, ({ postId }) => {
      feedCache.clear();
      if (postEvents.subscriberCount === 0) return;
      posts
        .findById(postId)
        .then((post) => post?.published === true && postEvents.emit(post))
        .catch((error: Error) => {
          kernel.log.warn({ error: error.message, postId }, 'could not deliver a published post to subscribers');
        });
    });

    // Authors' pages and counts, batched per request: `users { posts }` or `feed { author {
    // posts } }` costs one query per level of the document, whatever the number of parents.
    const authorPages = defineLoader((keys: readonly AuthorPageKey[]) => posts.authorPages(keys), {
      cacheKey: (key) => `${key.authorId}:${key.withDrafts}:${key.afterId ?? ''}:${key.limit}`,
    });
    const authorCounts = defineLoader((keys: readonly AuthorCountKey[]) => posts.countByAuthors(keys), {
      cacheKey: (key) => `${key.authorId}:${key.withDrafts}`,
    });
    const readerOf = (ctx: GraphQLContext): AuthorPostsReader => ({
      page: (key) => authorPages(ctx).load(key),
      count: (key) => authorCounts(ctx).load(key),
    });

    return { resolvers: createPostsResolvers(deps, readerOf) };
  },
});
