import { describe, expect, it } from '@jest/globals';
import { LOGIN, outcome, PASSWORD, signUpUser, useTestApp } from '../helpers/test-app.js';

// Behind a trusted proxy (the test client), X-Forwarded-For names each attacker's address.
const app = useTestApp({ TRUST_PROXY: '127.0.0.1' });
const ADDRESSES = 10;
const PER_ADDRESS = 5; // LOGIN_MAX_FAILURES: each address stays within its own limit

function from(address: string) {
  return { headers: { 'x-forwarded-for': address } };
}

describe('the per-account failure limit (LOGIN_MAX_FAILURES_PER_ACCOUNT, default 50)', () => {
  it('locks the account for every address once 50 failures came from many, and the right password does not show', async () => {
    const victim = await signUpUser(app);
    for (let address = 1; address <= ADDRESSES; address++) {
      for (let attempt = 0; attempt < PER_ADDRESS; attempt++) {
        const response = await app.graphql(LOGIN, { email: victim.email, password: `guess ${attempt}` }, from(`203.0.113.${address}`));
        expect(outcome(response)).toEqual({ code: 'UNAUTHENTICATED', reason: 'INVALID_CREDENTIALS' });
      }
    }
    // A fresh address, with the right password and with a wrong one: one answer.
    const right = await app.graphql(LOGIN, { email: victim.email, password: PASSWORD }, from('198.51.100.7'));
    const wrong = await app.graphql(LOGIN, { email: victim.email, password: 'another guess' }, from('198.51.100.8'));
    expect(right.body.data).toBeNull();
    expect(outcome(right)).toMatchObject({ code: 'RATE_LIMITED', retryAfter: expect.any(Number) });
    expect(outcome(wrong)).toMatchObject({ code: 'RATE_LIMITED' });
    for (const response of [right, wrong]) expect(response.body.errors![0]!.message).toMatch(/^Too many failed attempts\. Try again in \d+ seconds\.$/);
  });

  it('leaves other accounts alone', async () => {
    const other = await signUpUser(app);
    expect(outcome(await app.graphql(LOGIN, { email: other.email, password: PASSWORD }, from('198.51.100.7')))).toBe('OK');
  });
});
