import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';

/** Listens on config.host:config.port (0 = any free port); resolves with the base URL. */
export async function listen(fastify: FastifyInstance, config: Pick<Config, 'host' | 'port'>): Promise<string> {
  await fastify.listen({ port: config.port, host: config.host });
  const { port } = fastify.server.address() as AddressInfo;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
