import { randomInt } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { LOGIN, outcome, signUpUser, startTestApp, uniqueEmail, type GraphQLResponse, type TestApp, useTestApp, withTestApp } from '../helpers/test-app.js';
import { describeWithPostgres } from '../helpers/describe-with-postgres.js';

// The server trusts the loopback proxy, so each test speaks from its own client address
// (X-Forwarded-For) and counts nothing another test (or an earlier run on a shared
// PostgreSQL) has counted.
const randomIp = () => `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;

const CHANGE_PASSWORD = /* GraphQL */ `
  mutation ($currentPassword: String!, $newPassword: String!) {
    changePassword(currentPassword: $currentPassword, newPassword: $newPassword) { accessToken }
  }
`;
const DELETE_ACCOUNT = /* GraphQL */ `
  mutation ($password: String!) { deleteAccount(password: $password) }
`;
const INVALID = { code: 'UNAUTHENTICATED', reason: 'INVALID_CREDENTIALS' };
const LIMITED = expect.objectContaining({ code: 'RATE_LIMITED', retryAfter: expect.any(Number) });

const app = useTestApp({
    LOGIN_MAX_FAILURES: '3',
    LOGIN_MAX_FAILURES_PER_IP: '6',
    LOGIN_WINDOW_SECONDS: '60',
    TRUST_PROXY: '127.0.0.1',
  });

function loginFrom(ip: string, email: string, password: string): Promise<GraphQLResponse> {
  return app.graphql(LOGIN, { email, password }, { headers: { 'x-forwarded-for': ip } });
}

async function failLogins(ip: string, email: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    expect(outcome(await loginFrom(ip, email, 'not the password'))).toEqual(INVALID);
  }
}

describe('the login brute-force limit per (email, client IP)', () => {
  it('refuses even the right password with RATE_LIMITED and retryAfter once the limit is reached', async () => {
    const ip = randomIp();
    const user = await signUpUser(app);
    await failLogins(ip, user.email, 3);

    const response = await loginFrom(ip, user.email, user.password);
    expect(response.status).toBe(200);
    expect(response.body.data).toBeNull();
    expect(response.body.errors).toHaveLength(1);
    const extensions = outcome(response) as { retryAfter: number };
    expect(extensions).toEqual({ code: 'RATE_LIMITED', retryAfter: expect.any(Number) });
    expect(extensions.retryAfter).toBeGreaterThan(0);
    expect(extensions.retryAfter).toBeLessThanOrEqual(60);
  });

  it('limits an unknown email exactly like a registered one, so the limit reveals nothing', async () => {
    const ip = randomIp();
    const ghost = uniqueEmail('ghost');
    await failLogins(ip, ghost, 3);
    expect(outcome(await loginFrom(ip, ghost, 'anything at all'))).toEqual(LIMITED);
  });

  it('counts every spelling of one email together (case and surrounding spaces)', async () => {
    const ip = randomIp();
    const user = await signUpUser(app);
    await failLogins(ip, user.email.toUpperCase(), 1);
    await failLogins(ip, `  ${user.email} `, 1);
    await failLogins(ip, user.email, 1);
    expect(outcome(await loginFrom(ip, user.email, user.password))).toEqual(LIMITED);
  });

  it('starts the count again after a successful login', async () => {
    const ip = randomIp();
    const user = await signUpUser(app);
    await failLogins(ip, user.email, 2);
    expect(outcome(await loginFrom(ip, user.email, user.password))).toBe('OK');
    await failLogins(ip, user.email, 3);
    expect(outcome(await loginFrom(ip, user.email, user.password))).toEqual(LIMITED);
  });

  it('counts each client address on its own: a limited address does not lock the owner out elsewhere', async () => {
    const user = await signUpUser(app);
    const attacker = randomIp();
    await failLogins(attacker, user.email, 3);
    expect(outcome(await loginFrom(attacker, user.email, user.password))).toEqual(LIMITED);
    expect(outcome(await loginFrom(randomIp(), user.email, user.password))).toBe('OK');
  });

  it('lets exactly the allowed number of concurrent guesses through', async () => {
    const ip = randomIp();
    const user = await signUpUser(app);
    // 5 at once: over the limit of 3 per email, under the 6 per address.
    const responses = await Promise.all(
      Array.from({ length: 5 }, () => loginFrom(ip, user.email, 'a concurrent guess')),
    );
    const codes = responses.map((response) => (outcome(response) as { code: string }).code);
    expect(codes.filter((code) => code === 'UNAUTHENTICATED')).toHaveLength(3);
    expect(codes.filter((code) => code === 'RATE_LIMITED')).toHaveLength(2);
  });

  it('counts wrong current passwords in changePassword and deleteAccount towards the same limit', async () => {
    const ip = randomIp();
    const user = await signUpUser(app);
    const headers = { 'x-forwarded-for': ip };
    const token = user.accessToken;
    const change = await app.graphql(
      CHANGE_PASSWORD,
      { currentPassword: 'wrong', newPassword: 'a new password 123' },
      { token, headers },
    );
    expect(outcome(change)).toEqual(INVALID);
    expect(outcome(await app.graphql(DELETE_ACCOUNT, { password: 'wrong' }, { token, headers }))).toEqual(INVALID);
    await failLogins(ip, user.email, 1);

    // Limited now: the right current password is refused, and nothing changes.
    expect(outcome(await app.graphql(DELETE_ACCOUNT, { password: user.password }, { token, headers }))).toEqual(LIMITED);
    expect(outcome(await loginFrom(ip, user.email, user.password))).toEqual(LIMITED);
    expect(outcome(await loginFrom(randomIp(), user.email, user.password))).toBe('OK');
  });
});

describe('the per-address ceiling across emails (password spraying)', () => {
  it('refuses an address that has failed for many different emails', async () => {
    const ip = randomIp();
    for (let i = 0; i < 6; i++) await failLogins(ip, uniqueEmail('spray'), 1);
    const user = await signUpUser(app);
    expect(outcome(await loginFrom(ip, user.email, user.password))).toEqual(LIMITED);
    expect(outcome(await loginFrom(randomIp(), user.email, user.password))).toBe('OK');
  });

  it('does not charge an address for its successful logins', async () => {
    const ip = randomIp();
    const user = await signUpUser(app);
    for (let i = 0; i < 8; i++) {
      expect(outcome(await loginFrom(ip, user.email, user.password))).toBe('OK');
    }
  });
});

describe('where the limit is kept', () => {
  it('outlives a restart: the count is in the database, not in the process', async () => {
    const first = await startTestApp({ LOGIN_MAX_FAILURES: '2', TRUST_PROXY: '127.0.0.1' });
    const ip = randomIp();
    const user = await signUpUser(first);
    const login = (target: TestApp, password: string) =>
      target.graphql(LOGIN, { email: user.email, password }, { headers: { 'x-forwarded-for': ip } });
    expect(outcome(await login(first, 'wrong'))).toEqual(INVALID);
    expect(outcome(await login(first, 'wrong'))).toEqual(INVALID);
    await first.stop({ keepDataDir: true });

    await withTestApp({
      LOGIN_MAX_FAILURES: '2',
      TRUST_PROXY: '127.0.0.1',
      DATA_DIR: first.dataDir,
    }, async (second) => {
      expect(outcome(await login(second, user.password))).toEqual(LIMITED);
    });
  });

  it('lets the window pass', async () => {
    await withTestApp({ LOGIN_MAX_FAILURES: '1', LOGIN_WINDOW_SECONDS: '1', TRUST_PROXY: '127.0.0.1' }, async (quick) => {
      const ip = randomIp();
      const user = await signUpUser(quick);
      const login = (password: string) =>
        quick.graphql(LOGIN, { email: user.email, password }, { headers: { 'x-forwarded-for': ip } });
      expect(outcome(await login('wrong'))).toEqual(INVALID);
      expect(outcome(await login(user.password))).toEqual(LIMITED);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      expect(outcome(await login(user.password))).toBe('OK');
    });
  });
});

describe('the client address', () => {
  it('with TRUST_PROXY=1, is the address the proxy saw, whatever the client put before it', async () => {
    await withTestApp({ LOGIN_MAX_FAILURES: '1', TRUST_PROXY: '1' }, async (behindOneProxy) => {
      const user = await signUpUser(behindOneProxy);
      const client = randomIp();
      // The proxy appends the address it saw; everything left of it is the client's say.
      const login = (forged: string, password: string) =>
        behindOneProxy.graphql(LOGIN, { email: user.email, password }, { headers: { 'x-forwarded-for': `${forged}, ${client}` } });
      expect(outcome(await login(randomIp(), 'wrong'))).toEqual(INVALID);
      expect(outcome(await login(randomIp(), user.password))).toEqual(LIMITED);
    });
  });

  it('ignores X-Forwarded-For unless TRUST_PROXY names the proxy', async () => {
    await withTestApp({ LOGIN_MAX_FAILURES: '1' }, async (direct) => {
      const user = await signUpUser(direct);
      const login = (ip: string, password: string) =>
        direct.graphql(LOGIN, { email: user.email, password }, { headers: { 'x-forwarded-for': ip } });
      expect(outcome(await login(randomIp(), 'wrong'))).toEqual(INVALID);
      // A forged header does not make a new client: the peer is still 127.0.0.1.
      expect(outcome(await login(randomIp(), user.password))).toEqual(LIMITED);
    });
  });
});

// Two servers on one database need a real PostgreSQL (the embedded one is one process's).
describeWithPostgres('the limit across instances', () => {
  it('counts failures made on two servers sharing one PostgreSQL together', async () => {
    const env = { LOGIN_MAX_FAILURES: '3', TRUST_PROXY: '127.0.0.1' };
    const a = await startTestApp(env);
    const b = await startTestApp({ ...env, JWT_SECRET: a.jwtSecret, DATABASE_URL: a.databaseUrl! });
    try {
      const ip = randomIp();
      const user = await signUpUser(a);
      const login = (server: TestApp, password: string) =>
        server.graphql(LOGIN, { email: user.email, password }, { headers: { 'x-forwarded-for': ip } });
      expect(outcome(await login(a, 'wrong'))).toEqual(INVALID);
      expect(outcome(await login(b, 'wrong'))).toEqual(INVALID);
      expect(outcome(await login(a, 'wrong'))).toEqual(INVALID);
      expect(outcome(await login(b, user.password))).toEqual(LIMITED);
      expect(outcome(await login(a, user.password))).toEqual(LIMITED);
    } finally {
      await b.stop();
      await a.stop();
    }
  });
});
