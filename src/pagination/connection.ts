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
  totalCount: number;
}

/** `first` as the contract reads it: above 100 is 100; negative is BAD_USER_INPUT. */
export function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (first < 0) throw new InputError('INVALID_INPUT', 'first', '"first" must not be negative.');
  return Math.min(first, MAX_PAGE_SIZE);
}

export interface CursorCodec {
  /** An opaque cursor naming the row with this id. */
  encode(id: string): string;
  /** The row id, or BAD_USER_INPUT on field "after" for anything this server did not issue. */
  decode(cursor: string): string;
}

// A cursor is the row id and a 128-bit HMAC tag: opaque to clients and tamper-evident,
// so a forged or edited cursor is refused instead of silently paging from elsewhere.
const TAG_BYTES = 16;

/** Cursors signed with a key derived from the server's signing key. */
export function createCursorCodec(secret: Buffer): CursorCodec {
  const tag = (id: string) => createHmac('sha256', secret).update(id).digest().subarray(0, TAG_BYTES);
  const malformed = () => new InputError('INVALID_INPUT', 'after', '"after" is not a cursor from this server.');
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
}

/** Builds a page from `size + 1` fetched rows (the extra one only says there is more). */
export function toPage<T extends { id: string }>(
  rows: T[],
  size: number,
  totalCount: number,
  cursors: CursorCodec,
): Page<T> {
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
    totalCount,
  };
}
