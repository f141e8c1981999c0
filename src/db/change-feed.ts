import { randomUUID } from 'node:crypto';
import pg from 'pg';

/** A change other processes sharing the database must hear about at once. */
export type Change =
  | { kind: 'sessions-revoked'; sessionIds: string[] }
  | { kind: 'user-changed'; userId: string }
  /** A post was just published: subscribers of `postPublished` on every instance hear of it. */
  | { kind: 'post-published'; postId: string }
  /** A post was edited or deleted. */
  | { kind: 'post-changed'; postId: string }
  /** Notifications may have been missed (the listening connection dropped): forget everything. */
  | { kind: 'reset' };

export type ChangeListener = (change: Change) => void;

export interface ChangeFeed {
  /** Tells this process's listeners at once, and every other process through the database. */
  publish(change: Exclude<Change, { kind: 'reset' }>): Promise<void>;
  subscribe(listener: ChangeListener): void;
  close(): Promise<void>;
}

const CHANNEL = 'gatehouse_changes';
// NOTIFY payloads are limited to 8000 bytes; 100 UUIDs take ~3.8 KB.
const IDS_PER_NOTIFICATION = 100;
const RECONNECT_DELAYS_MS = [100, 500, 1_000, 2_000, 5_000];

/** The embedded database has one process by construction: listeners are all local. */
export function createLocalChangeFeed(): ChangeFeed {
  const listeners: ChangeListener[] = [];
  return {
    publish: async (change) => listeners.forEach((listener) => listener(change)),
    subscribe: (listener) => void listeners.push(listener),
    close: async () => {},
  };
}

/**
 * PostgreSQL LISTEN/NOTIFY on a dedicated connection, reconnected when it drops; each
 * reconnect first reports `reset`, since notifications sent meanwhile are lost.
 */
export function createPostgresChangeFeed(
  databaseUrl: string,
  pool: pg.Pool,
  onError: (error: Error) => void,
): ChangeFeed {
  const listeners: ChangeListener[] = [];
  const dispatch = (change: Change) => listeners.forEach((listener) => listener(change));
  // Our own notifications come back on our LISTEN connection; publish() has told our listeners already.
  const origin = randomUUID();
  let client: pg.Client | undefined;
  let closed = false;
  let attempt = 0;
  let timer: NodeJS.Timeout | undefined;

  const connect = async () => {
    const connection = new pg.Client({ connectionString: databaseUrl });
    connection.on('notification', (message) => {
      const change = parseChange(message.payload, origin);
      if (change !== undefined) dispatch(change);
    });
    connection.on('error', (error) => {
      onError(error);
      void connection.end().catch(() => {});
    });
    connection.on('end', () => {
      if (client === connection) client = undefined;
      if (!closed) {
        dispatch({ kind: 'reset' });
        scheduleReconnect();
      }
    });
    try {
      await connection.connect();
      await connection.query(`LISTEN ${CHANNEL}`);
    } catch (error) {
      onError(error as Error);
      await connection.end().catch(() => {});
      return;
    }
    if (closed) {
      await connection.end();
      return;
    }
    client = connection;
    attempt = 0;
    // Anything cached while we were not listening may be stale.
    dispatch({ kind: 'reset' });
  };

  const scheduleReconnect = () => {
    if (timer !== undefined || closed) return;
    const delay = RECONNECT_DELAYS_MS[Math.min(attempt++, RECONNECT_DELAYS_MS.length - 1)]!;
    timer = setTimeout(() => {
      timer = undefined;
      void connect();
    }, delay);
    timer.unref();
  };

  const ready = connect();

  return {
    async publish(change) {
      dispatch(change);
      for (const payload of toPayloads(change, origin)) {
        await pool.query('select pg_notify($1, $2)', [CHANNEL, payload]);
      }
    },
    subscribe: (listener) => void listeners.push(listener),
    async close() {
      closed = true;
      clearTimeout(timer);
      await ready;
      await client?.end().catch(() => {});
    },
  };
}

function toPayloads(change: Exclude<Change, { kind: 'reset' }>, origin: string): string[] {
  if (change.kind !== 'sessions-revoked') return [JSON.stringify({ ...change, origin })];
  const payloads: string[] = [];
  for (let i = 0; i < change.sessionIds.length; i += IDS_PER_NOTIFICATION) {
    payloads.push(JSON.stringify({ ...change, origin, sessionIds: change.sessionIds.slice(i, i + IDS_PER_NOTIFICATION) }));
  }
  return payloads;
}

/** Another process's message: our own (already told to our listeners) and anything malformed are ignored. */
function parseChange(payload: string | undefined, ownOrigin: string): Change | undefined {
  try {
    const value = JSON.parse(payload ?? '') as Record<string, unknown>;
    if (value.origin === ownOrigin) return undefined;
    if (
      value.kind === 'sessions-revoked' &&
      Array.isArray(value.sessionIds) &&
      value.sessionIds.every((id) => typeof id === 'string')
    ) {
      return { kind: 'sessions-revoked', sessionIds: value.sessionIds as string[] };
    }
    if (value.kind === 'user-changed' && typeof value.userId === 'string') {
      return { kind: 'user-changed', userId: value.userId };
    }
    if ((value.kind === 'post-published' || value.kind === 'post-changed') && typeof value.postId === 'string') {
      return { kind: value.kind, postId: value.postId };
    }
  } catch {
    // not ours
  }
  return undefined;
}
