import { createHmac, timingSafeEqual } from 'node:crypto';
import { InputError } from '../errors.js';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** An item of a page with the cursor that points at it. */
export interface Edge<T> {
  node: T;
  cursor: string;
}

/** A Relay connection page, before GraphQL. */
export interface Page<T> {
  edges: Array<Edge<T>>;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  /** Counted only when a client asks for it (one query saved per list that does not). */
  readonly totalCount: Promise<number>;
}

/** The arguments every `@connection` field takes. */
export interface PageArgs {
  first?: number | null;
  after?: string | null;
}

/** `first` as the contract reads it: above 100 is 100; negative is BAD_USER_INPUT. */
export function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (first < 0) throw new InputError('INVALID_INPUT', 'first', '"first" must not be negative.');
  return Math.min(first, MAX_PAGE_SIZE);
}

/** Cursors of one list: a cursor of another list (or forged) does not decode. */
export interface CursorCodec {
  /** An opaque cursor naming the row with this id. */
  encode(id: string): string;
  /** The row id, or BAD_USER_INPUT on field "after" for anything this list did not issue. */
  decode(cursor: string): string;
}

export interface Cursors {
  /** The codec of the list named `list` (e.g. "feed"); each list signs its own. */
  forList(list: string): CursorCodec;
}

// A cursor is the row id and a 128-bit HMAC tag over the list's name and the id: opaque
// to clients and tamper-evident, so a forged, edited or borrowed cursor is refused
// instead of silently paging from elsewhere.
const TAG_BYTES = 16;

/** Cursors signed with a key derived from the server's signing key. */
export function createCursors(secret: Buffer): Cursors {
  return {
    forList(list) {
      const tag = (id: string) => createHmac('sha256', secret).update(`${list}\0${id}`).digest().subarray(0, TAG_BYTES);
      const malformed = () => new InputError('INVALID_INPUT', 'after', '"after" is not a cursor of this list.');
      return {
        encode: (id) => Buffer.concat([tag(id), Buffer.from(id, 'utf8')]).toString('base64url'),
        decode(cursor) {
          if (cursor.length > 200 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw malformed();
          const bytes = Buffer.from(cursor, 'base64url');
          if (bytes.length <= TAG_BYTES) throw malformed();
          const id = bytes.subarray(TAG_BYTES).toString('utf8');
          if (!timingSafeEqual(bytes.subarray(0, TAG_BYTES), tag(id))) throw malformed();
          return id;
        },
      };
    },
  };
}

/** How a repository reads one list: rows after a row id, newest first, and the total. */
export interface PageSource<T> {
  rows(afterId: string | null, limit: number): Promise<T[]>;
  count(): Promise<number>;
}

/**
 * Serves one page of a list: decodes `after` with the list's codec, reads `first + 1`
 * rows (the extra one only says there is more), and builds the connection; the total is
 * read when `totalCount` is first asked for.
 */
export async function loadPage<T extends { id: string }>(
  cursors: CursorCodec,
  args: PageArgs,
  source: PageSource<T>,
): Promise<Page<T>> {
  const size = pageSize(args.first);
  const afterId = args.after === null || args.after === undefined ? null : cursors.decode(args.after);
  const rows = await source.rows(afterId, size + 1);
  let total: Promise<number> | undefined;
  return toPage(rows, size, () => (total ??= source.count()), cursors);
}

/** Builds a page from `size + 1` fetched rows. */
function toPage<T extends { id: string }>(rows: T[], size: number, count: () => Promise<number>, cursors: CursorCodec): Page<T> {
  const nodes = rows.slice(0, size);
  // Cursors are signed (an HMAC each) only when a client asks for them.
  const edges = nodes.map((node) => ({
    node,
    get cursor() {
      return cursors.encode(node.id);
    },
  }));
  const last = nodes.at(-1);
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > size,
      get endCursor() {
        return last === undefined ? null : cursors.encode(last.id);
      },
    },
    get totalCount() {
      return count();
    },
  };
}
