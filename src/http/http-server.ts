import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import type { TrustedProxies } from './trusted-proxies.js';

export const BODY_LIMIT_BYTES = 100 * 1024; // 100 KiB, the contract's request body limit

/**
 * How long a client may take over each part of an HTTP connection, and how many may be
 * open: without them a client that trickles its headers or body holds a connection (and
 * its memory) for ever, and enough of them starve everyone else (slowloris).
 */
export interface ConnectionLimits {
  /** Until the request's headers are in, in ms; then 408 and the connection is closed. @default 10_000 */
  readonly headersTimeoutMs: number;
  /** Until the whole request (headers and body) is in, in ms; then 408 and the connection is closed. @default 30_000 */
  readonly requestTimeoutMs: number;
  /** How long a keep-alive connection may sit idle between requests, in ms. @default 72_000 */
  readonly keepAliveTimeoutMs: number;
  /** A socket with no byte either way for this long is closed, in ms (a client that stops reading its answer). @default 60_000 */
  readonly idleSocketTimeoutMs: number;
  /** Open connections (WebSocket ones included) at most; a new one past it is closed at once. @default 10_000 */
  readonly maxConnections: number;
}

export const CONNECTION_LIMITS: ConnectionLimits = Object.freeze({
  // 10 s: headers are one packet or a few; a real client on a poor network sends them in well under a second.
  headersTimeoutMs: 10_000,
  // 30 s: the largest body (100 KiB) at 30 kbit/s, slower than any real client still served.
  requestTimeoutMs: 30_000,
  // 72 s: longer than the 60 s idle timeout of common load balancers (AWS ALB, nginx),
  // so they never reuse a connection we are closing (a 502); Fastify's default too.
  keepAliveTimeoutMs: 72_000,
  // 60 s: far beyond any response we produce (statements stop after 5 s); upgraded
  // WebSocket connections leave the HTTP server's timers and are not affected.
  idleSocketTimeoutMs: 60_000,
  // 10,000: well under the usual 65,536 open files, leaving room for the database's
  // files and pool; each connection costs a few tens of KiB.
  maxConnections: 10_000,
});

export interface HttpServerOptions {
  /** TRUST_PROXY as a function: request.ip is the socket's peer unless it names the proxies in front of us. */
  trusted: TrustedProxies;
  /** Where JSON log lines go. @default process.stdout */
  logStream?: NodeJS.WritableStream;
  /** Overrides of CONNECTION_LIMITS (tests shorten them). */
  connectionLimits?: Partial<ConnectionLimits>;
}

/**
 * The Fastify instance: JSON logs with secrets redacted, the contract's body limit,
 * request.ip behind trusted proxies, timeouts and a cap for slow or many clients.
 */
export function createHttpServer(config: Config, options: HttpServerOptions): FastifyInstance {
  const limits = { ...CONNECTION_LIMITS, ...options.connectionLimits };
  // Node refuses a headers timeout longer than the request's.
  const headersTimeout = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
  const fastify = Fastify({
    http: {
      headersTimeout,
      requestTimeout: limits.requestTimeoutMs,
      // Node checks both timeouts on this interval (30 s by default, which would let a
      // trickler stay up to twice as long as allowed).
      connectionsCheckingInterval: Math.min(1_000, headersTimeout / 4),
    },
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionTimeout: limits.idleSocketTimeoutMs,
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
  fastify.server.maxConnections = limits.maxConnections;
  return fastify;
}
