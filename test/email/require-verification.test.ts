import { describe, expect, it } from '@jest/globals';
import { adminEnv, asAdmin, setRole } from '../helpers/actors.js';
import { REQUEST_EMAIL_VERIFICATION, REQUEST_PASSWORD_RESET, RESET_PASSWORD, VERIFY_EMAIL } from '../helpers/email-operations.js';
import { CREATE_POST } from '../helpers/operations.js';
import { REFRESH, signUpUser, startTestApp, useTestApp, withTestApp, type TestApp } from '../helpers/test-app.js';
import { claimsOf } from '../helpers/token-claims.js';
import { describeWithPostgres } from '../helpers/describe-with-postgres.js';

interface DevMail {
  to: string;
  subject: string;
  text: string;
}

const USERS = /* GraphQL */ `query { users(first: 1) { totalCount } }`;
const ME_VERIFIED = /* GraphQL */ `query { me { emailVerified } }`;
const NOT_VERIFIED = { code: 'FORBIDDEN', reason: 'EMAIL_NOT_VERIFIED' };

/** The tokens of the kept mail (/dev/mail.json) to `email` whose links go to `path`, newest first. */
async function mailedTokens(app: Pick<TestApp, 'url'>, email: string, path: 'verify-email' | 'reset-password'): Promise<string[]> {
  const pattern = new RegExp(`/${path}#token=([A-Za-z0-9_-]+)`);
  const mails = (await (await fetch(`${app.url}/dev/mail.json`)).json()) as DevMail[];
  return mails.filter((mail) => mail.to === email).flatMap((mail) => mail.text.match(pattern)?.[1] ?? []);
}

/** Runs `ask` and returns the token of the link it has mailed (the mail is written just after the answer). */
async function newToken(app: TestApp, email: string, path: 'verify-email' | 'reset-password', ask: () => Promise<unknown>): Promise<string> {
  const before = new Set(await mailedTokens(app, email, path));
  await ask();
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const token = (await mailedTokens(app, email, path)).find((candidate) => !before.has(candidate));
    if (token !== undefined) return token;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no new ${path} mail to ${email}`);
}

async function verify(app: TestApp, user: { email: string; accessToken: string }): Promise<void> {
  // requestEmailVerification mails nothing for an address already verified.
  if ((await app.graphql(ME_VERIFIED, {}, { token: user.accessToken })).body.data?.me.emailVerified === true) return;
  const token = await newToken(app, user.email, 'verify-email', async () => {
    expect((await app.graphql(REQUEST_EMAIL_VERIFICATION, {}, { token: user.accessToken })).body).toEqual({ data: { requestEmailVerification: true } });
  });
  const response = await app.graphql(VERIFY_EMAIL, { token });
  expect(response.body.data?.verifyEmail.emailVerified).toBe(true);
}

describe('REQUIRE_EMAIL_VERIFICATION=true', () => {
  const admin = adminEnv();
  const app = useTestApp({ REQUIRE_EMAIL_VERIFICATION: 'true', ...admin });

  it('gives an unverified user scope read: reads work, writes are FORBIDDEN with reason EMAIL_NOT_VERIFIED', async () => {
    const user = await signUpUser(app);
    expect(claimsOf(user.accessToken).scope).toBe('read');
    expect((await app.graphql(ME_VERIFIED, {}, { token: user.accessToken })).body).toEqual({ data: { me: { emailVerified: false } } });
    const write = await app.graphql(CREATE_POST, { title: 't', body: 'b' }, { token: user.accessToken });
    expect(write.body.data).toBeNull();
    expect(write.body.errors?.[0]?.extensions).toEqual(NOT_VERIFIED);
    // A refresh re-reads verification: still read.
    const refreshed = await app.graphql(REFRESH, { refreshToken: user.refreshToken });
    expect(claimsOf(refreshed.body.data?.refreshToken.accessToken).scope).toBe('read');
  });

  it('lifts the limit once verifyEmail is used: the same token writes on its next request, a refresh says "read write"', async () => {
    const user = await signUpUser(app);
    await verify(app, user);
    const write = await app.graphql(CREATE_POST, { title: 't', body: 'b' }, { token: user.accessToken });
    expect(write.body.errors).toBeUndefined();
    expect(write.body.data?.createPost.id).toEqual(expect.any(String));
    const refreshed = await app.graphql(REFRESH, { refreshToken: user.refreshToken });
    expect(claimsOf(refreshed.body.data?.refreshToken.accessToken).scope).toBe('read write');
    // And stays lifted on the next rotation.
    const again = await app.graphql(REFRESH, { refreshToken: refreshed.body.data?.refreshToken.refreshToken });
    expect(claimsOf(again.body.data?.refreshToken.accessToken).scope).toBe('read write');
  });

  it('verifies the address through a password reset link: the reset session has the full scope', async () => {
    const user = await signUpUser(app);
    const token = await newToken(app, user.email, 'reset-password', () => app.graphql(REQUEST_PASSWORD_RESET, { email: user.email }));
    const response = await app.graphql(RESET_PASSWORD, { token, newPassword: 'a brand new passphrase' });
    expect(response.body.data?.resetPassword.user.emailVerified).toBe(true);
    expect(claimsOf(response.body.data?.resetPassword.accessToken).scope).toBe('read write');
  });

  it('holds an unverified ADMIN to read too (no admin scope), with the reason; verified, the admin works', async () => {
    const signedIn = await asAdmin(app);
    expect(claimsOf(signedIn.accessToken).scope).toBe('read');
    const refused = await app.graphql(USERS, {}, { token: signedIn.accessToken });
    expect(refused.body.errors?.[0]?.extensions).toEqual(NOT_VERIFIED);
    await verify(app, { email: admin.ADMIN_EMAIL, accessToken: signedIn.accessToken });
    expect((await app.graphql(USERS, {}, { token: signedIn.accessToken })).body.errors).toBeUndefined();
  });

  it('gives a VIEWER no reason to verify: its role never grants write, so FORBIDDEN stays plain', async () => {
    const adminToken = (await asAdmin(app)).accessToken;
    await verify(app, { email: admin.ADMIN_EMAIL, accessToken: adminToken });
    const user = await signUpUser(app);
    await setRole(app, adminToken, user.user.id, 'VIEWER');
    const unverified = await app.graphql(CREATE_POST, { title: 't', body: 'b' }, { token: user.accessToken });
    expect(unverified.body.errors?.[0]?.extensions).toEqual({ code: 'FORBIDDEN' });
    await verify(app, user);
    const verified = await app.graphql(CREATE_POST, { title: 't', body: 'b' }, { token: user.accessToken });
    expect(verified.body.errors?.[0]?.extensions).toEqual({ code: 'FORBIDDEN' });
  });
});

describe('REQUIRE_EMAIL_VERIFICATION unset (the default)', () => {
  it('gives an unverified user the full scope of the role', async () => {
    await withTestApp({}, async (app) => {
      const user = await signUpUser(app);
      expect(claimsOf(user.accessToken).scope).toBe('read write');
      const write = await app.graphql(CREATE_POST, { title: 't', body: 'b' }, { token: user.accessToken });
      expect(write.body.errors).toBeUndefined();
    });
  });
});

describeWithPostgres('REQUIRE_EMAIL_VERIFICATION across instances', () => {
  it('lifts the limit on another instance within 1 s of verifyEmail', async () => {
    const first = await startTestApp({ REQUIRE_EMAIL_VERIFICATION: 'true' });
    const second = await startTestApp({ REQUIRE_EMAIL_VERIFICATION: 'true', JWT_SECRET: first.jwtSecret, DATABASE_URL: first.databaseUrl! });
    try {
      const user = await signUpUser(first);
      const before = await second.graphql(CREATE_POST, { title: 't', body: 'b' }, { token: user.accessToken });
      expect(before.body.errors?.[0]?.extensions).toEqual(NOT_VERIFIED);
      await verify(first, user);
      const verifiedAt = Date.now();
      let answer = before;
      while (answer.body.errors !== undefined && Date.now() - verifiedAt < 1_000) {
        answer = await second.graphql(CREATE_POST, { title: 't', body: 'b' }, { token: user.accessToken });
      }
      expect(answer.body.errors).toBeUndefined();
    } finally {
      await second.stop();
      await first.stop();
    }
  });
});
