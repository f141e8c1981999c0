import { randomUUID } from 'node:crypto';
import pg from 'pg';

/**
 * A kind of change other processes sharing the database must hear about at once,
 * declared once with its payload type and the parser that reads it off the wire.
 */
export interface ChangeTopic<Payload> {
  /** Unique across the server: the `kind` written into each notification. */
  readonly name: string;
  /** The payload of another process's notification, or undefined when malformed. */
  parse(message: Readonly<Record<string, unknown>>): Payload | undefined;
  /** Cuts a payload that may outgrow one notification (8000 bytes) into several. */
  split?(payload: Payload): Payload[];
}

/** Declares a change topic; see ChangeTopic. */
export function defineChangeTopic<Payload extends object>(topic: ChangeTopic<Payload>): ChangeTopic<Payload> {
  if (!/^[a-z][a-z0-9-]*$/.test(topic.name)) throw new Error(`Change topic "${topic.name}" must be kebab-case.`);
  return Object.freeze({ ...topic });
}

export interface ChangeFeed {
  /** Tells this process's listeners at once, and every other process through the database. */
  publish<Payload>(topic: ChangeTopic<Payload>, payload: Payload): Promise<void>;
  /** Calls `listener` for each change of this topic, here or in another process, in order of subscription. */
  on<Payload>(topic: ChangeTopic<Payload>, listener: (payload: Payload) => void): void;
  /** Notifications may have been missed (the listening connection dropped): forget everything cached. */
  onReset(listener: () => void): void;
  /** The topics with a listener, by name. */
  readonly topics: ReadonlyMap<string, ChangeTopic<unknown>>;
  close(): Promise<void>;
}

const CHANNEL = 'gatehouse_changes';
const RECONNECT_DELAYS_MS = [100, 500, 1_000, 2_000, 5_000];

/** Listeners by topic; what both feeds dispatch to. */
function createListeners() {
  const byTopic = new Map<string, { topic: ChangeTopic<unknown>; listeners: Array<(payload: unknown) => void> }>();
  const resets: Array<() => void> = [];
  return {
    byTopic,
    on<Payload>(topic: ChangeTopic<Payload>, listener: (payload: Payload) => void) {
      const known = byTopic.get(topic.name);
      if (known !== undefined && known.topic !== topic) throw new Error(`Two change topics are named "${topic.name}".`);
      const entry = known ?? { topic: topic as ChangeTopic<unknown>, listeners: [] };
      entry.listeners.push(listener as (payload: unknown) => void);
      byTopic.set(topic.name, entry);
    },
    onReset: (listener: () => void) => void resets.push(listener),
    dispatch(name: string, payload: unknown) {
      for (const listener of byTopic.get(name)?.listeners ?? []) listener(payload);
    },
    reset: () => resets.forEach((listener) => listener()),
    topics: () => new Map([...byTopic].map(([name, entry]) => [name, entry.topic])),
  };
}

/** The embedded database has one process by construction: listeners are all local. */
export function createLocalChangeFeed(): ChangeFeed {
  const listeners = createListeners();
  return {
    publish: async (topic, payload) => listeners.dispatch(topic.name, payload),
    on: listeners.on,
    onReset: listeners.onReset,
    get topics() {
      return listeners.topics();
    },
    close: async () => {},
  };
}

/**
 * PostgreSQL LISTEN/NOTIFY on a dedicated connection, reconnected when it drops; each
 * reconnect first reports a reset, since notifications sent meanwhile are lost.
 */
export function createPostgresChangeFeed(
  databaseUrl: string,
  pool: pg.Pool,
  onError: (error: Error) => void,
): ChangeFeed {
  const listeners = createListeners();
  // Our own notifications come back on our LISTEN connection; publish() has told our listeners already.
  const origin = randomUUID();
  let client: pg.Client | undefined;
  let closed = false;
  let attempt = 0;
  let timer: NodeJS.Timeout | undefined;

  /** Another process's message; our own, unknown kinds and anything malformed are ignored. */
  const receive = (text: string | undefined) => {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(text ?? '') as Record<string, unknown>;
    } catch {
      return; // not ours
    }
    if (message === null || typeof message !== 'object' || message.origin === origin) return;
    const entry = typeof message.kind === 'string' ? listeners.byTopic.get(message.kind) : undefined;
    const payload = entry?.topic.parse(message);
    if (payload !== undefined) listeners.dispatch(entry!.topic.name, payload);
  };

  const connect = async () => {
    const connection = new pg.Client({ connectionString: databaseUrl });
    connection.on('notification', (message) => receive(message.payload));
    connection.on('error', (error) => {
      onError(error);
      void connection.end().catch(() => {});
    });
    connection.on('end', () => {
      if (client === connection) client = undefined;
      if (!closed) {
        listeners.reset();
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
    listeners.reset();
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
    async publish(topic, payload) {
      listeners.dispatch(topic.name, payload);
      for (const part of topic.split?.(payload) ?? [payload]) {
        await pool.query('select pg_notify($1, $2)', [CHANNEL, JSON.stringify({ ...part, kind: topic.name, origin })]);
      }
    },
    on: listeners.on,
    onReset: listeners.onReset,
    get topics() {
      return listeners.topics();
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      await ready;
      await client?.end().catch(() => {});
    },
  };
}
