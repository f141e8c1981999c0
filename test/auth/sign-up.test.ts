import { describe, expect, it } from '@jest/globals';
import { PASSWORD, SIGN_UP, ME, uniqueEmail, useTestApp } from '../helpers/test-app.js';

const app = useTestApp();

describe('signUp', () => {
  it('creates a USER, starts a session and returns a token pair with the user', async () => {
    const email = uniqueEmail('ann');
    const { status, body } = await app.graphql(SIGN_UP, { email, password: PASSWORD, name: 'Ann' });

    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const payload = body.data!.signUp;
    expect(payload).toMatchObject({
      tokenType: 'Bearer',
      expiresIn: 900,
      user: { email, name: 'Ann', role: 'USER' },
    });
    expect(payload.accessToken.split('.')).toHaveLength(3);
    // Opaque, not a JWT.
    expect(payload.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Date(payload.user.createdAt).toISOString()).toBe(payload.user.createdAt);

    const me = await app.graphql(ME, {}, { token: payload.accessToken });
    expect(me.body.data!.me).toEqual(payload.user);
  });

  it('trims the email and stores it lower-cased (see test/auth/email-normalization.test.ts)', async () => {
    const email = uniqueEmail('Mixed.Case');
    const { body } = await app.graphql(SIGN_UP, { email: `  ${email}\t`, password: PASSWORD });
    expect(body.data!.signUp.user.email).toBe(email.toLowerCase());
  });

  it('treats a blank name as none', async () => {
    const { body } = await app.graphql(SIGN_UP, { email: uniqueEmail(), password: PASSWORD, name: '   ' });
    expect(body.data!.signUp.user.name).toBeNull();
  });

  it('accepts passwords of exactly 8 and exactly 256 characters', async () => {
    for (const password of ['abcabcab', 'b'.repeat(256)]) {
      const { body } = await app.graphql(SIGN_UP, { email: uniqueEmail(), password });
      expect(body.errors).toBeUndefined();
    }
  });

  it('counts password length in characters, not bytes or UTF-16 units', async () => {
    // 4 emoji are 8 UTF-16 units and 16 bytes, but only 4 characters.
    const short = await app.graphql(SIGN_UP, { email: uniqueEmail(), password: '🔑🔑🔑🔑' });
    expect(short.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'password' });
    // 256 emoji are 512 UTF-16 units, but 256 characters.
    const long = await app.graphql(SIGN_UP, { email: uniqueEmail(), password: '🔑'.repeat(256) });
    expect(long.body.errors).toBeUndefined();
  });

  it.each([
    ['an empty email', '', 'email'],
    ['an email without @', 'ann.example.com', 'email'],
    ['an email without a domain dot', 'ann@localhost', 'email'],
    ['an email with spaces inside', 'ann smith@example.com', 'email'],
    ['an email with two @', 'ann@@example.com', 'email'],
    ['an email over 254 characters', `${'a'.repeat(250)}@example.com`, 'email'],
    ['an email with a NUL character', 'ann\u0000@example.com', 'email'],
    ['an email with a right-to-left override', 'ann\u202E@example.com', 'email'],
    ['an email with a zero-width space', 'an\u200Bn@example.com', 'email'],
  ])('rejects %s with BAD_USER_INPUT on field "email"', async (_label, email, field) => {
    const { status, body } = await app.graphql(SIGN_UP, { email, password: PASSWORD });
    expect(status).toBe(200);
    expect(body.data).toBeNull();
    expect(body.errors).toHaveLength(1);
    expect(body.errors![0]).toMatchObject({
      message: 'Enter a valid email address.',
      path: ['signUp'],
      extensions: { code: 'BAD_USER_INPUT', field },
    });
  });

  it.each([
    ['shorter than 8 characters', 'a'.repeat(7), 'The password must be at least 8 characters long.'],
    ['longer than 256 characters', 'a'.repeat(257), 'The password must be at most 256 characters long.'],
    ['empty', '', 'The password must be at least 8 characters long.'],
  ])('rejects a password %s with BAD_USER_INPUT on field "password"', async (_label, password, message) => {
    const { body } = await app.graphql(SIGN_UP, { email: uniqueEmail(), password });
    expect(body.errors![0]).toMatchObject({
      message,
      extensions: { code: 'BAD_USER_INPUT', field: 'password' },
    });
  });

  it('answers a login with a NUL, bidi or zero-width character in the email as wrong credentials, not a server error', async () => {
    const login = 'mutation ($e: String!) { login(email: $e, password: "whatever it is") { accessToken } }';
    for (const email of ['ann\u0000@example.com', 'ann\u202E@example.com', 'an\u200Bn@example.com']) {
      const { body } = await app.graphql(login, { e: email });
      expect(body.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED', reason: 'INVALID_CREDENTIALS' });
    }
  });

  it('rejects a name over 100 characters with BAD_USER_INPUT on field "name"', async () => {
    const { body } = await app.graphql(SIGN_UP, {
      email: uniqueEmail(),
      password: PASSWORD,
      name: 'n'.repeat(101),
    });
    expect(body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'name' });
  });

  it('rejects an email already registered in any case, with BAD_USER_INPUT on field "email"', async () => {
    const email = uniqueEmail('taken');
    const first = await app.graphql(SIGN_UP, { email, password: PASSWORD });
    expect(first.body.errors).toBeUndefined();

    const again = await app.graphql(SIGN_UP, { email: ` ${email.toUpperCase()} `, password: PASSWORD });
    expect(again.body.data).toBeNull();
    expect(again.body.errors![0]).toMatchObject({
      message: 'This email address is already registered.',
      extensions: { code: 'BAD_USER_INPUT', field: 'email', reason: 'EMAIL_TAKEN' },
    });
  });

  it('lets only one of several concurrent sign-ups with one email succeed', async () => {
    const email = uniqueEmail('race');
    const responses = await Promise.all(
      Array.from({ length: 5 }, () => app.graphql(SIGN_UP, { email, password: PASSWORD })),
    );
    const codes = responses.map((r) => r.body.errors?.[0]?.extensions?.code ?? 'OK').sort();
    expect(codes).toEqual(['BAD_USER_INPUT', 'BAD_USER_INPUT', 'BAD_USER_INPUT', 'BAD_USER_INPUT', 'OK']);
  });

  it('rejects a missing argument as GraphQL validation, not a server error', async () => {
    const { status, body } = await app.graphql('mutation { signUp(email: "a@b.co") { accessToken } }');
    expect(status).toBe(400);
    expect(body.errors![0]!.extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});
