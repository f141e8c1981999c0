import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import type { TrustedProxies } from './trusted-proxies.js';

export const BODY_LIMIT_BYTES = 100 * 1024; // 100 KiB, the contract's request body limit

export interface HttpServerOptions {
  /** TRUST_PROXY as a function: request.ip is the socket's peer unless it names the proxies in front of us. */
  trusted: TrustedProxies;
  /** Where JSON log lines go. @default process.stdout */
  logStream?: NodeJS.WritableStream;
}

/** The Fastify instance: JSON logs with secrets redacted, the contract's body limit, request.ip behind trusted proxies. */
export function createHttpServer(config: Config, options: HttpServerOptions): FastifyInstance {
  return Fastify({
    logger: {
      level: config.logLevel,
      // Nothing here logs headers or URLs with their query string; this is the safety net
      // for whatever logs a request object (a GET's URL holds the query and variables).
      redact: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'headers.cookie'],
      serializers: {
        req: (request: { method?: string; url?: string }) => ({
          method: request.method,
          path: request.url?.split('?', 1)[0],
        }),
      },
      ...(options.logStream && { stream: options.logStream }),
    },
    // One line per request comes from the request log's onResponse hook, without the query string.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => randomUUID(),
    // No per-request child logger (pino serialises its bindings each time): every line we
    // write about a request carries its reqId explicitly.
    childLoggerFactory: (logger) => logger,
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: options.trusted,
  });
}
