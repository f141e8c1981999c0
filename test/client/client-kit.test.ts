import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { ApolloClient, InMemoryCache } from '@apollo/client';
import WebSocket from 'ws';
import {
  CreatePostDocument,
  LoginDocument,
  LogoutDocument,
  MeDocument,
  MyPostsDocument,
  PostPublishedDocument,
  PublishPostDocument,
  RequestEmailVerificationDocument,
  RequestPasswordResetDocument,
  ResetPasswordDocument,
  VerifyEmailDocument,
  createGatehouseLink,
  memoryTokenStorage,
  webTokenStorage,
  type GatehouseTokens,
  type SessionEndReason,
} from '@gatehouse/client';
import { createApiClient, signInAndLoadProfile } from '../../packages/client/examples/frontend.js';
import { logIn } from '../helpers/actors.js';
import { REVOKE_SESSION } from '../helpers/operations.js';
import { LOGIN, outcome, signUpUser, useTestApp, withTestApp } from '../helpers/test-app.js';
import { expiredCopy, sessionIdOf } from '../helpers/token-claims.js';

// Real @apollo/client against the real server: the kit's links are what is under test.
// Grace 0: a second refresh of one token would revoke the session, so it cannot go unnoticed.
const app = useTestApp({ REFRESH_REUSE_GRACE_SECONDS: '0' });

/** fetch that counts the requests of each operation. */
function countingFetch() {
  const counts = new Map<string, number>();
  const fetchImpl: typeof fetch = async (input, init) => {
    const name = (JSON.parse(String(init?.body ?? '{}')) as { operationName?: string }).operationName ?? '?';
    counts.set(name, (counts.get(name) ?? 0) + 1);
    return fetch(input, init);
  };
  return { fetchImpl, count: (name: string) => counts.get(name) ?? 0 };
}

function kit(tokens: GatehouseTokens | null, options: { accept?: string } = {}) {
  const storage = memoryTokenStorage(tokens);
  const ended: SessionEndReason[] = [];
  const { fetchImpl, count } = countingFetch();
  // A client that asks for plain JSON gets a 401 as a ServerError rather than a result: both must work.
  const fetchWithAccept: typeof fetch =
    options.accept === undefined
      ? fetchImpl
      : (input, init) => fetchImpl(input, { ...init, headers: { ...(init?.headers as Record<string, string>), accept: options.accept! } });
  const gatehouse = createGatehouseLink({
    uri: `${app.url}/graphql`,
    storage,
    fetch: fetchWithAccept,
    onSessionEnded: (reason) => ended.push(reason),
    subscriptions: { webSocketImpl: WebSocket },
  });
  const client = new ApolloClient({ link: gatehouse.link, cache: new InMemoryCache() });
  return { client, storage, ended, count, gatehouse };
}

describe('silent refresh', () => {
  it.each([
    ['Apollo Client’s default Accept (401 as a GraphQL result)', undefined],
    ['Accept: application/json (401 as a ServerError)', 'application/json'],
  ])('20 concurrent queries with an expired token: exactly one refresh, all succeed — %s', async (_label, accept) => {
    const user = await signUpUser(app);
    const { client, storage, ended, count } = kit({ accessToken: expiredCopy(user.accessToken, app.jwtSecret), refreshToken: user.refreshToken }, { accept });

    // Twenty different queries (identical ones would be deduplicated by Apollo Client).
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => client.query({ query: MyPostsDocument, variables: { first: i + 1 }, fetchPolicy: 'network-only' })),
    );

    expect(results.map((result) => result.error)).toEqual(Array(20).fill(undefined));
    expect(results.every((result) => result.data?.myPosts.totalCount === 0)).toBe(true);
    expect(count('RefreshToken')).toBe(1);
    expect(count('MyPosts')).toBe(40); // 20 refused with TOKEN_EXPIRED, 20 retried
    expect(ended).toEqual([]);
    // The session lives on with the rotated tokens (a second refresh would have revoked it at grace 0).
    const stored = (await storage.get())!;
    expect(stored.refreshToken).not.toBe(user.refreshToken);
    const me = await client.query({ query: MeDocument, fetchPolicy: 'network-only' });
    expect(me.data?.me?.id).toBe(user.user.id);
  });

  it('ends the session and tells the app when the refresh token was revoked', async () => {
    const user = await signUpUser(app);
    const other = await logIn(app, user.email, user.password);
    await app.graphql(REVOKE_SESSION, { id: sessionIdOf(user.accessToken) }, { token: other.accessToken });
    const { client, storage, ended, count } = kit({ accessToken: expiredCopy(user.accessToken, app.jwtSecret), refreshToken: user.refreshToken });

    const results = await Promise.all(
      [1, 2, 3].map((first) => client.query({ query: MyPostsDocument, variables: { first }, fetchPolicy: 'network-only', errorPolicy: 'all' })),
    );
    expect(results.map((result) => result.error?.message)).toEqual(Array(3).fill('The access token has expired.'));
    expect(count('RefreshToken')).toBe(1);
    expect(ended).toEqual(['SESSION_REVOKED']);
    expect(await storage.get()).toBeNull();
  });

  it('ends the session on REFRESH_TOKEN_REUSED: a stolen refresh token was used first', async () => {
    const user = await signUpUser(app);
    // The thief refreshes first; the real client's refresh then presents a spent token.
    await app.graphql('mutation ($r: String!) { refreshToken(refreshToken: $r) { accessToken } }', { r: user.refreshToken });
    const { client, storage, ended } = kit({ accessToken: expiredCopy(user.accessToken, app.jwtSecret), refreshToken: user.refreshToken });
    const result = await client.query({ query: MeDocument, fetchPolicy: 'network-only', errorPolicy: 'all' });
    expect(result.error?.message).toBe('The access token has expired.');
    expect(ended).toEqual(['REFRESH_TOKEN_REUSED']);
    expect(await storage.get()).toBeNull();
  });

  it('ends the session when a live token’s session is revoked elsewhere', async () => {
    const user = await signUpUser(app);
    const { client, storage, ended } = kit({ accessToken: user.accessToken, refreshToken: user.refreshToken });
    await app.graphql('mutation { logout }', {}, { token: user.accessToken });
    const result = await client.query({ query: MeDocument, fetchPolicy: 'network-only', errorPolicy: 'all' });
    expect(result.error?.message).toMatch(/session has ended/);
    expect(ended).toEqual(['SESSION_REVOKED']);
    expect(await storage.get()).toBeNull();
  });
});

describe('signing in and out through the mutations', () => {
  it('stores the tokens of login, sends them, and forgets them on logout', async () => {
    const user = await signUpUser(app);
    const { client, storage } = kit(null);
    expect((await client.query({ query: MeDocument, fetchPolicy: 'network-only' })).data).toEqual({ me: null });

    const login = await client.mutate({ mutation: LoginDocument, variables: { email: user.email, password: user.password } });
    expect(await storage.get()).toEqual({ accessToken: login.data!.login.accessToken, refreshToken: login.data!.login.refreshToken });
    expect((await client.query({ query: MeDocument, fetchPolicy: 'network-only' })).data?.me?.email).toBe(user.email);

    await client.mutate({ mutation: LogoutDocument });
    expect(await storage.get()).toBeNull();
    expect((await client.query({ query: MeDocument, fetchPolicy: 'network-only' })).data).toEqual({ me: null });
  });

  it('keeps tokens in Web Storage under one key, and ignores what it cannot read', () => {
    const items = new Map<string, string>();
    const web = { getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => void items.set(k, v), removeItem: (k: string) => void items.delete(k) };
    const storage = webTokenStorage(web);
    storage.set({ accessToken: 'a', refreshToken: 'r' });
    expect(JSON.parse(items.get('gatehouse.tokens')!)).toEqual({ accessToken: 'a', refreshToken: 'r' });
    expect(storage.get()).toEqual({ accessToken: 'a', refreshToken: 'r' });
    for (const junk of ['{', '42', '{"accessToken":1,"refreshToken":"r"}', 'null']) {
      items.set('gatehouse.tokens', junk);
      expect(storage.get()).toBeNull();
    }
    storage.set(null);
    expect(items.has('gatehouse.tokens')).toBe(false);
  });
});

describe('subscriptions through the kit', () => {
  it('receive published posts, and survive the token expiring: refresh, resubscribe, keep receiving', async () => {
    await withTestApp({ ACCESS_TOKEN_TTL_SECONDS: '1' }, async (shortLived) => {
      const author = await signUpUser(shortLived);
      const watcher = await signUpUser(shortLived);
      const storage = memoryTokenStorage({ accessToken: watcher.accessToken, refreshToken: watcher.refreshToken });
      const { fetchImpl, count } = countingFetch();
      const gatehouse = createGatehouseLink({ uri: `${shortLived.url}/graphql`, storage, fetch: fetchImpl, subscriptions: { webSocketImpl: WebSocket } });
      const client = new ApolloClient({ link: gatehouse.link, cache: new InMemoryCache() });
      const titles: string[] = [];
      const errors: unknown[] = [];
      const subscription = client.subscribe({ query: PostPublishedDocument }).subscribe({
        next: (result) => (result.error ? errors.push(result.error) : titles.push(result.data!.postPublished.title)),
        error: (error) => errors.push(error),
      });
      // The author's client: a fresh Apollo Client of its own, whose token also expires after 1 s.
      const authorKit = createGatehouseLink({
        uri: `${shortLived.url}/graphql`,
        storage: memoryTokenStorage({ accessToken: author.accessToken, refreshToken: author.refreshToken }),
        subscriptions: false,
      });
      const authorClient = new ApolloClient({ link: authorKit.link, cache: new InMemoryCache() });
      const publish = async (title: string) => {
        const created = await authorClient.mutate({ mutation: CreatePostDocument, variables: { title, body: 'text' } });
        await authorClient.mutate({ mutation: PublishPostDocument, variables: { id: created.data!.createPost.id } });
      };
      const waitFor = async (title: string) => {
        for (let i = 0; i < 100 && !titles.includes(title); i++) await new Promise((resolve) => setTimeout(resolve, 50));
        expect(titles).toContain(title);
      };

      // Nothing acknowledges a subscribe: publish until the first post arrives.
      for (let i = 0; i < 20 && titles.length === 0; i++) {
        await publish(`before ${i}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(titles.length).toBeGreaterThan(0);
      // The token (1 s) plus the 5 s tolerance runs out: the server closes the socket with 4401.
      await new Promise((resolve) => setTimeout(resolve, 7_000));
      expect(count('RefreshToken')).toBe(1);
      await publish('after the expiry');
      await waitFor('after the expiry');
      expect(errors).toEqual([]);
      subscription.unsubscribe();
      await gatehouse.dispose();
    });
  }, 30_000);
});

describe('README "Use from a frontend"', () => {
  it('shows packages/client/examples/frontend.ts as it is, and that code runs', async () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const example = readFileSync(new URL('../../packages/client/examples/frontend.ts', import.meta.url), 'utf8');
    expect(readme).toContain(example.trim());

    const user = await signUpUser(app);
    const client = createApiClient(`${app.url}/graphql`);
    const me = await signInAndLoadProfile(client, user.email, user.password);
    expect(me).toMatchObject({ id: user.user.id, email: user.email, role: 'USER' });
  });
});

it('is what the package @gatehouse/client exports, built', async () => {
  const manifest = JSON.parse(readFileSync(new URL('../../packages/client/package.json', import.meta.url), 'utf8')) as {
    name: string;
    exports: Record<string, { import: string; types: string }>;
  };
  expect(manifest.name).toBe('@gatehouse/client');
  expect(manifest.exports['.']).toEqual({ types: './dist/index.d.ts', import: './dist/index.js' });
  // The test run builds dist/ first (global setup); the built kit has the same exports.
  const built = (await import(new URL('../../packages/client/dist/index.js', import.meta.url).href)) as Record<string, unknown>;
  expect(typeof built.createGatehouseLink).toBe('function');
  expect(Object.keys(built).sort()).toEqual(Object.keys(await import('@gatehouse/client')).sort());
});

it('imports nothing but its own files and the packages its package.json names (none of the server)', () => {
  const kitDir = new URL('../../packages/client/', import.meta.url);
  const manifest = JSON.parse(readFileSync(new URL('package.json', kitDir), 'utf8')) as {
    dependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
  };
  const declared = new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})]);
  const srcDir = fileURLToPath(new URL('src/', kitDir));
  const files = readdirSync(srcDir, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts'));
  expect(files).toContain('links.ts');
  const outside: string[] = [];
  for (const file of files) {
    const source = readFileSync(join(srcDir, file), 'utf8');
    for (const [, specifier] of source.matchAll(/\bfrom\s+'([^']+)'/g)) {
      const inside = specifier!.startsWith('.') && resolve(srcDir, dirname(file), specifier!).startsWith(srcDir);
      const name = /^(@[^/]+\/[^/]+|[^./][^/]*)/.exec(specifier!)?.[1];
      if (!inside && !(name !== undefined && declared.has(name))) outside.push(`${file}: ${specifier}`);
    }
  }
  expect(outside).toEqual([]);
});

/** The token of a link mailed to `email` (kept for /dev/mail: no SMTP_URL in development) that `known` does not hold. */
async function mailedToken(email: string, path: 'reset-password' | 'verify-email', known: ReadonlySet<string> = new Set()): Promise<string> {
  const pattern = new RegExp(`/${path}#token=([A-Za-z0-9_-]+)`);
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const mails = (await (await fetch(`${app.url}/dev/mail.json`)).json()) as Array<{ to: string; text: string }>;
    const token = mails
      .filter((mail) => mail.to === email)
      .map((mail) => mail.text.match(pattern)?.[1])
      .find((candidate) => candidate !== undefined && !known.has(candidate));
    if (token !== undefined) return token;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no ${path} mail to ${email}`);
}

describe('account lifecycle by email through the kit', () => {
  it('resets a password with the typed documents: the answer signs the kit in, the old password stops working', async () => {
    const user = await signUpUser(app);
    const { client, storage, ended } = kit(null);
    const asked = await client.mutate({ mutation: RequestPasswordResetDocument, variables: { email: user.email } });
    expect(asked.data?.requestPasswordReset).toBe(true);
    const token = await mailedToken(user.email, 'reset-password');

    const newPassword = 'a brand new passphrase';
    const reset = await client.mutate({ mutation: ResetPasswordDocument, variables: { token, newPassword } });
    const payload = reset.data!.resetPassword;
    expect(payload.user).toMatchObject({ id: user.user.id, email: user.email, emailVerified: true });
    expect(await storage.get()).toEqual({ accessToken: payload.accessToken, refreshToken: payload.refreshToken });
    const me = await client.query({ query: MeDocument, fetchPolicy: 'network-only' });
    expect(me.data?.me).toMatchObject({ id: user.user.id, emailVerified: true });

    expect(outcome(await app.graphql(LOGIN, { email: user.email, password: user.password }))).toMatchObject({ reason: 'INVALID_CREDENTIALS' });
    expect(outcome(await app.graphql(LOGIN, { email: user.email, password: newPassword }))).toBe('OK');
    // The link is single use: the kit surfaces the contract's reason.
    await expect(client.mutate({ mutation: ResetPasswordDocument, variables: { token, newPassword } })).rejects.toMatchObject({
      errors: [expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT', field: 'token', reason: 'EMAIL_TOKEN_INVALID' } })],
    });
    expect(ended).toEqual([]);
  });

  it('verifies the address with RequestEmailVerificationDocument and VerifyEmailDocument', async () => {
    const user = await signUpUser(app);
    const { client } = kit({ accessToken: user.accessToken, refreshToken: user.refreshToken });
    const before = await client.query({ query: MeDocument, fetchPolicy: 'network-only' });
    expect(before.data?.me?.emailVerified).toBe(false);
    const asked = await client.mutate({ mutation: RequestEmailVerificationDocument });
    expect(asked.data?.requestEmailVerification).toBe(true);
    const verified = await client.mutate({ mutation: VerifyEmailDocument, variables: { token: await mailedToken(user.email, 'verify-email') } });
    expect(verified.data?.verifyEmail).toMatchObject({ id: user.user.id, email: user.email, emailVerified: true });
  });
});
