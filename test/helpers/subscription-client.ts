import { performance } from 'node:perf_hooks';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface Closed {
  code: number;
  reason: string;
  /** performance.now() when the client saw the close. */
  at: number;
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
  /** Resolves once the server acknowledged connection_init. */
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
  const closed = new Promise<Closed>((resolve) => (onClosed = resolve));
  const connected = new Promise<void>((resolve) => (onConnected = resolve));
  const client = createClient({
    url: `${baseUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams,
    lazy: false,
    retryAttempts: 0,
    onNonLazyError: () => {},
    on: {
      connected: () => onConnected(),
      closed: (event) => {
        const { code, reason } = event as { code: number; reason: string };
        onClosed({ code, reason: String(reason), at: performance.now() });
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
