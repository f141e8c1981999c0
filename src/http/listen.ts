import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';

/** Listens on config.host:config.port (0 = any free port); resolves with the base URL. */
export async function listen(fastify: FastifyInstance, config: Pick<Config, 'host' | 'port'>): Promise<string> {
  try {
    await fastify.listen({ port: config.port, host: config.host });
  } catch (error) {
    throw describeListenError(error, config);
  }
  const { port } = fastify.server.address() as AddressInfo;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

// The operator reads this one line: it names the variable to change, not the syscall.
function describeListenError(error: unknown, { host, port }: Pick<Config, 'host' | 'port'>): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  switch (code) {
    case 'EADDRINUSE':
      return new Error(`PORT: port ${port} on ${host} is already in use by another process: stop that process or set PORT to a free port.`);
    case 'EACCES':
      return new Error(`PORT: this process may not listen on port ${port} (ports below 1024 need privileges): set PORT to 1024 or above.`);
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new Error(`HOST: ${host} is not an address of this machine: set HOST to one of its addresses, or 0.0.0.0 for all.`);
    default:
      return error;
  }
}
