import { randomInt } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { signUpUser, uniqueEmail, useTestApp } from '../helpers/test-app.js';
import { CHANGE_EMAIL, REQUEST_EMAIL_VERIFICATION, REQUEST_PASSWORD_RESET } from '../helpers/email-operations.js';
import { PASSWORD } from '../helpers/test-app.js';

describe('mail limits per address and kind', () => {
  const app = useTestApp();

  it.each([
    ['an unknown address', () => Promise.resolve(uniqueEmail('unknown'))],
    ['a registered address', async () => (await signUpUser(app)).email],
  ])('allow 5 resets an hour to %s, then RATE_LIMITED with retryAfter', async (_label, address) => {
    const email = await address();
    for (let i = 0; i < 5; i += 1) {
      expect((await app.graphql(REQUEST_PASSWORD_RESET, { email })).body).toEqual({ data: { requestPasswordReset: true } });
    }
    const response = await app.graphql(REQUEST_PASSWORD_RESET, { email: ` ${email.toUpperCase()} ` });
    expect(response.body.data).toBeNull();
    const extensions = response.body.errors?.[0]?.extensions;
    expect(extensions).toMatchObject({ code: 'RATE_LIMITED' });
    expect(extensions?.retryAfter).toBeGreaterThan(3_500);
    expect(extensions?.retryAfter).toBeLessThanOrEqual(3_600);
  });

  it('counts each kind apart: verification links after five resets still go out', async () => {
    const user = await signUpUser(app);
    for (let i = 0; i < 5; i += 1) await app.graphql(REQUEST_PASSWORD_RESET, { email: user.email });
    expect((await app.graphql(REQUEST_PASSWORD_RESET, { email: user.email })).body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED' });
    for (let i = 0; i < 5; i += 1) {
      expect((await app.graphql(REQUEST_EMAIL_VERIFICATION, {}, { token: user.accessToken })).body).toEqual({ data: { requestEmailVerification: true } });
    }
    expect((await app.graphql(REQUEST_EMAIL_VERIFICATION, {}, { token: user.accessToken })).body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('limits change links per new address', async () => {
    const target = uniqueEmail('target');
    for (let i = 0; i < 5; i += 1) {
      const user = await signUpUser(app);
      expect((await app.graphql(CHANGE_EMAIL, { newEmail: target, currentPassword: PASSWORD }, { token: user.accessToken })).body.errors).toBeUndefined();
    }
    const last = await signUpUser(app);
    const response = await app.graphql(CHANGE_EMAIL, { newEmail: target, currentPassword: PASSWORD }, { token: last.accessToken });
    expect(response.body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED' });
  });
});

describe('mail limits per client address', () => {
  // A client address of its own (through a trusted proxy's X-Forwarded-For): on a shared
  // PostgreSQL the loopback address's count spans the whole suite.
  const app = useTestApp({ MAIL_MAX_PER_IP: '3', TRUST_PROXY: '127.0.0.1' });
  const randomClient = () => ({ headers: { 'x-forwarded-for': `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}` } });
  const client = randomClient();

  it('allow MAIL_MAX_PER_IP mails an hour from one client, whatever the addresses, then RATE_LIMITED', async () => {
    for (let i = 0; i < 3; i += 1) {
      expect((await app.graphql(REQUEST_PASSWORD_RESET, { email: uniqueEmail('spray') }, client)).body.errors).toBeUndefined();
    }
    const response = await app.graphql(REQUEST_PASSWORD_RESET, { email: uniqueEmail('spray') }, client);
    expect(response.body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED' });
    expect(response.body.errors?.[0]?.extensions?.retryAfter).toBeGreaterThan(0);
    // Another client is not affected.
    let other = randomClient();
    while (other.headers['x-forwarded-for'] === client.headers['x-forwarded-for']) other = randomClient();
    expect((await app.graphql(REQUEST_PASSWORD_RESET, { email: uniqueEmail('spray') }, other)).body.errors).toBeUndefined();
  });
});
