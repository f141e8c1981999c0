import { and, count, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/database.js';
import { keyset } from '../../db/keyset.js';
import type { ReadCache } from '../../db/read-cache.js';
import { posts } from './posts-table.js';
import type { PostRecord } from './post-record.js';

/** SQL access to posts; lists are keyset-paginated after a given post id. */
export function createPostRepository(db: Db) {
  const byPublication = keyset(posts, posts.publishedAt, posts.id);
  const byCreation = keyset(posts, posts.createdAt, posts.id);

  return {
    async findById(id: string): Promise<PostRecord | null> {
      const [row] = await db.select().from(posts).where(eq(posts.id, id));
      return row ?? null;
    },

    async insert(post: { id: string; authorId: string; title: string; body: string }): Promise<PostRecord> {
      const [row] = await db.insert(posts).values(post).returning();
      return row!;
    },

    async update(id: string, changes: { title?: string; body?: string }): Promise<PostRecord> {
      const [row] = await db
        .update(posts)
        .set({ ...changes, updatedAt: new Date() })
        .where(eq(posts.id, id))
        .returning();
      return row!;
    },

    async publish(id: string): Promise<PostRecord> {
      const now = new Date();
      const [row] = await db
        .update(posts)
        .set({ published: true, publishedAt: sql`coalesce(${posts.publishedAt}, ${now.toISOString()}::timestamptz)`, updatedAt: now })
        .where(eq(posts.id, id))
        .returning();
      return row!;
    },

    async delete(id: string): Promise<void> {
      await db.delete(posts).where(eq(posts.id, id));
    },

    /** Published posts, newest publication first. */
    async feedPage(afterId: string | null, limit: number): Promise<PostRecord[]> {
      return db
        .select()
        .from(posts)
        .where(and(eq(posts.published, true), byPublication.after(afterId)))
        .orderBy(...byPublication.orderBy)
        .limit(limit);
    },

    async countPublished(): Promise<number> {
      const [row] = await db.select({ value: count() }).from(posts).where(eq(posts.published, true));
      return row?.value ?? 0;
    },

    /** An author's posts, newest first; drafts only when asked. */
    async authorPage(authorId: string, withDrafts: boolean, afterId: string | null, limit: number): Promise<PostRecord[]> {
      return db
        .select()
        .from(posts)
        .where(and(eq(posts.authorId, authorId), withDrafts ? undefined : eq(posts.published, true), byCreation.after(afterId)))
        .orderBy(...byCreation.orderBy)
        .limit(limit);
    },

    async countByAuthor(authorId: string, withDrafts: boolean): Promise<number> {
      const [row] = await db
        .select({ value: count() })
        .from(posts)
        .where(and(eq(posts.authorId, authorId), withDrafts ? undefined : eq(posts.published, true)));
      return row?.value ?? 0;
    },
  };
}


export type PostRepository = ReturnType<typeof createPostRepository>;

/** The public feed's pages and count, read once per TTL however many requests ask. */
export interface FeedCache {
  readonly pages: ReadCache<PostRecord[]>;
  readonly count: ReadCache<number>;
  /** Any change to a published post (or its author's account) makes every page stale. */
  clear(): void;
}

export function createFeedCache(createReadCache: <Value>() => ReadCache<Value>): FeedCache {
  const pages = createReadCache<PostRecord[]>();
  const count = createReadCache<number>();
  return {
    pages,
    count,
    clear() {
      pages.clear();
      count.clear();
    },
  };
}

/** The repository with the feed read through `cache`; the caller clears it on every change. */
export function withFeedCache(repository: PostRepository, cache: FeedCache): PostRepository {
  return {
    ...repository,
    feedPage: (afterId, limit) => cache.pages.get(`${afterId ?? ''}:${limit}`, () => repository.feedPage(afterId, limit)),
    countPublished: () => cache.count.get('published', () => repository.countPublished()),
  };
}
