import { and, count, desc, eq, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/database.js';
import { keyset } from '../../db/keyset.js';
import type { ReadCache } from '../../db/read-cache.js';
import { posts } from './posts-table.js';
import type { PostRecord } from './post-record.js';

/** One author's page of posts, as a per-request loader asks for it. */
export interface AuthorPageKey {
  readonly authorId: string;
  /** Drafts too (the caller is the author or an admin). */
  readonly withDrafts: boolean;
  /** Keyset: posts created before this post (a decoded cursor); null for the first page. */
  readonly afterId: string | null;
  readonly limit: number;
}

/** One author's count of posts, as a per-request loader asks for it. */
export type AuthorCountKey = Pick<AuthorPageKey, 'authorId' | 'withDrafts'>;

// Every column a Post field can be read from, named: never `select *`, so a column added
// later (or a large one) is not read for lists that cannot show it.
const postColumns = {
  id: posts.id,
  authorId: posts.authorId,
  title: posts.title,
  body: posts.body,
  published: posts.published,
  publishedAt: posts.publishedAt,
  createdAt: posts.createdAt,
  updatedAt: posts.updatedAt,
};

/** The keys as a VALUES list `a(author_id, drafts, after_id, i)`, parameters typed for PostgreSQL 15 and PGlite alike. */
function keyValues(keys: ReadonlyArray<{ authorId: string; withDrafts: boolean; afterId?: string | null }>): SQL {
  const rows = keys.map(
    (key, i) => sql`(${key.authorId}::uuid, ${key.withDrafts}::boolean, ${key.afterId ?? null}::uuid, ${i}::int)`,
  );
  return sql`(values ${sql.join(rows, sql`, `)}) as a(author_id, drafts, after_id, i)`;
}

/** SQL access to posts; lists are keyset-paginated after a given post id. */
export function createPostRepository(db: Db) {
  const byPublication = keyset(posts, posts.publishedAt, posts.id);

  return {
    async findById(id: string): Promise<PostRecord | null> {
      const [row] = await db.select(postColumns).from(posts).where(eq(posts.id, id));
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
        .select(postColumns)
        .from(posts)
        .where(and(eq(posts.published, true), byPublication.after(afterId)))
        .orderBy(...byPublication.orderBy)
        .limit(limit);
    },

    async countPublished(): Promise<number> {
      const [row] = await db.select({ value: count() }).from(posts).where(eq(posts.published, true));
      return row?.value ?? 0;
    },

    /**
     * Many authors' pages in one query (a lateral join: each author's page is read from
     * the author index, newest first, up to its limit), in the order of `keys`.
     */
    async authorPages(keys: readonly AuthorPageKey[]): Promise<PostRecord[][]> {
      const pages: PostRecord[][] = keys.map(() => []);
      // One query per distinct page size: LIMIT cannot vary per row of the VALUES list.
      for (const limit of new Set(keys.map((key) => key.limit))) {
        const indexes = keys.flatMap((key, i) => (key.limit === limit ? [i] : []));
        const page = db
          .select(postColumns)
          .from(posts)
          .where(
            and(
              sql`${posts.authorId} = a.author_id`,
              sql`(${posts.published} or a.drafts)`,
              sql`(a.after_id is null or (${posts.createdAt}, ${posts.id}) < (select c.created_at, c.id from posts c where c.id = a.after_id))`,
            ),
          )
          .orderBy(desc(posts.createdAt), desc(posts.id))
          .limit(limit)
          .as('p');
        const rows = await db
          .select({
            i: sql<number>`a.i`.mapWith(Number),
            post: {
              id: page.id,
              authorId: page.authorId,
              title: page.title,
              body: page.body,
              published: page.published,
              publishedAt: page.publishedAt,
              createdAt: page.createdAt,
              updatedAt: page.updatedAt,
            },
          })
          .from(keyValues(indexes.map((i) => keys[i]!)))
          .crossJoinLateral(page)
          .orderBy(sql`a.i`, desc(page.createdAt), desc(page.id));
        for (const row of rows) pages[indexes[row.i]!]!.push(row.post);
      }
      return pages;
    },

    /** Many authors' counts in one query, in the order of `keys`. */
    async countByAuthors(keys: readonly AuthorCountKey[]): Promise<number[]> {
      const rows = await db
        .select({
          i: sql<number>`a.i`.mapWith(Number),
          value: sql<number>`(select count(*) from ${posts} where ${posts.authorId} = a.author_id and (${posts.published} or a.drafts))`.mapWith(Number),
        })
        .from(keyValues(keys));
      const counts = keys.map(() => 0);
      for (const row of rows) counts[row.i] = row.value;
      return counts;
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
