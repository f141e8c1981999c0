import { performance } from 'node:perf_hooks';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface Closed {
  code: number;
  reason: string;
  /** performance.now() when the client saw the close. */
  at: number;
}

/** The socket closed before the server acknowledged connection_init. */
export class ClosedBeforeAcknowledgedError extends Error {
  readonly code: number;
  readonly reason: string;
  constructor({ code, reason }: Closed) {
    super(`The socket closed (${code} ${reason}) before the server acknowledged the connection.`);
    this.name = 'ClosedBeforeAcknowledgedError';
    this.code = code;
    this.reason = reason;
  }
}

export interface Received {
  data?: Record<string, any> | null;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }>;
}

export interface Subscription {
  /** Resolves with the next result (or rejects with an `error` message's errors / a close). */
  next(timeoutMs?: number): Promise<Received>;
  /** Everything received so far. */
  readonly received: Received[];
  /** Resolves when the server completed the operation or it failed. */
  readonly ended: Promise<{ error?: unknown }>;
  stop(): void;
}

export interface SubscriptionClient {
  readonly client: Client;
  /** The first close of the socket. */
  readonly closed: Promise<Closed>;
  /**
   * Resolves once the server acknowledged connection_init; rejects with a
   * ClosedBeforeAcknowledgedError (its `code` the close code) if the socket closes first.
   */
  readonly connected: Promise<void>;
  subscribe(query: string, variables?: Record<string, unknown>): Subscription;
  dispose(): Promise<void>;
}

/**
 * A real graphql-ws client (the `ws` package as its WebSocket) that connects at once,
 * never retries, and records how its socket closed.
 */
export function subscriptionClient(baseUrl: string, connectionParams: Record<string, unknown> = {}): SubscriptionClient {
  let onClosed!: (closed: Closed) => void;
  let onConnected!: () => void;
  let onRefused!: (error: ClosedBeforeAcknowledgedError) => void;
  let acknowledged = false;
  const closed = new Promise<Closed>((resolve) => (onClosed = resolve));
  const connected = new Promise<void>((resolve, reject) => {
    onConnected = resolve;
    onRefused = reject;
  });
  // A test that only awaits `closed` must not fail on an unhandled rejection of `connected`.
  connected.catch(() => {});
  const client = createClient({
    url: `${baseUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams,
    lazy: false,
    retryAttempts: 0,
    onNonLazyError: () => {},
    on: {
      connected: () => {
        acknowledged = true;
        onConnected();
      },
      closed: (event) => {
        const { code, reason } = event as { code: number; reason: string };
        const closedEvent = { code, reason: String(reason), at: performance.now() };
        onClosed(closedEvent);
        if (!acknowledged) onRefused(new ClosedBeforeAcknowledgedError(closedEvent));
      },
    },
  });

  return {
    client,
    closed,
    connected,
    subscribe(query, variables = {}) {
      const received: Received[] = [];
      const waiters: Array<{ resolve: (value: Received) => void; reject: (error: unknown) => void }> = [];
      let taken = 0;
      let failure: unknown;
      let onEnded!: (outcome: { error?: unknown }) => void;
      const ended = new Promise<{ error?: unknown }>((resolve) => (onEnded = resolve));
      const stop = client.subscribe(
        { query, variables },
        {
          next: (result) => {
            received.push(result as Received);
            const waiter = waiters.shift();
            if (waiter !== undefined) {
              taken++;
              waiter.resolve(result as Received);
            }
          },
          error: (error) => {
            failure = error;
            for (const waiter of waiters.splice(0)) waiter.reject(error);
            onEnded({ error });
          },
          complete: () => onEnded({}),
        },
      );
      return {
        received,
        ended,
        stop,
        next(timeoutMs = 5_000) {
          if (taken < received.length) return Promise.resolve(received[taken++]!);
          if (failure !== undefined) return Promise.reject(failure);
          return new Promise<Received>((resolve, reject) => {
            const waiter = {
              resolve: (value: Received) => (clearTimeout(timer), resolve(value)),
              reject: (error: unknown) => (clearTimeout(timer), reject(error)),
            };
            const timer = setTimeout(() => {
              waiters.splice(waiters.indexOf(waiter), 1);
              reject(new Error(`no result within ${timeoutMs} ms`));
            }, timeoutMs);
            waiters.push(waiter);
          });
        },
      };
    },
    dispose: () => Promise.resolve(client.dispose()),
  };
}
