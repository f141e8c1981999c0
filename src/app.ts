import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import cors from '@fastify/cors';
import helmet from 'helmet';
import { fastifyApolloHandler } from '@as-integrations/fastify';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { createPasswordHasher } from './auth/password.js';
import { createSessionCache } from './auth/session-cache.js';
import { createSessionStore } from './auth/session-store.js';
import type { Config } from './config.js';
import { CONTRACT_CODE, type ContractCode } from './errors.js';
import { describeDatabaseError, openDatabase, type Database } from './db/database.js';
import type { GraphQLContext, Services } from './graphql/context.js';
import { createApolloServer } from './graphql/apollo-server.js';
import { createGraphQLPipeline } from './graphql/pipeline.js';
import { clientAddress, trustedProxies } from './http/trusted-proxies.js';
import { operationLogPlugin, type OperationLogEntry } from './graphql/operation-log.js';
import { createFormatError, unavailableStatusPlugin } from './graphql/error-mapping.js';
import { QUERY_LIMITS, createCostCheck, queryCostPlugin, queryLimitRules } from './graphql/query-limits.js';
import { createSubscriptionServer, type SubscriptionServer } from './graphql/subscription-server.js';
import { buildSchema } from './graphql/schema.js';
import { IDE_ASSETS, IDE_CONTENT_SECURITY_POLICY, IDE_PAGE } from './ide/ide-page.js';
import { createAccessTokens } from './tokens/access-token.js';
import { deriveSecret, loadSigningKey } from './tokens/signing-key.js';
import { createCursorCodec } from './pagination/connection.js';
import { bootstrapAdmin } from './auth/bootstrap-admin.js';
import { createLoginThrottle } from './auth/login-throttle.js';
import { createUserRepository, withUserCache } from './users/user-repository.js';
import type { UserRecord } from './users/user-record.js';
import { createFeedCache, createPostRepository, withFeedCache } from './posts/post-repository.js';
import { createReadCache } from './db/read-cache.js';
import { createPostEvents } from './posts/post-events.js';

export interface App {
  /** Base URL, e.g. http://127.0.0.1:4000; GraphQL is at `${url}/graphql`. */
  readonly url: string;
  /** Stops accepting, finishes in-flight requests, closes the database. Idempotent. */
  stop(): Promise<void>;
}

export interface AppOptions {
  /** Where JSON log lines go; stdout by default. */
  logStream?: NodeJS.WritableStream;
  /**
   * How long a session's liveness and role are trusted, in ms. @default 500. At most
   * 1000 (the contract's bound); 0 reads the database on every request (benchmarks).
   */
  sessionCacheTtlMs?: number;
  /** Called with the SQL text of every query the server makes (tests count them). */
  onQuery?: (sql: string) => void;
}

const BODY_LIMIT_BYTES = 100 * 1024; // 100 KiB, the contract's request body limit
const READY_TIMEOUT_MS = 2_000;
// The contract: a revocation or role change applies within 1 s on every instance. An
// entry is trusted for half of that (a database read per active session per 0.5 s);
// changes made in this process invalidate at once.
const SESSION_CACHE_TTL_MS = 500;
const SESSION_CACHE_MAX_ENTRIES = 100_000;
// Feed pages and users by id: as long as a session's state, on the same reasoning.
const READ_CACHE_TTL_MS = 500;
const READ_CACHE_MAX_ENTRIES = 10_000;
// The longest a shutdown waits for a busy event loop before it stops accepting.
const SETTLE_MAX_MS = 5_000;
const RATE_LIMIT_PURGE_INTERVAL_MS = 10 * 60 * 1000; // 10 minutes

/** Builds and starts the server on config.port (0 = any free port). Reads no environment. */
export async function createApp(config: Config, options: AppOptions = {}): Promise<App> {
  const fastify = Fastify({
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
    // One line per request comes from our onResponse hook, without the query string.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => randomUUID(),
    // No per-request child logger (pino serialises its bindings each time): every line we
    // write about a request carries its reqId explicitly.
    childLoggerFactory: (logger) => logger,
    bodyLimit: BODY_LIMIT_BYTES,
    // request.ip is the socket's peer unless TRUST_PROXY names the proxies in front of us.
    trustProxy: trustedProxies(config.trustProxy),
  });
  const log = fastify.log;
  const logsRequests = ['trace', 'debug', 'info'].includes(config.logLevel);

  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolSize: config.databasePoolSize,
    statementTimeoutMs: config.databaseStatementTimeoutMs,
    onError: (error) => log.warn({ error: error.message }, 'database connection problem'),
    ...(options.onQuery && { onQuery: options.onQuery }),
  });
  let apollo: ApolloServer<GraphQLContext> | undefined;
  let subscriptions: SubscriptionServer | undefined;
  let purgeTimer: NodeJS.Timeout | undefined;
  // Set when stop() begins: /readyz answers 503 to whatever still reaches it.
  let draining = false;
  try {
    await database.migrate();
    const signingKey = await loadSigningKey(config.jwt, config.dataDir);
    const sessionCache = createSessionCache({
      load: (sessionId) => sessions.findState(sessionId),
      ttlMs: Math.min(options.sessionCacheTtlMs ?? SESSION_CACHE_TTL_MS, 1_000),
      maxEntries: SESSION_CACHE_MAX_ENTRIES,
    });
    // Never fails a request: if a notification is lost, other instances still see the
    // change within the session cache's TTL.
    const publish = (change: Parameters<typeof database.changes.publish>[0]) =>
      database.changes.publish(change).catch((error: Error) => {
        log.warn({ error: error.message, change: change.kind }, 'could not notify other instances');
      });
    const sessions = createSessionStore(database.db, {
      refreshTokenTtlSeconds: config.refreshTokenTtlSeconds,
      refreshReuseGraceSeconds: config.refreshReuseGraceSeconds,
      onRevoked: ({ sessionIds }) => void publish({ kind: 'sessions-revoked', sessionIds }),
    });
    // The feed and authors every reader asks for are read once per TTL, and forgotten at
    // once on a change here or (through the change feed) on another instance.
    const feedCache = createFeedCache({ ttlMs: READ_CACHE_TTL_MS, maxEntries: READ_CACHE_MAX_ENTRIES });
    const userCache = createReadCache<UserRecord>({ ttlMs: READ_CACHE_TTL_MS, maxEntries: READ_CACHE_MAX_ENTRIES });
    const postRepository = withFeedCache(createPostRepository(database.db), feedCache);
    const postEvents = createPostEvents();
    // Every instance loads a newly published post once and hands it to its own subscribers.
    const deliverPublished = async (postId: string) => {
      if (postEvents.subscriberCount === 0) return;
      const post = await postRepository.findById(postId);
      if (post?.published) postEvents.published(post);
    };
    database.changes.subscribe((change) => {
      if (change.kind === 'sessions-revoked') sessionCache.invalidateSessions(change.sessionIds);
      else if (change.kind === 'user-changed') {
        sessionCache.invalidateUser(change.userId);
        userCache.invalidate(change.userId);
        feedCache.clear(); // a deleted user's posts are gone
      } else if (change.kind === 'reset') {
        sessionCache.clear();
        userCache.clear();
        feedCache.clear();
      } else if (change.kind === 'post-changed') feedCache.clear();
      else {
        feedCache.clear();
        deliverPublished(change.postId).catch((error: Error) => {
          log.warn({ error: error.message, postId: change.postId }, 'could not deliver a published post to subscribers');
        });
      }
      // After the cache: the sockets re-read what it has just forgotten.
      subscriptions?.onChange(change);
    });
    const loginThrottle = createLoginThrottle(database.db, {
      maxFailures: config.loginMaxFailures,
      maxFailuresPerIp: config.loginMaxFailuresPerIp,
      windowSeconds: config.loginWindowSeconds,
    });
    purgeTimer = setInterval(() => {
      loginThrottle.purgeExpired().catch((error: Error) => {
        log.warn({ error: error.message }, 'could not purge expired rate-limit counters');
      });
    }, RATE_LIMIT_PURGE_INTERVAL_MS).unref();
    const services: Services = {
      users: withUserCache(createUserRepository(database.db), userCache),
      sessions,
      sessionCache,
      cursors: createCursorCodec(deriveSecret(signingKey, 'pagination cursors')),
      posts: postRepository,
      postEvents,
      onUserChanged: (userId) => publish({ kind: 'user-changed', userId }),
      onPostPublished: (postId) => publish({ kind: 'post-published', postId }),
      onPostChanged: (postId) => publish({ kind: 'post-changed', postId }),
      passwords: await createPasswordHasher(),
      loginThrottle,
      accessTokens: createAccessTokens({
        key: signingKey,
        issuer: config.jwt.issuer,
        audience: config.jwt.audience,
        ttlSeconds: config.jwt.accessTokenTtlSeconds,
      }),
    };

    if (config.admin !== undefined) {
      const outcome = await bootstrapAdmin(services, config.admin);
      log.info({ outcome }, 'ADMIN_EMAIL account checked');
    }

    const trusted = trustedProxies(config.trustProxy);
    const pipeline = createGraphQLPipeline({
      schema: buildSchema(),
      services,
      isProduction: config.isProduction,
      clientAddress: (request) => clientAddress(request, trusted),
      log,
    });
    apollo = createApolloServer(pipeline, {
      introspection: config.enableIntrospection,
      logger: log,
      // Only for the request log line: below LOG_LEVEL=info there is none.
      operationLog: logsRequests ? { includeDocument: config.logLevel === 'debug' || config.logLevel === 'trace' } : undefined,
    });
    await apollo.start();

    await registerBrowserPolicies(fastify, config);
    const operationLogs = new WeakMap<FastifyRequest, OperationLogEntry>();
    const apolloHandler = fastifyApolloHandler(apollo, {
      context: (request) => {
        const operationLog: OperationLogEntry = {};
        if (logsRequests) operationLogs.set(request, operationLog);
        return pipeline.createContext(request.raw, operationLog);
      },
    });
    fastify.route({
      url: '/graphql',
      method: ['GET', 'POST'],
      // A browser opening /graphql gets the IDE (when enabled), never an executed query.
      ...(config.enablePlayground && {
        preHandler: (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
          if (request.method !== 'GET' || request.headers.accept?.includes('text/html') !== true) return done();
          reply.type('text/html; charset=utf-8').header('content-security-policy', IDE_CONTENT_SECURITY_POLICY).send(IDE_PAGE);
        },
      }),
      handler: apolloHandler,
    });
    if (config.enablePlayground) registerIdeAssets(fastify);
    registerProbes(fastify, database, () => draining);
    registerErrorReplies(fastify, config);
    fastify.get('/.well-known/jwks.json', async (_request, reply) =>
      reply.header('cache-control', 'public, max-age=300').send(signingKey.jwks),
    );
    // While draining, each connection closes after its response: a keep-alive connection
    // must not sit idle until the drain timeout once its last request is answered.
    fastify.addHook('onSend', (_request, reply, payload, done) => {
      if (draining) reply.header('connection', 'close');
      done(null, payload);
    });
    // One line per request; for /graphql it carries the operation (never the query string).
    if (logsRequests) {
      fastify.addHook('onResponse', (request, reply, done) => {
        log.info(
          {
            reqId: request.id,
            method: request.method,
            path: request.url.split('?', 1)[0],
            status: reply.statusCode,
            ms: Math.round(reply.elapsedTime),
            ...operationLogs.get(request),
          },
          'request',
        );
        done();
      });
    }

    subscriptions = createSubscriptionServer({ pipeline, services, maxPayloadBytes: BODY_LIMIT_BYTES, log });
    const upgrades = subscriptions;
    fastify.server.on('upgrade', (request, socket, head) => upgrades.handleUpgrade(request, socket, head));

    await fastify.listen({ port: config.port, host: config.host });
  } catch (error) {
    clearInterval(purgeTimer);
    await subscriptions?.close().catch(() => {});
    await apollo?.stop().catch(() => {});
    await fastify.close().catch(() => {});
    await database.close();
    throw error;
  }

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
  const { port } = fastify.server.address() as AddressInfo;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  let stopping: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    stop: () => {
      stopping ??= (async () => {
        clearInterval(purgeTimer);
        draining = true;
        // No new connections from here; requests in flight get the drain timeout to finish.
        const cut = setTimeout(() => {
          log.warn({ drainTimeoutSeconds: config.drainTimeoutSeconds }, 'drain timeout: closing the connections left');
          fastify.server.closeAllConnections();
        }, config.drainTimeoutSeconds * 1000);
        try {
          // Closing the listener resets connections still in its accept queue, and closing
          // the server destroys every connection it counts as idle, including one whose
          // request is on the wire but not yet read. Both happen when the event loop is
          // busy (the embedded database runs queries on it), so wait until it keeps time
          // again: everything sent before the signal is then accepted, read and in flight.
          await Promise.all([
            // Sockets live until told to go: 1001 sends their clients to reconnect elsewhere.
            subscriptions?.close(),
            settle(Math.min(SETTLE_MAX_MS, config.drainTimeoutSeconds * 500)),
          ]);
          await fastify.close();
          await apollo?.stop();
        } finally {
          clearTimeout(cut);
          await database.close();
        }
      })();
      return stopping;
    },
  };
}

// Headers fit for an API that serves JSON: nothing may be framed, sniffed or loaded from
// its responses. HSTS only in production, where TLS is in front of us. helmet decides the
// headers; they are the same for every response, so it runs once, not per request.
async function registerBrowserPolicies(fastify: FastifyInstance, config: Config): Promise<void> {
  const headers = securityHeaders({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
    strictTransportSecurity: config.isProduction ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    crossOriginResourcePolicy: { policy: config.corsOrigins.length > 0 ? 'cross-origin' : 'same-origin' },
  });
  fastify.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers);
    done();
  });
  // No CORS_ORIGINS: no CORS headers at all, so browsers allow same-origin callers only.
  if (config.corsOrigins.length > 0) {
    await fastify.register(cors, {
      origin: [...config.corsOrigins],
      methods: ['GET', 'POST'],
      // What Apollo Client and the CSRF prevention need; tokens travel in a header, not cookies.
      allowedHeaders: ['authorization', 'content-type', 'apollo-require-preflight', 'x-apollo-operation-name'],
      credentials: false,
      maxAge: 600, // 10 minutes of cached preflights
    });
  }
}

/** The headers helmet sets with these options, collected once. */
function securityHeaders(options: Parameters<typeof helmet>[0]): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string | number | readonly string[]) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  };
  let failure: unknown;
  helmet(options)({} as never, response as never, (error?: unknown) => (failure = error));
  if (failure !== undefined) throw failure;
  return headers;
}

// Errors raised before Apollo (bad JSON, body too large, wrong content type, unknown
// path) answer in the shape GraphQL clients read, with a code and no internal names.
const HTTP_ERRORS: Record<number, { code: ContractCode; message: string }> = {
  400: { code: CONTRACT_CODE.BAD_REQUEST, message: 'The request could not be read (malformed JSON or headers).' },
  404: { code: CONTRACT_CODE.NOT_FOUND, message: 'There is nothing here. GraphQL is at /graphql.' },
  413: { code: CONTRACT_CODE.PAYLOAD_TOO_LARGE, message: `The request body is larger than ${BODY_LIMIT_BYTES / 1024} KiB.` },
  415: { code: CONTRACT_CODE.UNSUPPORTED_MEDIA_TYPE, message: 'Send the request as application/json.' },
};

function registerErrorReplies(fastify: FastifyInstance, config: Config): void {
  const body = (code: ContractCode, message: string) => ({ errors: [{ message, extensions: { code } }] });
  fastify.setNotFoundHandler(async (_request, response) =>
    response.code(404).send(body(HTTP_ERRORS[404]!.code, HTTP_ERRORS[404]!.message)),
  );
  fastify.setErrorHandler(async (error: FastifyError, request, response) => {
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const known = HTTP_ERRORS[status] ?? HTTP_ERRORS[400]!;
      return response.code(status).send(body(known.code, known.message));
    }
    request.log.error({ reqId: request.id, err: error }, 'unexpected error');
    const message = config.isProduction ? 'Internal server error' : error.message;
    return response.code(500).send(body(CONTRACT_CODE.INTERNAL_SERVER_ERROR, message));
  });
}

function registerIdeAssets(fastify: FastifyInstance): void {
  const cache = new Map<string, Buffer>();
  fastify.get('/', async (_request, reply) => reply.redirect('/graphql'));
  fastify.get('/favicon.ico', async (_request, reply) => reply.code(204).send());
  fastify.get<{ Params: { name: string } }>('/ide/:name', async (request, reply) => {
    const asset = Object.hasOwn(IDE_ASSETS, request.params.name) ? IDE_ASSETS[request.params.name] : undefined;
    if (asset === undefined) return reply.callNotFound();
    let content = cache.get(asset.path);
    if (content === undefined) {
      content = await readFile(asset.path);
      cache.set(asset.path, content);
    }
    return reply.type(`${asset.type}; charset=utf-8`).header('cache-control', 'public, max-age=3600').send(content);
  });
}

function registerProbes(fastify: FastifyInstance, database: Database, isDraining: () => boolean): void {
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
