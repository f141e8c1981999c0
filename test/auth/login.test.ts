import { performance } from 'node:perf_hooks';
import { describe, expect, it } from '@jest/globals';
import { LOGIN, ME, signUpUser, uniqueEmail, useTestApp } from '../helpers/test-app.js';

// The timing test below fails 7 logins for one email: more than the default limit.
const app = useTestApp({ LOGIN_MAX_FAILURES: '10' });

describe('login', () => {
  it('returns a new session for a registered email in any case, with surrounding spaces', async () => {
    const user = await signUpUser(app, uniqueEmail('Bob'));
    const { status, body } = await app.graphql(LOGIN, {
      email: `  ${user.email.toUpperCase()} `,
      password: user.password,
    });

    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data!.login).toMatchObject({
      tokenType: 'Bearer',
      expiresIn: 900,
      user: { id: user.user.id, email: user.email.toLowerCase(), role: 'USER' },
    });
    expect(body.data!.login.refreshToken).not.toBe(user.refreshToken);

    const me = await app.graphql(ME, {}, { token: body.data!.login.accessToken });
    expect(me.body.data!.me.id).toBe(user.user.id);
  });

  it('answers an unknown email and a wrong password with the same error', async () => {
    const user = await signUpUser(app);
    const wrongPassword = await app.graphql(LOGIN, { email: user.email, password: 'wrong password' });
    const unknownEmail = await app.graphql(LOGIN, { email: uniqueEmail('nobody'), password: user.password });

    for (const response of [wrongPassword, unknownEmail]) {
      expect(response.status).toBe(200);
      expect(response.body.data).toBeNull();
      expect(response.body.errors).toEqual([
        {
          message: 'The email or password is incorrect.',
          locations: expect.any(Array),
          path: ['login'],
          extensions: { code: 'UNAUTHENTICATED', reason: 'INVALID_CREDENTIALS' },
        },
      ]);
    }
  });

  it.each([
    ['an empty email', ''],
    ['a malformed email', 'not-an-email'],
  ])('answers %s with INVALID_CREDENTIALS, not an input error', async (_label, email) => {
    const { body } = await app.graphql(LOGIN, { email, password: 'whatever123' });
    expect(body.errors![0]!.extensions).toEqual({ code: 'UNAUTHENTICATED', reason: 'INVALID_CREDENTIALS' });
  });

  it('rejects an absurdly long password as INVALID_CREDENTIALS', async () => {
    const user = await signUpUser(app);
    const { body } = await app.graphql(LOGIN, { email: user.email, password: 'x'.repeat(50_000) });
    expect(body.errors![0]!.extensions).toEqual({ code: 'UNAUTHENTICATED', reason: 'INVALID_CREDENTIALS' });
  });

  it('takes similar time for an unknown email and a wrong password', async () => {
    const user = await signUpUser(app);
    const time = async (email: string) => {
      const started = performance.now();
      await app.graphql(LOGIN, { email, password: 'wrong password' });
      return performance.now() - started;
    };
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 7; i++) {
      known.push(await time(user.email));
      unknown.push(await time(uniqueEmail('ghost')));
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    const ratio = median(unknown) / median(known);
    // Both do one argon2id verification (~15 ms); skipping it would make the ratio ~0.1.
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });
});
