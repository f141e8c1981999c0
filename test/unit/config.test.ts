import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '../../src/config.js';

const SECRET = 's'.repeat(32);

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected loadConfig to throw ConfigError');
}

describe('loadConfig', () => {
  it('applies the contract defaults to an empty environment', () => {
    const config = loadConfig({});
    expect(config).toEqual({
      port: 4000,
      host: '0.0.0.0',
      nodeEnv: 'development',
      isProduction: false,
      dataDir: './data',
      databaseUrl: undefined,
      databasePoolSize: 10,
      databaseStatementTimeoutMs: 5_000,
      jwt: {
        algorithm: 'HS256',
        secret: undefined,
        privateKeyPem: undefined,
        privateKeyFile: undefined,
        previousPublicKeysFile: undefined,
        issuer: 'gatehouse',
        audience: 'gatehouse',
        accessTokenTtlSeconds: 900,
      },
      refreshTokenTtlSeconds: 2_592_000,
      refreshReuseGraceSeconds: 10,
      sessionMaxLifetimeSeconds: 7_776_000,
      auditRetentionDays: 90,
      metricsToken: undefined,
      loginMaxFailures: 5,
      loginWindowSeconds: 900,
      reauthMaxAgeSeconds: 900,
      loginMaxFailuresPerIp: 100,
      loginMaxFailuresPerAccount: 50,
      signUpMaxPerIp: 20,
      trustProxy: false,
      admin: undefined,
      corsOrigins: [],
      enableIntrospection: true,
      enablePlayground: true,
      logLevel: 'info',
      drainTimeoutSeconds: 10,
      clusterWorkers: undefined,
      mail: { smtpUrl: undefined, from: 'Gatehouse <no-reply@localhost>', appUrl: undefined, maxPerAddress: 5, maxPerIp: 30, requireVerification: false },
    });
  });

  it('returns a deeply frozen object', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.jwt)).toBe(true);
    expect(Object.isFrozen(config.corsOrigins)).toBe(true);
  });

  it('reads every variable', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '127.0.0.1',
      NODE_ENV: 'production',
      DATA_DIR: '/var/lib/gatehouse',
      DATABASE_URL: 'postgres://app:app@db:5432/app',
      JWT_SECRET: SECRET,
      JWT_ISSUER: 'https://auth.example.com',
      JWT_AUDIENCE: 'api',
      ACCESS_TOKEN_TTL_SECONDS: '60',
      REFRESH_TOKEN_TTL_SECONDS: '3600',
      REFRESH_REUSE_GRACE_SECONDS: '0',
      LOGIN_MAX_FAILURES: '3',
      LOGIN_WINDOW_SECONDS: '60',
      REAUTH_MAX_AGE_SECONDS: '120',
      LOGIN_MAX_FAILURES_PER_IP: '50',
      SIGNUP_MAX_PER_IP: '5',
      TRUST_PROXY: '10.0.0.0/8, 127.0.0.1, fd00::/8',
      ADMIN_EMAIL: 'admin@example.com',
      ADMIN_PASSWORD: 'admin password',
      CORS_ORIGINS: 'https://app.example.com, http://localhost:5173',
      ENABLE_INTROSPECTION: 'true',
      ENABLE_PLAYGROUND: 'off',
      LOG_LEVEL: 'warn',
      SESSION_MAX_LIFETIME_SECONDS: '86400',
      AUDIT_RETENTION_DAYS: '30',
      METRICS_TOKEN: 'scrape-token-0123456789',
      SMTP_URL: 'smtps://mailer:secret@smtp.example.com:465',
      MAIL_FROM: 'Example <no-reply@example.com>',
      APP_URL: 'https://app.example.com/',
      MAIL_MAX_PER_ADDRESS: '3',
      MAIL_MAX_PER_IP: '10',
      REQUIRE_EMAIL_VERIFICATION: 'yes',
    });
    expect(config).toMatchObject({
      sessionMaxLifetimeSeconds: 86_400,
      auditRetentionDays: 30,
      metricsToken: 'scrape-token-0123456789',
      port: 8080,
      host: '127.0.0.1',
      isProduction: true,
      dataDir: '/var/lib/gatehouse',
      databaseUrl: 'postgres://app:app@db:5432/app',
      jwt: { secret: SECRET, issuer: 'https://auth.example.com', audience: 'api', accessTokenTtlSeconds: 60 },
      refreshTokenTtlSeconds: 3600,
      refreshReuseGraceSeconds: 0,
      loginMaxFailures: 3,
      loginWindowSeconds: 60,
      reauthMaxAgeSeconds: 120,
      loginMaxFailuresPerIp: 50,
      loginMaxFailuresPerAccount: 50,
      signUpMaxPerIp: 5,
      trustProxy: ['10.0.0.0/8', '127.0.0.1', 'fd00::/8'],
      admin: { email: 'admin@example.com', password: 'admin password' },
      corsOrigins: ['https://app.example.com', 'http://localhost:5173'],
      enableIntrospection: true,
      enablePlayground: false,
      logLevel: 'warn',
      mail: {
        smtpUrl: 'smtps://mailer:secret@smtp.example.com:465',
        from: 'Example <no-reply@example.com>',
        appUrl: 'https://app.example.com',
        maxPerAddress: 3,
        maxPerIp: 10,
        requireVerification: true,
      },
    });
  });

  it('trusts no proxy by default, and a hop count when given one', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
  });

  it('turns introspection and the playground off in production by default', () => {
    const config = loadConfig({ NODE_ENV: 'production', JWT_SECRET: SECRET, SMTP_URL: 'smtp://localhost:25' });
    expect(config.enableIntrospection).toBe(false);
    expect(config.enablePlayground).toBe(false);
  });

  it('turns \\n escapes in JWT_PRIVATE_KEY into newlines', () => {
    const config = loadConfig({ JWT_PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----\\nabc\\n-----END PRIVATE KEY-----' });
    expect(config.jwt.privateKeyPem).toBe('-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----');
  });

  it('treats blank values as unset', () => {
    expect(loadConfig({ PORT: '', JWT_SECRET: ' ', LOG_LEVEL: '' })).toMatchObject({
      port: 4000,
      logLevel: 'info',
      jwt: { secret: undefined },
    });
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT: must be a whole number'],
    [{ PORT: '70000' }, 'PORT: must be at most 65535'],
    [{ PORT: '-1' }, 'PORT: must be a whole number'],
    [{ NODE_ENV: 'staging' }, 'NODE_ENV: must be development, production or test'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL: must be a postgres:// or postgresql:// URL'],
    [{ JWT_ALGORITHM: 'none' }, 'JWT_ALGORITHM: must be HS256, RS256 or ES256'],
    [{ JWT_ALGORITHM: 'HS512' }, 'JWT_ALGORITHM: must be HS256, RS256 or ES256'],
    [{ JWT_SECRET: 'short' }, 'JWT_SECRET: must be at least 32 bytes of UTF-8'],
    [{ ACCESS_TOKEN_TTL_SECONDS: '0' }, 'ACCESS_TOKEN_TTL_SECONDS: must be at least 1'],
    [{ ACCESS_TOKEN_TTL_SECONDS: '1.5' }, 'ACCESS_TOKEN_TTL_SECONDS: must be a whole number'],
    [{ REFRESH_TOKEN_TTL_SECONDS: '10m' }, 'REFRESH_TOKEN_TTL_SECONDS: must be a whole number'],
    [{ REFRESH_REUSE_GRACE_SECONDS: '-5' }, 'REFRESH_REUSE_GRACE_SECONDS: must be a whole number'],
    [{ LOGIN_MAX_FAILURES: '0' }, 'LOGIN_MAX_FAILURES: must be at least 1'],
    [{ LOGIN_WINDOW_SECONDS: 'x' }, 'LOGIN_WINDOW_SECONDS: must be a whole number'],
    [{ REAUTH_MAX_AGE_SECONDS: '15m' }, 'REAUTH_MAX_AGE_SECONDS: must be a whole number'],
    [{ ENABLE_INTROSPECTION: 'maybe' }, 'ENABLE_INTROSPECTION: must be one of true, false, 1, 0, yes, no, on, off'],
    [{ LOG_LEVEL: 'verbose' }, 'LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent'],
    [{ ADMIN_EMAIL: 'a@b.co' }, 'ADMIN_PASSWORD: ADMIN_EMAIL and ADMIN_PASSWORD must be set together'],
    [{ DATABASE_POOL_SIZE: '0' }, 'DATABASE_POOL_SIZE: must be at least 1'],
    [{ DATABASE_STATEMENT_TIMEOUT_MS: '50' }, 'DATABASE_STATEMENT_TIMEOUT_MS: must be at least 100'],
    [{ CLUSTER_WORKERS: '0' }, 'CLUSTER_WORKERS: must be at least 1'],
    [{ DRAIN_TIMEOUT_SECONDS: 'soon' }, 'DRAIN_TIMEOUT_SECONDS: must be a whole number'],
    [{ LOGIN_MAX_FAILURES_PER_IP: '0' }, 'LOGIN_MAX_FAILURES_PER_IP: must be at least 1'],
    [{ LOGIN_MAX_FAILURES_PER_ACCOUNT: '0' }, 'LOGIN_MAX_FAILURES_PER_ACCOUNT: must be at least 1'],
    [{ LOGIN_MAX_FAILURES_PER_ACCOUNT: 'many' }, 'LOGIN_MAX_FAILURES_PER_ACCOUNT: must be a whole number'],
    [{ SIGNUP_MAX_PER_IP: '0' }, 'SIGNUP_MAX_PER_IP: must be at least 1'],
    [{ SIGNUP_MAX_PER_IP: 'twenty' }, 'SIGNUP_MAX_PER_IP: must be a whole number'],
    [{ TRUST_PROXY: 'true' }, 'TRUST_PROXY: "true" is not an IP address or CIDR range (use a hop count, or addresses like 10.0.0.0/8,127.0.0.1)'],
    [{ TRUST_PROXY: '10.0.0.0/33' }, 'TRUST_PROXY: "10.0.0.0/33" is not an IP address or CIDR range (use a hop count, or addresses like 10.0.0.0/8,127.0.0.1)'],
    [{ TRUST_PROXY: 'proxy.internal' }, 'TRUST_PROXY: "proxy.internal" is not an IP address or CIDR range (use a hop count, or addresses like 10.0.0.0/8,127.0.0.1)'],
    [{ CORS_ORIGINS: 'https://app.example.com/' }, 'CORS_ORIGINS: "https://app.example.com/" is not an origin (scheme://host[:port], no path or trailing slash)'],
    [{ SESSION_MAX_LIFETIME_SECONDS: '0' }, 'SESSION_MAX_LIFETIME_SECONDS: must be at least 1'],
    [{ SESSION_MAX_LIFETIME_SECONDS: '90d' }, 'SESSION_MAX_LIFETIME_SECONDS: must be a whole number'],
    [{ AUDIT_RETENTION_DAYS: '0' }, 'AUDIT_RETENTION_DAYS: must be at least 1'],
    [{ AUDIT_RETENTION_DAYS: '36501' }, 'AUDIT_RETENTION_DAYS: must be at most 36500'],
    [{ METRICS_TOKEN: 'short' }, 'METRICS_TOKEN: must be at least 16 characters'],
    [{ METRICS_TOKEN: 'has a space in it, sixteen+' }, 'METRICS_TOKEN: must be printable ASCII without spaces (it is sent in an Authorization header)'],
    [{ SMTP_URL: 'http://smtp.example.com' }, 'SMTP_URL: must be an smtp:// or smtps:// URL'],
    [{ SMTP_URL: 'smtp://exa mple' }, 'SMTP_URL: must be a valid URL'],
    [{ MAIL_FROM: 'Gatehouse <a@b.co>\r\nBcc: x@y.z' }, 'MAIL_FROM: must be one line, e.g. "Gatehouse <no-reply@example.com>"'],
    [{ MAIL_FROM: 'Gatehouse' }, 'MAIL_FROM: must contain an email address, e.g. "Gatehouse <no-reply@example.com>"'],
    [{ APP_URL: 'app.example.com' }, 'APP_URL: must be an http:// or https:// URL (the frontend that opens the links in mail)'],
    [{ APP_URL: 'javascript:alert(1)' }, 'APP_URL: must be an http:// or https:// URL (the frontend that opens the links in mail)'],
    [{ MAIL_MAX_PER_ADDRESS: '0' }, 'MAIL_MAX_PER_ADDRESS: must be at least 1'],
    [{ MAIL_MAX_PER_IP: 'many' }, 'MAIL_MAX_PER_IP: must be a whole number'],
    [{ REQUIRE_EMAIL_VERIFICATION: 'required' }, 'REQUIRE_EMAIL_VERIFICATION: must be one of true, false, 1, 0, yes, no, on, off'],
  ])('rejects %j with one line naming the variable', (env, line) => {
    expect(problemsOf(env)).toEqual([line]);
  });

  it('counts JWT_SECRET length in bytes of UTF-8, not characters', () => {
    expect(problemsOf({ JWT_SECRET: 'é'.repeat(15) })).toEqual(['JWT_SECRET: must be at least 32 bytes of UTF-8']);
    expect(loadConfig({ JWT_SECRET: 'é'.repeat(16) }).jwt.secret).toBe('é'.repeat(16));
  });

  it('refuses production without SMTP_URL, in one line', () => {
    expect(problemsOf({ NODE_ENV: 'production', JWT_SECRET: SECRET })).toEqual([
      'SMTP_URL: required when NODE_ENV=production (e.g. smtps://user:password@smtp.example.com:465): without it no mail is delivered',
    ]);
  });

  it('refuses production without JWT_SECRET for HS256', () => {
    expect(problemsOf({ NODE_ENV: 'production', SMTP_URL: 'smtp://localhost:25' })).toEqual([
      'JWT_SECRET: required when NODE_ENV=production (at least 32 bytes, e.g. `openssl rand -base64 48`)',
    ]);
  });

  it('refuses production without a private key for RS256', () => {
    expect(problemsOf({ NODE_ENV: 'production', JWT_ALGORITHM: 'RS256', SMTP_URL: 'smtp://localhost:25' })).toEqual([
      'JWT_PRIVATE_KEY: JWT_PRIVATE_KEY or JWT_PRIVATE_KEY_FILE is required when NODE_ENV=production and JWT_ALGORITHM=RS256',
    ]);
  });

  it('reports every bad variable at once, one line each', () => {
    expect(problemsOf({ PORT: 'x', LOG_LEVEL: 'loud', JWT_SECRET: 'short' })).toHaveLength(3);
  });

  it('never echoes a secret value in its message', () => {
    const secret = 'hunter2-is-my-password';
    const message = problemsOf({ JWT_SECRET: secret }).join('\n');
    expect(message).not.toContain(secret);
  });
});
