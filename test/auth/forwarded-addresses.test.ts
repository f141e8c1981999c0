import { describe, expect, it } from '@jest/globals';
import { LOGIN, outcome, PASSWORD, signUpUser, useTestApp } from '../helpers/test-app.js';

// The test client is the trusted proxy; LOGIN_MAX_FAILURES is 5 per (email, address).
const app = useTestApp({ TRUST_PROXY: '127.0.0.1' });
const INVALID = { code: 'UNAUTHENTICATED', reason: 'INVALID_CREDENTIALS' };

async function loginFrom(forwardedFor: string, email: string, password: string) {
  return outcome(await app.graphql(LOGIN, { email, password }, { headers: { 'x-forwarded-for': forwardedFor } }));
}

describe('forwarded client addresses (TRUST_PROXY)', () => {
  it.each([
    ['with a different port each time', (n: number) => `203.0.113.9:${40_000 + n}`],
    ['in IPv6 spellings within one /64', (n: number) => (n % 2 === 0 ? `[2001:DB8::${n}]:443` : `2001:db8:0:0::${n}`)],
    ['IPv4-mapped or not', (n: number) => (n % 2 === 0 ? '::ffff:203.0.113.10' : '203.0.113.10')],
  ])('count one client written %s as one', async (_label, spelling) => {
    const user = await signUpUser(app);
    for (let n = 0; n < 5; n++) expect(await loginFrom(spelling(n), user.email, 'wrong guess')).toEqual(INVALID);
    expect(await loginFrom(spelling(5), user.email, PASSWORD)).toMatchObject({ code: 'RATE_LIMITED' });
  });

  it.each([
    ['leading zeros', (n: number) => `203.0.113.${'0'.repeat(n + 1)}9`],
    ['garbage', (n: number) => `garbage-${n}`],
    ['"unknown" and obfuscated nodes', (n: number) => (n % 2 === 0 ? 'unknown' : `_hidden${n}`)],
  ])('ignore entries that are not addresses (%s): they count as the proxy that sent them', async (_label, spelling) => {
    const user = await signUpUser(app);
    for (let n = 0; n < 5; n++) expect(await loginFrom(spelling(n), user.email, 'wrong guess')).toEqual(INVALID);
    // No fresh counter per spelling: the next attempt from any unreadable entry is limited...
    expect(await loginFrom(spelling(5), user.email, PASSWORD)).toMatchObject({ code: 'RATE_LIMITED' });
    // ...while a client the proxy names properly keeps its own.
    expect(await loginFrom('198.51.100.20', user.email, PASSWORD)).toBe('OK');
  });
});
