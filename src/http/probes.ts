import type { FastifyInstance } from 'fastify';
import type { Database } from '../db/database.js';

const READY_TIMEOUT_MS = 2_000;

/** GET /healthz (the process answers) and GET /readyz (the database answers and we are not draining). */
export function registerProbes(fastify: FastifyInstance, database: Database, isDraining: () => boolean): void {
  fastify.get('/healthz', async () => ({ status: 'ok' }));
  fastify.get('/readyz', async (_request, reply) => {
    if (isDraining()) return reply.code(503).send({ status: 'draining' });
    try {
      await withTimeout(database.ping(), READY_TIMEOUT_MS);
      return { status: 'ready' };
    } catch {
      return reply.code(503).send({ status: 'unavailable' });
    }
  });
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
