import { bootstrapAdmin } from './auth/bootstrap-admin.js';
import { createDeviceTokens } from './auth/device-token.js';
import { createLoginThrottle, createSignUpThrottle } from './auth/login-throttle.js';
import { createPasswordHasher, type HashingLimits } from './auth/password.js';
import { createScopeLimits } from './auth/scope-limits.js';
import { createSecondFactorGate } from './auth/second-factor.js';
import { createSecurityNotices } from './auth/security-notice.js';
import { createSessionCache } from './auth/session-cache.js';
import { createSessionStore } from './auth/session-store.js';
import { sessionChanged } from './auth/session-changed.js';
import { sessionsRevoked } from './auth/sessions-revoked.js';
import type { Config } from './config.js';
import { recordAuditEvent } from './db/audit-trail.js';
import type { ChangeTopic } from './db/change-feed.js';
import type { Database } from './db/database.js';
import { createReadCache } from './db/read-cache.js';
import type { Services } from './graphql/context.js';
import type { Kernel, Log } from './graphql/module.js';
import { createCursors } from './pagination/connection.js';
import { createAccessTokens, type AccessTokens } from './tokens/access-token.js';
import { AuthenticationError } from './errors.js';
import { deriveSecret, loadSigningKey, type SigningKey } from './tokens/signing-key.js';
import { userChanged } from './users/user-changed.js';
import { createUserRepository, withUserCache } from './users/user-repository.js';
import type { UserRecord } from './users/user-record.js';

export interface KernelOptions {
  /**
   * How long a session's liveness and role are trusted, in ms. @default 500. At most
   * 1000 (the contract's bound); 0 reads the database on every request (benchmarks).
   */
  sessionCacheTtlMs?: number;
  /** Told the result of every access token verification (for /metrics). */
  onTokenVerified?: (result: 'valid' | 'TOKEN_INVALID' | 'TOKEN_EXPIRED') => void;
  /** Password hashing concurrency and queue; HASHING_LIMITS by default (tests lower them). */
  hashingLimits?: Partial<HashingLimits>;
}

// The contract: a revocation or role change applies within 1 s on every instance. Reads
// are trusted for half of that; changes made in this process invalidate at once.
const SESSION_CACHE_TTL_MS = 500;
const READ_CACHE_TTL_MS = 500;
const READ_CACHE_MAX_ENTRIES = 10_000;
const SESSION_CACHE_MAX_ENTRIES = 100_000;
const RATE_LIMIT_PURGE_INTERVAL_MS = 10 * 60 * 1000; // 10 minutes

/**
 * The core every module builds on: accounts, sessions and their caches, tokens, cursors,
 * and the change feed (a cache here is forgotten at once when any instance changes what
 * it holds). Bootstraps the ADMIN_EMAIL account. `close` stops its timers.
 */
export async function createKernel(
  config: Config,
  database: Database,
  log: Log,
  options: KernelOptions = {},
): Promise<Kernel & { readonly signingKey: SigningKey; setServerUrl(url: string): void; close(): void }> {
  const signingKey = await loadSigningKey(config.jwt, config.dataDir);
  // Never fails a request: if a notification is lost, other instances still see the
  // change within the caches' TTL.
  const publish = <Payload>(topic: ChangeTopic<Payload>, payload: Payload) =>
    database.changes.publish(topic, payload).catch((error: Error) => {
      log.warn({ error: error.message, change: topic.name }, 'could not notify other instances');
    });
  const sessions = createSessionStore(database.db, {
    refreshTokenTtlSeconds: config.refreshTokenTtlSeconds,
    refreshReuseGraceSeconds: config.refreshReuseGraceSeconds,
    maxLifetimeSeconds: config.sessionMaxLifetimeSeconds,
    onRevoked: ({ sessionIds }) => void publish(sessionsRevoked, { sessionIds }),
    onAssuranceChanged: (sessionId) => publish(sessionChanged, { sessionId }),
  });
  const sessionCache = createSessionCache({
    load: (sessionId) => sessions.findState(sessionId),
    ttlMs: Math.min(options.sessionCacheTtlMs ?? SESSION_CACHE_TTL_MS, 1_000),
    maxEntries: SESSION_CACHE_MAX_ENTRIES,
  });
  const newReadCache = <Value>() => createReadCache<Value>({ ttlMs: READ_CACHE_TTL_MS, maxEntries: READ_CACHE_MAX_ENTRIES });
  const userCache = newReadCache<UserRecord>();
  database.changes.on(sessionsRevoked, ({ sessionIds }) => sessionCache.invalidateSessions(sessionIds));
  database.changes.on(sessionChanged, ({ sessionId }) => sessionCache.invalidateSessions([sessionId]));
  database.changes.on(userChanged, ({ userId }) => {
    sessionCache.invalidateUser(userId);
    userCache.invalidate(userId);
  });
  database.changes.onReset(() => {
    sessionCache.clear();
    userCache.clear();
  });

  const loginThrottle = createLoginThrottle(database.db, {
    maxFailures: config.loginMaxFailures,
    maxFailuresPerIp: config.loginMaxFailuresPerIp,
    maxFailuresPerAccount: config.loginMaxFailuresPerAccount,
    windowSeconds: config.loginWindowSeconds,
  });
  const purgeTimer = setInterval(() => {
    loginThrottle.purgeExpired().catch((error: Error) => {
      log.warn({ error: error.message }, 'could not purge expired rate-limit counters');
    });
  }, RATE_LIMIT_PURGE_INTERVAL_MS).unref();

  const cursors = createCursors(deriveSecret(signingKey, 'pagination cursors'));
  const services: Services = {
    users: withUserCache(createUserRepository(database.db), userCache),
    sessions,
    sessionCache,
    cursors,
    userCursors: cursors.forList('users'),
    onUserChanged: (userId) => publish(userChanged, { userId }),
    passwords: await createPasswordHasher(options.hashingLimits),
    loginThrottle,
    securityNotices: createSecurityNotices(),
    deviceTokens: createDeviceTokens(deriveSecret(signingKey, 'device tokens')),
    auditTrail: { record: (event) => recordAuditEvent(database.db, event) },
    accessTokens: observeVerifications(
      createAccessTokens({
        key: signingKey,
        issuer: config.jwt.issuer,
        audience: config.jwt.audience,
        ttlSeconds: config.jwt.accessTokenTtlSeconds,
      }),
      options.onTokenVerified,
    ),
    signUpThrottle: createSignUpThrottle(database.db, { maxPerIp: config.signUpMaxPerIp }),
    scopeLimits: createScopeLimits(),
    secondFactor: createSecondFactorGate(),
    reauthMaxAgeSeconds: config.reauthMaxAgeSeconds,
  };

  const clashes = await services.users.normalizeStoredEmails();
  if (clashes.length > 0) log.warn({ count: clashes.length }, 'accounts whose email, once normalised, is another account\'s: they cannot sign in');

  if (config.admin !== undefined) {
    // A refused ADMIN_EMAIL stops the start: createApp never gets the kernel to close.
    const outcome = await bootstrapAdmin(services, config.admin).catch((error: unknown) => {
      clearInterval(purgeTimer);
      throw error;
    });
    log.info({ outcome }, 'ADMIN_EMAIL account checked');
  }

  // Until the server listens, the configured address stands in (nothing mails before that).
  let serverUrl = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port}`;
  return {
    config,
    db: database.db,
    serverUrl: () => serverUrl,
    setServerUrl: (url: string) => {
      serverUrl = url;
    },
    log,
    services,
    signingKey,
    publish,
    on: (topic, listener) => database.changes.on(topic, listener),
    onReset: (listener) => database.changes.onReset(listener),
    createReadCache: newReadCache,
    recordAuditEvent,
    deriveSecret: (purpose: string) => deriveSecret(signingKey, purpose),
    close: () => clearInterval(purgeTimer),
  };
}

/** The access tokens with every verification's result told to `onVerified`. */
function observeVerifications(
  accessTokens: AccessTokens,
  onVerified: KernelOptions['onTokenVerified'],
): AccessTokens {
  if (onVerified === undefined) return accessTokens;
  return {
    sign: (subject) => accessTokens.sign(subject),
    verify(token) {
      try {
        const claims = accessTokens.verify(token);
        onVerified('valid');
        return claims;
      } catch (error) {
        if (error instanceof AuthenticationError && (error.code === 'TOKEN_EXPIRED' || error.code === 'TOKEN_INVALID')) {
          onVerified(error.code);
        }
        throw error;
      }
    },
  };
}
