import { bootstrapAdmin } from './auth/bootstrap-admin.js';
import { createLoginThrottle } from './auth/login-throttle.js';
import { createPasswordHasher } from './auth/password.js';
import { createSessionCache } from './auth/session-cache.js';
import { createSessionStore } from './auth/session-store.js';
import type { Config } from './config.js';
import type { Database } from './db/database.js';
import { createReadCache } from './db/read-cache.js';
import type { Services } from './graphql/context.js';
import type { SubscriptionServer } from './graphql/subscription-server.js';
import { createCursorCodec } from './pagination/connection.js';
import { createPostEvents } from './posts/post-events.js';
import { createFeedCache, createPostRepository, withFeedCache } from './posts/post-repository.js';
import { createAccessTokens } from './tokens/access-token.js';
import { deriveSecret, loadSigningKey, type SigningKey } from './tokens/signing-key.js';
import type { UserRecord } from './users/user-record.js';
import { createUserRepository, withUserCache } from './users/user-repository.js';

// The contract: a revocation or role change applies within 1 s on every instance. An
// entry is trusted for half of that (a database read per active session per 0.5 s);
// changes made in this process invalidate at once.
const SESSION_CACHE_TTL_MS = 500;
const SESSION_CACHE_MAX_ENTRIES = 100_000;
// Feed pages and users by id: as long as a session's state, on the same reasoning.
const READ_CACHE_TTL_MS = 500;
const READ_CACHE_MAX_ENTRIES = 10_000;
const RATE_LIMIT_PURGE_INTERVAL_MS = 10 * 60 * 1000; // 10 minutes

/** The slice of the server's (pino) logger the services write to. */
interface Log {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export interface CreateServicesOptions {
  /**
   * How long a session's liveness and role are trusted, in ms. @default 500. At most
   * 1000 (the contract's bound); 0 reads the database on every request (benchmarks).
   */
  sessionCacheTtlMs?: number;
}

export interface CreatedServices {
  readonly services: Services;
  readonly signingKey: SigningKey;
  /** Purges expired rate-limit counters; clear it on stop. */
  readonly purgeTimer: NodeJS.Timeout;
  /** Hands the change feed's revocations and role changes to the sockets, once they exist. */
  attachSubscriptions(server: Pick<SubscriptionServer, 'onChange'>): void;
}

/** Builds the domain services on a migrated database, routes its change feed, and checks ADMIN_EMAIL. */
export async function createServices(
  config: Config,
  database: Database,
  log: Log,
  options: CreateServicesOptions = {},
): Promise<CreatedServices> {
  let subscriptions: Pick<SubscriptionServer, 'onChange'> | undefined;
  let purgeTimer: NodeJS.Timeout | undefined;
  try {
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
    return {
      services,
      signingKey,
      purgeTimer,
      attachSubscriptions: (server) => void (subscriptions = server),
    };
  } catch (error) {
    clearInterval(purgeTimer);
    throw error;
  }
}
