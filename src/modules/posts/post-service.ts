import { randomUUID } from 'node:crypto';
import type { Viewer } from '../../auth/viewer.js';
import { ForbiddenError, InputError, NotFoundError } from '../../errors.js';
import type { EventHub } from '../../events/event-hub.js';
import { isUuid } from '../../ids.js';
import { loadPage, type CursorCodec, type Page, type PageArgs } from '../../pagination/connection.js';
import type { PostRecord } from './post-record.js';
import type { AuthorCountKey, AuthorPageKey, PostRepository } from './post-repository.js';

export interface PostDependencies {
  readonly posts: PostRepository;
  /** Cursors of `feed`. */
  readonly feedCursors: CursorCodec;
  /** Cursors of an author's posts (`myPosts`, `User.posts`). */
  readonly authorCursors: CursorCodec;
  /** This process's `postPublished` subscribers. */
  readonly postEvents: EventHub<PostRecord>;
  /** Tells every instance that a post was just published (they then load it and emit it). */
  readonly onPostPublished: (postId: string) => Promise<void>;
  /** Tells every instance that a post was edited or deleted (their cached feed is stale). */
  readonly onPostChanged: (postId: string) => Promise<void>;
}

const MAX_TITLE_LENGTH = 200;
const MAX_BODY_LENGTH = 50_000;

/** A published post is public; a draft is visible to its author and to admins only. */
// A session that still owes its second factor reads as anonymous: drafts stay hidden from it.
export function canSeePost(viewer: Viewer | null, post: PostRecord): boolean {
  return post.published || (viewer?.mfaPending !== true && (viewer?.userId === post.authorId || viewer?.role === 'ADMIN'));
}

function canSeeDraftsOf(viewer: Viewer | null, authorId: string): boolean {
  return viewer?.mfaPending !== true && (viewer?.userId === authorId || viewer?.role === 'ADMIN');
}

// A title is one line; a body keeps tabs and line breaks. No other control character (NUL
// cannot even be stored in PostgreSQL text).
const FORBIDDEN = { title: /\p{Cc}/u, body: /[^\P{Cc}\t\n\r]/u };

function checkText(value: string, field: 'title' | 'body', max: number): string {
  const trimmed = field === 'title' ? value.trim() : value;
  if (trimmed.trim() === '' || [...trimmed].length > max) {
    throw new InputError('INVALID_INPUT', field, `The ${field} must be 1 to ${max} characters long.`);
  }
  if (FORBIDDEN[field].test(trimmed)) {
    throw new InputError('INVALID_INPUT', field, `The ${field} must not contain control characters.`);
  }
  return trimmed;
}

/** The post, when the caller may see it (for other modules too: they pass a post repository). */
export async function findVisiblePost(
  deps: Pick<PostDependencies, 'posts'>,
  viewer: Viewer | null,
  id: string,
): Promise<PostRecord | null> {
  const post = isUuid(id) ? await deps.posts.findById(id) : null;
  return post !== null && canSeePost(viewer, post) ? post : null;
}

/** NOT_FOUND when the caller cannot see it; FORBIDDEN when it can but it is not theirs. */
async function findOwnPost(deps: Pick<PostDependencies, 'posts'>, viewer: Viewer, id: string): Promise<PostRecord> {
  const post = await findVisiblePost(deps, viewer, id);
  if (post === null) throw new NotFoundError('No such post.');
  if (post.authorId !== viewer.userId && viewer.role !== 'ADMIN') {
    throw new ForbiddenError('Only the author or an admin may change this post.');
  }
  return post;
}

export async function createPost(deps: PostDependencies, viewer: Viewer, input: { title: string; body: string }): Promise<PostRecord> {
  const title = checkText(input.title, 'title', MAX_TITLE_LENGTH);
  const body = checkText(input.body, 'body', MAX_BODY_LENGTH);
  return deps.posts.insert({ id: randomUUID(), authorId: viewer.userId, title, body });
}

export async function updatePost(
  deps: PostDependencies,
  viewer: Viewer,
  input: { id: string; title?: string | null; body?: string | null },
): Promise<PostRecord> {
  const changes: { title?: string; body?: string } = {};
  if (input.title !== null && input.title !== undefined) changes.title = checkText(input.title, 'title', MAX_TITLE_LENGTH);
  if (input.body !== null && input.body !== undefined) changes.body = checkText(input.body, 'body', MAX_BODY_LENGTH);
  const post = await findOwnPost(deps, viewer, input.id);
  if (Object.keys(changes).length === 0) return post;
  const updated = await deps.posts.update(post.id, changes);
  await deps.onPostChanged(post.id);
  return updated;
}

export async function publishPost(deps: PostDependencies, viewer: Viewer, id: string): Promise<PostRecord> {
  const post = await findOwnPost(deps, viewer, id);
  if (post.published) return post;
  const published = await deps.posts.publish(post.id);
  await deps.onPostPublished(published.id);
  return published;
}

/**
 * `postPublished`: posts as they are published, to whoever may see them in `feed`. The
 * viewer is asked for at each event, so a role change applies to the next event.
 */
export function postsPublishedFor(
  deps: PostDependencies,
  viewerNow: () => Viewer | null,
): AsyncIterableIterator<PostRecord> {
  return deps.postEvents.subscribe((post) => canSeePost(viewerNow(), post));
}

export async function deletePost(deps: PostDependencies, viewer: Viewer, id: string): Promise<true> {
  const post = await findOwnPost(deps, viewer, id);
  await deps.posts.delete(post.id);
  await deps.onPostChanged(post.id);
  return true;
}

export function listFeed(deps: PostDependencies, args: PageArgs): Promise<Page<PostRecord>> {
  return loadPage(deps.feedCursors, args, { rows: deps.posts.feedPage, count: deps.posts.countPublished });
}

/**
 * How one request reads authors' posts: each load joins the request's others into one
 * query (the pages of a list of 100 users cost one query, not 100).
 */
export interface AuthorPostsReader {
  page(key: AuthorPageKey): Promise<PostRecord[]>;
  count(key: AuthorCountKey): Promise<number>;
}

/** An author's posts: published ones, and drafts too for the author and admins. */
export function listAuthorPosts(
  deps: PostDependencies,
  reader: AuthorPostsReader,
  viewer: Viewer | null,
  authorId: string,
  args: PageArgs,
): Promise<Page<PostRecord>> {
  const withDrafts = canSeeDraftsOf(viewer, authorId);
  return loadPage(deps.authorCursors, args, {
    rows: (afterId, limit) => reader.page({ authorId, withDrafts, afterId, limit }),
    count: () => reader.count({ authorId, withDrafts }),
  });
}
