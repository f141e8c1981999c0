import { isIP } from 'node:net';
import { z } from 'zod';

/** Runtime configuration, validated once at start and then frozen. The only reader of the environment. */
export interface Config {
  readonly port: number;
  readonly host: string;
  readonly nodeEnv: 'development' | 'production' | 'test';
  readonly isProduction: boolean;
  /** Embedded database files and generated development keys. */
  readonly dataDir: string;
  /** Real PostgreSQL; undefined = embedded PGlite under dataDir. */
  readonly databaseUrl: string | undefined;
  /** Connections per process to a real PostgreSQL. */
  readonly databasePoolSize: number;
  /** PostgreSQL statement_timeout for every query, in ms. */
  readonly databaseStatementTimeoutMs: number;
  readonly jwt: JwtConfig;
  readonly refreshTokenTtlSeconds: number;
  readonly refreshReuseGraceSeconds: number;
  /** Absolute session lifetime: no refresh extends a session past its start plus this. */
  readonly sessionMaxLifetimeSeconds: number;
  /** Audit events older than this many days are pruned. */
  readonly auditRetentionDays: number;
  /** Bearer token that GET /metrics requires; undefined = /metrics is 404. */
  readonly metricsToken: string | undefined;
  readonly loginMaxFailures: number;
  readonly loginWindowSeconds: number;
  /** How recent an authentication sensitive operations need (step-up), in seconds. */
  readonly reauthMaxAgeSeconds: number;
  /** Failed password checks allowed per client IP across all emails in one window. */
  readonly loginMaxFailuresPerIp: number;
  /** Failed password checks allowed per account from all addresses in one window. */
  readonly loginMaxFailuresPerAccount: number;
  /** Sign-ups allowed per client IP per hour (every attempt counts). */
  readonly signUpMaxPerIp: number;
  /**
   * Which proxies may tell us the client's address in X-Forwarded-For: false (none: the
   * socket's peer is the client), a number of hops, or a list of addresses and CIDR ranges.
   */
  readonly trustProxy: false | number | readonly string[];
  readonly admin: { readonly email: string; readonly password: string } | undefined;
  /** Allowed CORS origins; empty = no CORS headers. */
  readonly corsOrigins: readonly string[];
  readonly enableIntrospection: boolean;
  readonly enablePlayground: boolean;
  readonly logLevel: LogLevel;
  /** On SIGTERM, how long requests in flight may take to finish before their connections are cut. */
  readonly drainTimeoutSeconds: number;
  /** Worker processes for `npm run start:cluster`; undefined = one per CPU core. */
  readonly clusterWorkers: number | undefined;
  readonly mail: MailConfig;
}

export interface MailConfig {
  /** smtp:// or smtps:// URL of the server mail is delivered through; undefined (development only) = kept for /dev/mail. */
  readonly smtpUrl: string | undefined;
  /** The From header of every mail. */
  readonly from: string;
  /** The frontend's base URL for links in mail, without a trailing slash; undefined = the server's own. */
  readonly appUrl: string | undefined;
  /** Mails of one kind to one address per hour. */
  readonly maxPerAddress: number;
  /** Mails asked for from one client IP per hour. */
  readonly maxPerIp: number;
  /** An unverified user's tokens carry scope `read` only. */
  readonly requireVerification: boolean;
}

export interface JwtConfig {
  readonly algorithm: JwtAlgorithm;
  /** HS256 key material (raw UTF-8 string); undefined in development = generated under dataDir. */
  readonly secret: string | undefined;
  /** PEM for RS256/ES256 given inline (`\\n` escapes already turned into newlines). */
  readonly privateKeyPem: string | undefined;
  /** Path of a PEM file for RS256/ES256. */
  readonly privateKeyFile: string | undefined;
  readonly previousPublicKeysFile: string | undefined;
  readonly issuer: string;
  readonly audience: string;
  readonly accessTokenTtlSeconds: number;
}

export const JWT_ALGORITHMS = ['HS256', 'RS256', 'ES256'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Thrown by loadConfig; `problems` holds one line per bad variable. */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

// A scraper's bearer token: long enough that guessing it is out of reach.
const MIN_METRICS_TOKEN_LENGTH = 16;

// HS256 keys shorter than the hash output weaken the MAC (RFC 7518 §3.2).
const MIN_SECRET_BYTES = 32;

const blankToUndefined = (value: unknown) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

const integer = (defaultValue: number, min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^\d+$/, 'must be a whole number')
      .transform(Number)
      .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`))
      .optional()
      .transform((value) => value ?? defaultValue),
  );

const boolean = z.preprocess(
  blankToUndefined,
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'], {
      error: 'must be one of true, false, 1, 0, yes, no, on, off',
    })
    .transform((value) => ['true', '1', 'yes', 'on'].includes(value))
    .optional(),
);

const optionalString = z.preprocess(blankToUndefined, z.string().optional());

const envSchema = z.object({
  PORT: integer(4000, 0, 65535),
  HOST: z.preprocess(blankToUndefined, z.string().default('0.0.0.0')),
  NODE_ENV: z.preprocess(
    blankToUndefined,
    z
      .enum(['development', 'production', 'test'], {
        error: 'must be development, production or test',
      })
      .default('development'),
  ),
  DATA_DIR: z.preprocess(blankToUndefined, z.string().default('./data')),
  DATABASE_URL: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .refine((value) => URL.canParse(value), 'must be a valid URL')
      .optional(),
  ),
  DATABASE_POOL_SIZE: integer(10, 1, 1_000),
  DATABASE_STATEMENT_TIMEOUT_MS: integer(5_000, 100, 600_000),
  JWT_ALGORITHM: z.preprocess(
    blankToUndefined,
    z.enum(JWT_ALGORITHMS, { error: 'must be HS256, RS256 or ES256' }).default('HS256'),
  ),
  JWT_SECRET: z.preprocess(
    blankToUndefined,
    z
      .string()
      .refine(
        (value) => Buffer.byteLength(value, 'utf8') >= MIN_SECRET_BYTES,
        `must be at least ${MIN_SECRET_BYTES} bytes of UTF-8`,
      )
      .optional(),
  ),
  JWT_PRIVATE_KEY: optionalString,
  JWT_PRIVATE_KEY_FILE: optionalString,
  JWT_PREVIOUS_PUBLIC_KEYS_FILE: optionalString,
  JWT_ISSUER: z.preprocess(blankToUndefined, z.string().default('gatehouse')),
  JWT_AUDIENCE: z.preprocess(blankToUndefined, z.string().default('gatehouse')),
  ACCESS_TOKEN_TTL_SECONDS: integer(900, 1),
  REFRESH_TOKEN_TTL_SECONDS: integer(2_592_000, 1), // 30 days
  REFRESH_REUSE_GRACE_SECONDS: integer(10, 0),
  SESSION_MAX_LIFETIME_SECONDS: integer(7_776_000, 1), // 90 days
  AUDIT_RETENTION_DAYS: integer(90, 1, 36_500),
  METRICS_TOKEN: z.preprocess(
    blankToUndefined,
    z
      .string()
      .min(MIN_METRICS_TOKEN_LENGTH, `must be at least ${MIN_METRICS_TOKEN_LENGTH} characters`)
      .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces (it is sent in an Authorization header)')
      .optional(),
  ),
  LOGIN_MAX_FAILURES: integer(5, 1),
  LOGIN_WINDOW_SECONDS: integer(900, 1), // 15 minutes
  REAUTH_MAX_AGE_SECONDS: integer(900, 1), // 15 minutes
  LOGIN_MAX_FAILURES_PER_IP: integer(100, 1),
  LOGIN_MAX_FAILURES_PER_ACCOUNT: integer(50, 1),
  SIGNUP_MAX_PER_IP: integer(20, 1),
  TRUST_PROXY: optionalString,
  ADMIN_EMAIL: optionalString,
  ADMIN_PASSWORD: optionalString,
  CORS_ORIGINS: optionalString,
  ENABLE_INTROSPECTION: boolean,
  ENABLE_PLAYGROUND: boolean,
  DRAIN_TIMEOUT_SECONDS: integer(10, 0, 3_600),
  CLUSTER_WORKERS: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^\d+$/, 'must be a whole number')
      .transform(Number)
      .pipe(z.number().int().min(1, 'must be at least 1').max(256, 'must be at most 256'))
      .optional(),
  ),
  SMTP_URL: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
      .refine((value) => URL.canParse(value), 'must be a valid URL')
      .optional(),
  ),
  MAIL_FROM: z.preprocess(
    blankToUndefined,
    z
      .string()
      // A header value: a line break would let it add headers of its own.
      .refine((value) => !/[\r\n]/.test(value), 'must be one line, e.g. "Gatehouse <no-reply@example.com>"')
      .refine((value) => /@/.test(value), 'must contain an email address, e.g. "Gatehouse <no-reply@example.com>"')
      .default('Gatehouse <no-reply@localhost>'),
  ),
  APP_URL: z.preprocess(
    blankToUndefined,
    z
      .string()
      .refine(
        (value) => URL.canParse(value) && ['http:', 'https:'].includes(new URL(value).protocol),
        'must be an http:// or https:// URL (the frontend that opens the links in mail)',
      )
      .transform((value) => value.replace(/\/+$/, ''))
      .optional(),
  ),
  MAIL_MAX_PER_ADDRESS: integer(5, 1),
  MAIL_MAX_PER_IP: integer(30, 1),
  REQUIRE_EMAIL_VERIFICATION: boolean,
  LOG_LEVEL: z.preprocess(
    blankToUndefined,
    z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  ),
});

type Env = Readonly<Record<string, string | undefined>>;

/** Validates the environment and returns a frozen Config, or throws ConfigError listing every problem. */
export function loadConfig(env: Env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
    );
  }
  const values = parsed.data;
  const problems: string[] = [];
  const isProduction = values.NODE_ENV === 'production';

  if (values.JWT_PRIVATE_KEY !== undefined && values.JWT_PRIVATE_KEY_FILE !== undefined) {
    problems.push('JWT_PRIVATE_KEY: set either JWT_PRIVATE_KEY or JWT_PRIVATE_KEY_FILE, not both');
  }
  if (isProduction) {
    if (values.JWT_ALGORITHM === 'HS256' && values.JWT_SECRET === undefined) {
      problems.push(
        `JWT_SECRET: required when NODE_ENV=production (at least ${MIN_SECRET_BYTES} bytes, e.g. \`openssl rand -base64 48\`)`,
      );
    }
    if (
      values.JWT_ALGORITHM !== 'HS256' &&
      values.JWT_PRIVATE_KEY === undefined &&
      values.JWT_PRIVATE_KEY_FILE === undefined
    ) {
      problems.push(
        `JWT_PRIVATE_KEY: JWT_PRIVATE_KEY or JWT_PRIVATE_KEY_FILE is required when NODE_ENV=production and JWT_ALGORITHM=${values.JWT_ALGORITHM}`,
      );
    }
  }
  if (isProduction && values.SMTP_URL === undefined) {
    problems.push('SMTP_URL: required when NODE_ENV=production (e.g. smtps://user:password@smtp.example.com:465): without it no mail is delivered');
  }
  if ((values.ADMIN_EMAIL === undefined) !== (values.ADMIN_PASSWORD === undefined)) {
    problems.push('ADMIN_PASSWORD: ADMIN_EMAIL and ADMIN_PASSWORD must be set together');
  }
  const corsOrigins = parseOrigins(values.CORS_ORIGINS, problems);
  const trustProxy = parseTrustProxy(values.TRUST_PROXY, problems);

  if (problems.length > 0) throw new ConfigError(problems);

  return deepFreeze({
    port: values.PORT,
    host: values.HOST,
    nodeEnv: values.NODE_ENV,
    isProduction,
    dataDir: values.DATA_DIR,
    databaseUrl: values.DATABASE_URL,
    databasePoolSize: values.DATABASE_POOL_SIZE,
    databaseStatementTimeoutMs: values.DATABASE_STATEMENT_TIMEOUT_MS,
    jwt: {
      algorithm: values.JWT_ALGORITHM,
      secret: values.JWT_SECRET,
      privateKeyPem: values.JWT_PRIVATE_KEY?.replace(/\\n/g, '\n'),
      privateKeyFile: values.JWT_PRIVATE_KEY_FILE,
      previousPublicKeysFile: values.JWT_PREVIOUS_PUBLIC_KEYS_FILE,
      issuer: values.JWT_ISSUER,
      audience: values.JWT_AUDIENCE,
      accessTokenTtlSeconds: values.ACCESS_TOKEN_TTL_SECONDS,
    },
    refreshTokenTtlSeconds: values.REFRESH_TOKEN_TTL_SECONDS,
    refreshReuseGraceSeconds: values.REFRESH_REUSE_GRACE_SECONDS,
    sessionMaxLifetimeSeconds: values.SESSION_MAX_LIFETIME_SECONDS,
    auditRetentionDays: values.AUDIT_RETENTION_DAYS,
    metricsToken: values.METRICS_TOKEN,
    loginMaxFailures: values.LOGIN_MAX_FAILURES,
    loginWindowSeconds: values.LOGIN_WINDOW_SECONDS,
    reauthMaxAgeSeconds: values.REAUTH_MAX_AGE_SECONDS,
    loginMaxFailuresPerIp: values.LOGIN_MAX_FAILURES_PER_IP,
    loginMaxFailuresPerAccount: values.LOGIN_MAX_FAILURES_PER_ACCOUNT,
    signUpMaxPerIp: values.SIGNUP_MAX_PER_IP,
    trustProxy,
    admin:
      values.ADMIN_EMAIL !== undefined && values.ADMIN_PASSWORD !== undefined
        ? { email: values.ADMIN_EMAIL, password: values.ADMIN_PASSWORD }
        : undefined,
    corsOrigins,
    enableIntrospection: values.ENABLE_INTROSPECTION ?? !isProduction,
    enablePlayground: values.ENABLE_PLAYGROUND ?? !isProduction,
    logLevel: values.LOG_LEVEL,
    drainTimeoutSeconds: values.DRAIN_TIMEOUT_SECONDS,
    clusterWorkers: values.CLUSTER_WORKERS,
    mail: {
      smtpUrl: values.SMTP_URL,
      from: values.MAIL_FROM,
      appUrl: values.APP_URL,
      maxPerAddress: values.MAIL_MAX_PER_ADDRESS,
      maxPerIp: values.MAIL_MAX_PER_IP,
      requireVerification: values.REQUIRE_EMAIL_VERIFICATION ?? false,
    },
  });
}

function parseOrigins(raw: string | undefined, problems: string[]): string[] {
  if (raw === undefined) return [];
  const origins = raw
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '');
  for (const origin of origins) {
    if (!URL.canParse(origin) || new URL(origin).origin !== origin) {
      problems.push(
        `CORS_ORIGINS: "${origin}" is not an origin (scheme://host[:port], no path or trailing slash)`,
      );
    }
  }
  return origins;
}

// Trusting every proxy (`true`) would let any client choose its own address and escape
// the brute-force limits, so it is not offered: name the proxies or count the hops.
function parseTrustProxy(raw: string | undefined, problems: string[]): false | number | string[] {
  if (raw === undefined || ['false', '0', 'no', 'off'].includes(raw.trim())) return false;
  if (/^\d+$/.test(raw.trim())) return Number(raw.trim());
  const entries = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  for (const entry of entries) {
    const [address = '', prefix, ...rest] = entry.split('/');
    const family = isIP(address);
    const maxPrefix = family === 6 ? 128 : 32;
    const validPrefix = prefix === undefined || (/^\d+$/.test(prefix) && Number(prefix) <= maxPrefix);
    if (family === 0 || !validPrefix || rest.length > 0) {
      problems.push(
        `TRUST_PROXY: "${entry}" is not an IP address or CIDR range (use a hop count, or addresses like 10.0.0.0/8,127.0.0.1)`,
      );
    }
  }
  return entries;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
