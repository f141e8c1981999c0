import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { adminEnv, asAdmin } from '../helpers/actors.js';
import { LOGIN, ME, PASSWORD, signUpUser, startTestApp, uniqueEmail, type TestApp } from '../helpers/test-app.js';
import { CHANGE_PASSWORD, modulesWithEmail, REQUEST_PASSWORD_RESET, RESET_PASSWORD, useMailingApp } from '../helpers/email-operations.js';
import { tokenIn } from '../helpers/smtp-listener.js';

const APP_URL = 'https://app.example.test';
const NEW_PASSWORD = 'a brand new passphrase';

const { app, smtp } = useMailingApp(
  { ...adminEnv(), APP_URL, MAIL_FROM: 'Gatehouse Tests <robot@gatehouse.test>' },
  { tokenLifetimesMs: {} },
);

async function requestReset(email: string) {
  const response = await app.graphql(REQUEST_PASSWORD_RESET, { email });
  expect(response.body).toEqual({ data: { requestPasswordReset: true } });
}

async function resetLinkFor(email: string) {
  const before = smtp.mails.length;
  await requestReset(email);
  const mail = await smtp.waitFor((m) => smtp.mails.indexOf(m) >= before && m.to.includes(email) && m.subject === 'Reset your password');
  return { mail, token: tokenIn(mail, 'reset-password') };
}

describe('requestPasswordReset', () => {
  it('mails a reset link to a registered address, from MAIL_FROM, with the token in the fragment of an APP_URL link', async () => {
    const user = await signUpUser(app);
    const { mail, token } = await resetLinkFor(user.email);
    expect(mail.to).toEqual([user.email]);
    expect(mail.from).toBe('robot@gatehouse.test');
    expect(mail.body).toContain(`${APP_URL}/reset-password#token=${token}`);
    expect(Buffer.from(token, 'base64url').length).toBeGreaterThanOrEqual(16);
    // Both bodies: the plain text and the HTML part.
    expect(mail.body).toMatch(/Content-Type: text\/plain/i);
    expect(mail.body).toMatch(/Content-Type: text\/html/i);
  });

  it('answers true for an unknown address and mails nothing there', async () => {
    const unknown = uniqueEmail('nobody');
    await requestReset(unknown);
    // A mail requested afterwards arrives: had the unknown address been mailed, it would be there by then.
    const user = await signUpUser(app);
    await resetLinkFor(user.email);
    expect(smtp.mails.filter((mail) => mail.to.includes(unknown))).toEqual([]);
  });
});

describe('resetPassword', () => {
  it('sets the password, ends every session, starts a new one and mails a notice', async () => {
    const user = await signUpUser(app);
    const { token } = await resetLinkFor(user.email);
    const response = await app.graphql(RESET_PASSWORD, { token, newPassword: NEW_PASSWORD });
    expect(response.body.errors).toBeUndefined();
    const payload = response.body.data!.resetPassword;
    expect(payload.user).toEqual({ id: user.user.id, email: user.email, emailVerified: true });

    // The session of before is over, the new one works.
    const old = await app.graphql(ME, {}, { token: user.accessToken });
    expect(old.status).toBe(401);
    expect(old.body.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'SESSION_REVOKED' });
    expect((await app.graphql(ME, {}, { token: payload.accessToken })).body.data?.me).toMatchObject({ id: user.user.id });

    // The old password stops working at once; the new one works.
    const oldLogin = await app.graphql(LOGIN, { email: user.email, password: PASSWORD });
    expect(oldLogin.body.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'INVALID_CREDENTIALS' });
    expect((await app.graphql(LOGIN, { email: user.email, password: NEW_PASSWORD })).body.data?.login).toBeTruthy();

    const notice = await smtp.waitFor((mail) => mail.to.includes(user.email) && mail.subject === 'Your password was reset');
    expect(notice.body).not.toMatch(/#token=/);
  });

  it('refuses a used link with EMAIL_TOKEN_INVALID on "token"', async () => {
    const user = await signUpUser(app);
    const { token } = await resetLinkFor(user.email);
    expect((await app.graphql(RESET_PASSWORD, { token, newPassword: NEW_PASSWORD })).body.errors).toBeUndefined();
    const again = await app.graphql(RESET_PASSWORD, { token, newPassword: 'yet another passphrase' });
    expect(again.body.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'token', reason: 'EMAIL_TOKEN_INVALID' });
    expect(again.body.data).toBeNull();
  });

  it('refuses a link replaced by a newer one, and takes the newer', async () => {
    const user = await signUpUser(app);
    const first = await resetLinkFor(user.email);
    const second = await resetLinkFor(user.email);
    expect(second.token).not.toBe(first.token);
    const old = await app.graphql(RESET_PASSWORD, { token: first.token, newPassword: NEW_PASSWORD });
    expect(old.body.errors?.[0]?.extensions).toMatchObject({ field: 'token', reason: 'EMAIL_TOKEN_INVALID' });
    expect((await app.graphql(RESET_PASSWORD, { token: second.token, newPassword: NEW_PASSWORD })).body.errors).toBeUndefined();
  });

  it.each([
    ['a made-up token', 'x'.repeat(43)],
    ['an empty token', ''],
  ])('refuses %s with EMAIL_TOKEN_INVALID', async (_label, token) => {
    const response = await app.graphql(RESET_PASSWORD, { token, newPassword: NEW_PASSWORD });
    expect(response.body.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'token', reason: 'EMAIL_TOKEN_INVALID' });
  });

  it('refuses a new password shorter than 8 characters on "newPassword", leaving the link usable', async () => {
    const user = await signUpUser(app);
    const { token } = await resetLinkFor(user.email);
    const response = await app.graphql(RESET_PASSWORD, { token, newPassword: 'short' });
    expect(response.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'newPassword' });
    expect((await app.graphql(RESET_PASSWORD, { token, newPassword: NEW_PASSWORD })).body.errors).toBeUndefined();
  });
});

describe('changePassword', () => {
  it('mails a "password changed" notice, without a link', async () => {
    const user = await signUpUser(app);
    const response = await app.graphql(CHANGE_PASSWORD, { currentPassword: PASSWORD, newPassword: NEW_PASSWORD }, { token: user.accessToken });
    expect(response.body.errors).toBeUndefined();
    const notice = await smtp.waitFor((mail) => mail.to.includes(user.email) && mail.subject === 'Your password was changed');
    expect(notice.body).not.toMatch(/#token=/);
  });

  it('mails nothing when the current password is wrong', async () => {
    const user = await signUpUser(app);
    const response = await app.graphql(CHANGE_PASSWORD, { currentPassword: 'not the password', newPassword: NEW_PASSWORD }, { token: user.accessToken });
    expect(response.body.errors?.[0]?.extensions).toMatchObject({ reason: 'INVALID_CREDENTIALS' });
    // A later mail to the same address arrives alone.
    await resetLinkFor(user.email);
    expect(smtp.mails.filter((mail) => mail.to.includes(user.email)).map((mail) => mail.subject)).toEqual(['Reset your password']);
  });
});

describe('resetPassword refusals and its audit event', () => {
  const MY_EVENTS = '{ mySecurityEvents { edges { node { kind userId } } } }';

  it('screens the new password like a sign-up (PASSWORD_TOO_COMMON on newPassword), and the link stays usable', async () => {
    const user = await signUpUser(app);
    const { token } = await resetLinkFor(user.email);
    const common = await app.graphql(RESET_PASSWORD, { token, newPassword: 'password123' });
    expect(common.body.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'newPassword', reason: 'PASSWORD_TOO_COMMON' });
    const withEmail = await app.graphql(RESET_PASSWORD, { token, newPassword: `my ${user.email} secret` });
    expect(withEmail.body.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'newPassword', reason: 'PASSWORD_CONTAINS_EMAIL' });
    // Nothing was spent: the old password still works, and the link still resets.
    expect((await app.graphql(LOGIN, { email: user.email, password: PASSWORD })).body.data?.login).toBeTruthy();
    expect((await app.graphql(RESET_PASSWORD, { token, newPassword: NEW_PASSWORD })).body.errors).toBeUndefined();
  });

  it("records PASSWORD_RESET in the user's security events", async () => {
    const user = await signUpUser(app);
    const { token } = await resetLinkFor(user.email);
    const reset = await app.graphql(RESET_PASSWORD, { token, newPassword: NEW_PASSWORD });
    const events = await app.graphql(MY_EVENTS, {}, { token: reset.body.data!.resetPassword.accessToken });
    const kinds = events.body.data!.mySecurityEvents.edges.map((edge: { node: { kind: string } }) => edge.node.kind);
    expect(kinds[0]).toBe('PASSWORD_RESET');
  });

  it('refuses a valid link of a disabled account with ACCOUNT_DISABLED and leaves the password as it was', async () => {
    const user = await signUpUser(app);
    const { token } = await resetLinkFor(user.email);
    const admin = await asAdmin(app);
    const disable = await app.graphql(
      'mutation ($id: ID!) { setUserDisabled(userId: $id, disabled: true) { id } }',
      { id: user.user.id },
      { token: admin.accessToken },
    );
    expect(disable.body.errors).toBeUndefined();
    const response = await app.graphql(RESET_PASSWORD, { token, newPassword: NEW_PASSWORD });
    expect(response.body.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'ACCOUNT_DISABLED' });
    const login = await app.graphql(LOGIN, { email: user.email, password: NEW_PASSWORD });
    expect(login.body.errors?.[0]?.extensions).toMatchObject({ reason: 'INVALID_CREDENTIALS' });
  });
});

describe('an expired reset link', () => {
  let shortLived: TestApp;
  beforeAll(async () => {
    shortLived = await startTestApp({ SMTP_URL: smtp.url, APP_URL }, { modules: modulesWithEmail({ tokenLifetimesMs: { 'reset-password': 300 } }) });
  });
  afterAll(() => shortLived?.stop());

  it('is refused with EMAIL_TOKEN_EXPIRED, and the password stays', async () => {
    const user = await signUpUser(shortLived);
    const before = smtp.mails.length;
    await shortLived.graphql(REQUEST_PASSWORD_RESET, { email: user.email });
    const mail = await smtp.waitFor((m) => smtp.mails.indexOf(m) >= before && m.to.includes(user.email));
    await new Promise((resolve) => setTimeout(resolve, 400));
    const response = await shortLived.graphql(RESET_PASSWORD, { token: tokenIn(mail, 'reset-password'), newPassword: NEW_PASSWORD });
    expect(response.body.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'token', reason: 'EMAIL_TOKEN_EXPIRED' });
    expect((await shortLived.graphql(LOGIN, { email: user.email, password: PASSWORD })).body.data?.login).toBeTruthy();
  });
});
