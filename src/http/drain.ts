import { performance } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';

// The longest a shutdown waits for a busy event loop before it stops accepting.
const SETTLE_MAX_MS = 5_000;

export interface DrainSteps {
  /** Runs while the listener settles (the sockets' close handshakes). */
  whileSettling: () => Promise<unknown>;
  /** Runs once the HTTP server has closed, still under the drain timeout (Apollo's stop). */
  afterClose: () => Promise<unknown>;
}

export interface Drain {
  /** True once close() has begun: /readyz answers 503 and every response closes its connection. */
  readonly draining: boolean;
  /** Stops accepting and lets requests in flight finish, cutting what is left after DRAIN_TIMEOUT_SECONDS. */
  close(steps: DrainSteps): Promise<void>;
}

/** The HTTP part of a graceful stop; register it before the server listens. */
export function registerDrain(fastify: FastifyInstance, config: Pick<Config, 'drainTimeoutSeconds'>): Drain {
  let draining = false;
  // While draining, each connection closes after its response: a keep-alive connection
  // must not sit idle until the drain timeout once its last request is answered.
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (draining) reply.header('connection', 'close');
    done(null, payload);
  });
  // When the last connection was accepted: a shutdown waits for the accept queue to empty.
  let lastAcceptedAt = performance.now();
  fastify.server.on('connection', () => (lastAcceptedAt = performance.now()));
  /** Resolves once the event loop keeps time and accepts nothing for a while, or after maxMs. */
  const settle = async (maxMs: number) => {
    const deadline = performance.now() + maxMs;
    let onTime = 0;
    while ((onTime < 3 || performance.now() - lastAcceptedAt < 100) && performance.now() < deadline) {
      const started = performance.now();
      await new Promise((resolve) => setTimeout(resolve, 5));
      onTime = performance.now() - started < 25 ? onTime + 1 : 0;
    }
  };
  return {
    get draining() {
      return draining;
    },
    async close(steps) {
      draining = true;
      // No new connections from here; requests in flight get the drain timeout to finish.
      const cut = setTimeout(() => {
        fastify.log.warn({ drainTimeoutSeconds: config.drainTimeoutSeconds }, 'drain timeout: closing the connections left');
        fastify.server.closeAllConnections();
      }, config.drainTimeoutSeconds * 1000);
      try {
        // Closing the listener resets connections still in its accept queue, and closing
        // the server destroys every connection it counts as idle, including one whose
        // request is on the wire but not yet read. Both happen when the event loop is
        // busy (the embedded database runs queries on it), so wait until it keeps time
        // again: everything sent before the signal is then accepted, read and in flight.
        await Promise.all([steps.whileSettling(), settle(Math.min(SETTLE_MAX_MS, config.drainTimeoutSeconds * 500))]);
        await fastify.close();
        await steps.afterClose();
      } finally {
        clearTimeout(cut);
      }
    },
  };
}
