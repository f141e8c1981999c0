import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from '@jest/globals';
import { createApp, type App, type AppOptions } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { databaseFor, dropDatabaseFor } from './app-database.js';
import { makeTempDir, removeTempDir } from './data-dir.js';

export interface GraphQLResponse<TData = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: {
    data?: TData | null;
    errors?: Array<{
      message: string;
      path?: Array<string | number>;
      extensions?: Record<string, unknown>;
    }>;
  };
}

export interface RequestOptions {
  token?: string;
  headers?: Record<string, string>;
}

export interface TestApp {
  readonly url: string;
  readonly dataDir: string;
  /** The PostgreSQL database this app runs on (its own, on the PostgreSQL pass), or undefined (embedded). */
  readonly databaseUrl: string | undefined;
  readonly jwtSecret: string;
  /** The variables startTestApp was given (not its defaults). */
  readonly env: Readonly<Record<string, string>>;
  /** GET /.well-known/jwks.json */
  jwks(): Promise<{ keys: Array<Record<string, string>> }>;
  graphql<TData = Record<string, any>>(
    query: string,
    variables?: Record<string, unknown>,
    options?: RequestOptions,
  ): Promise<GraphQLResponse<TData>>;
  /** Stops the server and deletes its DATA_DIR unless told to keep it. */
  stop(options?: { keepDataDir?: boolean }): Promise<void>;
}

/**
 * Starts the real server on port 0 against a real embedded database (a copy of the
 * migrated template) or, when DATABASE_URL is set, the real PostgreSQL server.
 */
export async function startTestApp(
  env: Record<string, string> = {},
  options: Pick<AppOptions, 'onQuery' | 'sessionCacheTtlMs' | 'modules' | 'socketLimits' | 'connectionLimits' | 'executionLimits' | 'hashingLimits'> = {},
): Promise<TestApp> {
  // A given DATA_DIR is reused as it is (a restart); otherwise a fresh copy of the template.
  const reuse = env.DATA_DIR !== undefined;
  const dataDir = env.DATA_DIR ?? (await makeTempDir('test', { migrated: true }));
  const jwtSecret = randomBytes(32).toString('base64url');
  // An explicit DATABASE_URL is the test's own (several instances on one database).
  const databaseUrl = env.DATABASE_URL ?? (await databaseFor(dataDir));
  const discard = async () => {
    if (env.DATABASE_URL === undefined) await dropDatabaseFor(dataDir);
    await removeTempDir(dataDir);
  };
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    ...((env.JWT_ALGORITHM ?? 'HS256') === 'HS256' && { JWT_SECRET: jwtSecret }),
    LOG_LEVEL: 'silent',
    // Every test client is 127.0.0.1: a file's many sign-ups and failed logins would reach
    // the per-IP limits. The throttle's own tests set their limits.
    LOGIN_MAX_FAILURES_PER_IP: '1000000',
    SIGNUP_MAX_PER_IP: '1000000',
    MAIL_MAX_PER_IP: '1000000',
    // Production refuses to start without an SMTP server; nothing listens here, and tests
    // that deliver mail set their own.
    ...(env.NODE_ENV === 'production' && { SMTP_URL: 'smtp://127.0.0.1:9' }),
    ...env,
    ...(databaseUrl !== undefined && { DATABASE_URL: databaseUrl }),
  });
  let app: App;
  try {
    app = await createApp(config, options);
  } catch (error) {
    if (!reuse) await discard();
    throw error;
  }
  return {
    url: app.url,
    dataDir,
    databaseUrl,
    jwtSecret: config.jwt.secret ?? '',
    env: Object.freeze({ ...env }),
    jwks: async () => (await (await fetch(`${app.url}/.well-known/jwks.json`)).json()) as { keys: Array<Record<string, string>> },
    graphql: (query, variables, options) => postGraphQL(app.url, query, variables, options),
    stop: async ({ keepDataDir = false } = {}) => {
      await app.stop();
      if (!keepDataDir) await discard();
    },
  };
}

/**
 * startTestApp before the tests of the enclosing describe (or file), stop after them. The
 * returned TestApp forwards to the started one: use it in tests and hooks, not while
 * describe blocks are collected.
 */
export function useTestApp(env: Record<string, string> = {}, options: Parameters<typeof startTestApp>[1] = {}): TestApp {
  let started: TestApp | undefined;
  beforeAll(async () => {
    started = await startTestApp(env, options);
  });
  afterAll(() => started?.stop());
  return forwardTo(() => started, 'useTestApp: the app');
}

/**
 * Stands for what `current()` returns once a beforeAll has made it: each property read is
 * forwarded to it, and reading one before (or outside the hooks and tests) throws.
 */
export function forwardTo<T extends object>(current: () => T | undefined, what: string): T {
  return new Proxy({} as T, {
    get(_target, key) {
      const target = current();
      if (target === undefined) throw new Error(`${what} is not running here (reading ${String(key)})`);
      return Reflect.get(target, key);
    },
  });
}

/** Runs `use` against a TestApp started for it alone, and stops that app however `use` ends. */
export async function withTestApp<T>(env: Record<string, string>, use: (app: TestApp) => Promise<T>): Promise<T> {
  const app = await startTestApp(env);
  try {
    return await use(app);
  } finally {
    await app.stop();
  }
}

/** Whatever takes GraphQL operations: a TestApp, or a server process through graphqlAt(url). */
export type GraphQLTarget = Pick<TestApp, 'graphql'>;

/** A GraphQLTarget for a server started some other way (a process, a proxy). */
export function graphqlAt(url: string): GraphQLTarget {
  return { graphql: (query, variables, options) => postGraphQL(url, query, variables, options) };
}

/** POSTs a GraphQL operation as an Apollo client would. */
export async function postGraphQL<TData = Record<string, any>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  options: RequestOptions = {},
): Promise<GraphQLResponse<TData>> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(options.token !== undefined && { authorization: `Bearer ${options.token}` }),
      ...options.headers,
    },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  let body: GraphQLResponse<TData>['body'];
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`Expected JSON from /graphql, got ${response.status}: ${text.slice(0, 200)}`);
  }
  return { status: response.status, headers: response.headers, body };
}

/** An email no other test uses, so tests can share one PostgreSQL database. */
export function uniqueEmail(label = 'user'): string {
  return `${label}-${randomUUID().slice(0, 8)}@example.com`;
}

/** The whole AuthPayload, as signUp and login select it. */
const AUTH_PAYLOAD = 'accessToken refreshToken tokenType expiresIn user { id email name role createdAt }';

export const SIGN_UP = /* GraphQL */ `
  mutation SignUp($email: String!, $password: String!, $name: String) {
    signUp(email: $email, password: $password, name: $name) { ${AUTH_PAYLOAD} }
  }
`;

export const LOGIN = /* GraphQL */ `
  mutation Login($email: String!, $password: String!) {
    login(email: $email, password: $password) { ${AUTH_PAYLOAD} }
  }
`;

export const ME = /* GraphQL */ `
  query Me { me { id email name role createdAt } }
`;

export const PASSWORD = 'correct horse battery';

/** Signs up a fresh user and returns its AuthPayload. */
export async function signUpUser(app: GraphQLTarget, email = uniqueEmail(), password = PASSWORD) {
  const response = await app.graphql(SIGN_UP, { email, password });
  if (response.body.data?.signUp === undefined) {
    throw new Error(`signUp failed: ${JSON.stringify(response.body)}`);
  }
  return { email, password, ...response.body.data.signUp };
}

export const REFRESH = /* GraphQL */ `
  mutation Refresh($refreshToken: String!) {
    refreshToken(refreshToken: $refreshToken) {
      accessToken
      refreshToken
      tokenType
      expiresIn
      user { id email role }
    }
  }
`;

/** The first error's extensions, or 'OK' when there is none. */
export function outcome(response: GraphQLResponse): Record<string, unknown> | 'OK' {
  return response.body.errors?.[0]?.extensions ?? 'OK';
}
