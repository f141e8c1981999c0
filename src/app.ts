import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import { fastifyApolloDrainPlugin, fastifyApolloHandler } from '@as-integrations/fastify';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { createPasswordHasher } from './auth/password.js';
import { createSessionCache } from './auth/session-cache.js';
import { createSessionStore } from './auth/session-store.js';
import type { Config } from './config.js';
import { describeDatabaseError, openDatabase, type Database } from './db/database.js';
import type { GraphQLContext, Services } from './graphql/context.js';
import { createContextFunction } from './graphql/create-context.js';
import { createFormatError } from './graphql/error-mapping.js';
import { QUERY_LIMITS, queryCostPlugin, queryLimitRules } from './graphql/query-limits.js';
import { buildSchema } from './graphql/schema.js';
import { createAccessTokens } from './tokens/access-token.js';
import { deriveSecret, loadSigningKey } from './tokens/signing-key.js';
import { createCursorCodec } from './pagination/connection.js';
import { bootstrapAdmin } from './auth/bootstrap-admin.js';
import { createLoginThrottle } from './auth/login-throttle.js';
import { createUserRepository } from './users/user-repository.js';
import { createPostRepository } from './posts/post-repository.js';

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
const RATE_LIMIT_PURGE_INTERVAL_MS = 10 * 60 * 1000; // 10 minutes

/** Builds and starts the server on config.port (0 = any free port). Reads no environment. */
export async function createApp(config: Config, options: AppOptions = {}): Promise<App> {
  const fastify = Fastify({
    logger: {
      level: config.logLevel,
      redact: ['req.headers.authorization', 'req.headers.cookie'],
      ...(options.logStream && { stream: options.logStream }),
    },
    // One line per request comes from our onResponse hook, without the query string.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => randomUUID(),
    bodyLimit: BODY_LIMIT_BYTES,
    // request.ip is the socket's peer unless TRUST_PROXY names the proxies in front of us.
    trustProxy: trustedProxies(config.trustProxy),
  });
  const log = fastify.log;

  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    onError: (error) => log.warn({ error: error.message }, 'database connection problem'),
    ...(options.onQuery && { onQuery: options.onQuery }),
  });
  let apollo: ApolloServer<GraphQLContext> | undefined;
  let purgeTimer: NodeJS.Timeout | undefined;
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
    database.changes.subscribe((change) => {
      if (change.kind === 'sessions-revoked') sessionCache.invalidateSessions(change.sessionIds);
      else if (change.kind === 'user-changed') sessionCache.invalidateUser(change.userId);
      else sessionCache.clear();
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
      users: createUserRepository(database.db),
      sessions,
      sessionCache,
      cursors: createCursorCodec(deriveSecret(signingKey, 'pagination cursors')),
      posts: createPostRepository(database.db),
      onUserChanged: (userId) => publish({ kind: 'user-changed', userId }),
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

    const schema = buildSchema();
    apollo = new ApolloServer<GraphQLContext>({
      schema,
      introspection: config.enableIntrospection,
      csrfPrevention: true,
      allowBatchedHttpRequests: false,
      parseOptions: { maxTokens: QUERY_LIMITS.maxTokens },
      validationRules: queryLimitRules,
      // No "Did you mean …?" in production: suggestions map the schema for whoever asks.
      hideSchemaDetailsFromClientErrors: config.isProduction,
      // main.ts owns shutdown; Apollo's own handler would re-raise the signal and exit 143.
      stopOnTerminationSignals: false,
      includeStacktraceInErrorResponses: false,
      formatError: createFormatError({
        maskInternalErrors: config.isProduction,
        onInternalError: (error) => logInternalError(log, error),
      }),
      plugins: [
        fastifyApolloDrainPlugin(fastify),
        queryCostPlugin(schema),
        ApolloServerPluginLandingPageDisabled(),
        // No @cacheControl hints here: the default plugin only adds a hook to every field.
        ApolloServerPluginCacheControlDisabled(),
      ],
    });
    await apollo.start();

    await registerBrowserPolicies(fastify, config);
    const createContext = createContextFunction(services);
    fastify.route({
      url: '/graphql',
      method: ['GET', 'POST'],
      handler: fastifyApolloHandler(apollo, {
        context: (request) => createContext(request.headers, request.ip),
      }),
    });
    registerProbes(fastify, database);
    fastify.get('/.well-known/jwks.json', async (_request, reply) =>
      reply.header('cache-control', 'public, max-age=300').send(signingKey.jwks),
    );
    fastify.addHook('onResponse', async (request, reply) => {
      log.info(
        {
          reqId: request.id,
          method: request.method,
          path: request.url.split('?', 1)[0],
          status: reply.statusCode,
          ms: Math.round(reply.elapsedTime),
        },
        'request',
      );
    });

    await fastify.listen({ port: config.port, host: config.host });
  } catch (error) {
    clearInterval(purgeTimer);
    await apollo?.stop().catch(() => {});
    await fastify.close().catch(() => {});
    await database.close();
    throw error;
  }

  const { port } = fastify.server.address() as AddressInfo;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  let stopping: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    stop: () => {
      stopping ??= (async () => {
        clearInterval(purgeTimer);
        try {
          await fastify.close();
        } finally {
          await database.close();
        }
      })();
      return stopping;
    },
  };
}

// Headers fit for an API that serves JSON: nothing may be framed, sniffed or loaded from
// its responses. HSTS only in production, where TLS is in front of us.
async function registerBrowserPolicies(fastify: FastifyInstance, config: Config): Promise<void> {
  await fastify.register(helmet, {
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

function trustedProxies(trust: Config['trustProxy']): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (trust === false) return false;
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return [...trust];
}

function registerProbes(fastify: FastifyInstance, database: Database): void {
  fastify.get('/healthz', async () => ({ status: 'ok' }));
  fastify.get('/readyz', async (_request, reply) => {
    try {
      await withTimeout(database.ping(), READY_TIMEOUT_MS);
      return { status: 'ready' };
    } catch {
      return reply.code(503).send({ status: 'unavailable' });
    }
  });
}

function logInternalError(log: FastifyBaseLogger, error: unknown): void {
  const databaseError = describeDatabaseError(error);
  if (databaseError !== undefined) log.error({ error: databaseError }, 'unexpected database error');
  else log.error({ err: error }, 'unexpected error');
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
