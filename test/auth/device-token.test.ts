import { describe, expect, it } from '@jest/globals';
import { LOGIN, outcome, PASSWORD, signUpUser, useTestApp, type GraphQLResponse } from '../helpers/test-app.js';

// The test client is a trusted proxy, so X-Forwarded-For names each attacker's address.
const app = useTestApp({ TRUST_PROXY: '127.0.0.1' });
const INVALID = { code: 'UNAUTHENTICATED', reason: 'INVALID_CREDENTIALS' };

function deviceTokenOf(response: GraphQLResponse): string {
  const token = response.headers.get('gatehouse-device');
  if (token === null) throw new Error(`no device token in ${JSON.stringify(response.body)}`);
  return token;
}

async function login(email: string, password: string, address: string, headers: Record<string, string> = {}) {
  return app.graphql(LOGIN, { email, password }, { headers: { 'x-forwarded-for': address, ...headers } });
}

/** LOGIN_MAX_FAILURES_PER_ACCOUNT (50) failures from 10 addresses, each within its own limit of 5. */
async function lockAccount(email: string): Promise<void> {
  for (let address = 1; address <= 10; address++) {
    for (let attempt = 0; attempt < 5; attempt++) {
      expect(outcome(await login(email, `guess ${attempt}`, `203.0.113.${address}`))).toEqual(INVALID);
    }
  }
}

describe('device tokens', () => {
  it('are issued at sign-in as an HttpOnly, Secure, SameSite=Strict __Host- cookie and in a header', async () => {
    const user = await signUpUser(app);
    const response = await login(user.email, PASSWORD, '198.51.100.1');
    const token = deviceTokenOf(response);
    expect(token).toMatch(/^d1\.[0-9a-f-]{36}\.\d+\.[\w-]{22}\.[\w-]{43}$/);
    const cookie = response.headers.get('set-cookie')!;
    expect(cookie.startsWith(`__Host-gatehouse-device=${token};`)).toBe(true);
    expect(cookie.split('; ').slice(1).sort()).toEqual(['HttpOnly', 'Max-Age=15552000', 'Path=/', 'SameSite=Strict', 'Secure']);
    // A failed login issues none.
    const failed = await login(user.email, 'wrong guess', '198.51.100.1');
    expect(failed.headers.get('gatehouse-device')).toBeNull();
    expect(failed.headers.get('set-cookie')).toBeNull();
  });

  it('let a recognised device sign in to an account that guesses from many addresses have locked', async () => {
    const user = await signUpUser(app);
    const token = deviceTokenOf(await login(user.email, PASSWORD, '198.51.100.2'));
    await lockAccount(user.email);

    // Without the token: locked for everyone, the right password included.
    expect(outcome(await login(user.email, PASSWORD, '198.51.100.3'))).toMatchObject({ code: 'RATE_LIMITED' });
    // With it, in the header or as the browser's cookie, from any address: signed in.
    expect(outcome(await login(user.email, PASSWORD, '198.51.100.3', { 'gatehouse-device': token }))).toBe('OK');
    expect(outcome(await login(user.email, PASSWORD, '203.0.113.1', { cookie: `theme=dark; __Host-gatehouse-device=${token}` }))).toBe('OK');
  });

  it('do not exempt another account, nor a token altered in any part', async () => {
    const owner = await signUpUser(app);
    const victim = await signUpUser(app);
    const token = deviceTokenOf(await login(owner.email, PASSWORD, '198.51.100.4'));
    await lockAccount(victim.email);
    expect(outcome(await login(victim.email, PASSWORD, '198.51.100.4', { 'gatehouse-device': token }))).toMatchObject({ code: 'RATE_LIMITED' });
    // Re-bound to the victim, the signature unchanged.
    const rebound = token.replace(owner.user.id, victim.user.id);
    expect(outcome(await login(victim.email, PASSWORD, '198.51.100.4', { 'gatehouse-device': rebound }))).toMatchObject({ code: 'RATE_LIMITED' });

    await lockAccount(owner.email);
    const [version, userId, issuedAt, device, signature] = token.split('.') as [string, string, string, string, string];
    const flip = (text: string, at: number) => `${text.slice(0, at)}${text[at] === 'A' ? 'B' : 'A'}${text.slice(at + 1)}`;
    const altered = [
      [version, userId, String(Number(issuedAt) - 1), device, signature],
      [version, userId, issuedAt, flip(device, 3), signature],
      [version, userId, issuedAt, device, flip(signature, 10)],
      // The last character's two low bits are padding: the same bytes, another spelling.
      [version, userId, issuedAt, device, `${signature.slice(0, -1)}${String.fromCharCode(signature.charCodeAt(42) ^ 1)}`],
      ['d2', userId, issuedAt, device, signature],
    ].map((parts) => parts.join('.'));
    for (const forged of [...altered, 'garbage', '']) {
      expect(outcome(await login(owner.email, PASSWORD, '198.51.100.4', { 'gatehouse-device': forged }))).toMatchObject({ code: 'RATE_LIMITED' });
    }
    // Not vacuous: the genuine token still opens the owner's locked account.
    expect(outcome(await login(owner.email, PASSWORD, '198.51.100.4', { 'gatehouse-device': token }))).toBe('OK');
  });

  it('have their own failure limit (LOGIN_MAX_FAILURES), the right password then refused alike', async () => {
    const user = await signUpUser(app);
    const token = deviceTokenOf(await login(user.email, PASSWORD, '198.51.100.5'));
    const withToken = { 'gatehouse-device': token };
    for (let attempt = 0; attempt < 5; attempt++) {
      expect(outcome(await login(user.email, `guess ${attempt}`, '198.51.100.5', withToken))).toEqual(INVALID);
    }
    expect(outcome(await login(user.email, PASSWORD, '198.51.100.5', withToken))).toMatchObject({ code: 'RATE_LIMITED' });
    expect(outcome(await login(user.email, 'guess 6', '198.51.100.5', withToken))).toMatchObject({ code: 'RATE_LIMITED' });
    // The device's failures did not count against the address: without the token it still signs in.
    expect(outcome(await login(user.email, PASSWORD, '198.51.100.5'))).toBe('OK');
  });
});

describe('device tokens behind a shared address', () => {
  // Its own address: no other test's failures from 127.0.0.1 count towards its limit.
  const shared = useTestApp({ LOGIN_MAX_FAILURES_PER_IP: '5', TRUST_PROXY: '127.0.0.1' });
  const address = `198.18.${Math.floor(Math.random() * 256)}.${Math.floor(Math.random() * 256)}`;
  const from = (headers: Record<string, string> = {}) => ({ headers: { 'x-forwarded-for': address, ...headers } });

  it('let a recognised device sign in although the address is locked by others', async () => {
    const user = await signUpUser(shared);
    const token = deviceTokenOf(await shared.graphql(LOGIN, { email: user.email, password: PASSWORD }, from()));
    // Someone else behind the same address sprays passwords at other emails.
    for (let attempt = 0; attempt < 5; attempt++) {
      await shared.graphql(LOGIN, { email: `sprayed-${attempt}@example.com`, password: 'Summer2024!' }, from());
    }
    expect(outcome(await shared.graphql(LOGIN, { email: user.email, password: PASSWORD }, from()))).toMatchObject({ code: 'RATE_LIMITED' });
    expect(outcome(await shared.graphql(LOGIN, { email: user.email, password: PASSWORD }, from({ 'gatehouse-device': token })))).toBe('OK');
  });
});
