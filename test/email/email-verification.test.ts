import { describe, expect, it } from '@jest/globals';
import { LOGIN, PASSWORD, signUpUser, uniqueEmail } from '../helpers/test-app.js';
import { CHANGE_EMAIL, REQUEST_EMAIL_VERIFICATION, useMailingApp, VERIFY_EMAIL } from '../helpers/email-operations.js';
import { createPost } from '../helpers/operations.js';
import { tokenIn } from '../helpers/smtp-listener.js';

const APP_URL = 'https://app.example.test/';
const ME_VERIFIED = /* GraphQL */ `query { me { email emailVerified } }`;
const MY_EVENTS = /* GraphQL */ `query { mySecurityEvents { edges { node { kind } } } }`;

/** The kinds of the caller's own audit events. */
async function eventKinds(accessToken: string): Promise<string[]> {
  const response = await app.graphql(MY_EVENTS, {}, { token: accessToken });
  expect(response.body.errors).toBeUndefined();
  return (response.body.data?.mySecurityEvents.edges as Array<{ node: { kind: string } }>).map((edge) => edge.node.kind);
}

const { app, smtp } = useMailingApp({ APP_URL }, { tokenLifetimesMs: {} });

async function verificationLink(user: { email: string; accessToken: string }) {
  const before = smtp.mails.length;
  const response = await app.graphql(REQUEST_EMAIL_VERIFICATION, {}, { token: user.accessToken });
  expect(response.body).toEqual({ data: { requestEmailVerification: true } });
  const mail = await smtp.waitFor((m) => smtp.mails.indexOf(m) >= before && m.to.includes(user.email));
  return { mail, token: tokenIn(mail, 'verify-email') };
}

describe('email verification', () => {
  it('starts unverified, mails a link to the current address, and verifies it for an anonymous caller', async () => {
    const user = await signUpUser(app);
    expect((await app.graphql(ME_VERIFIED, {}, { token: user.accessToken })).body.data?.me).toEqual({ email: user.email, emailVerified: false });
    const { mail, token } = await verificationLink(user);
    expect(await eventKinds(user.accessToken)).not.toContain('EMAIL_VERIFIED');
    expect(mail.subject).toBe('Verify your email address');
    // APP_URL's trailing slash is not doubled.
    expect(mail.body).toContain(`https://app.example.test/verify-email#token=${token}`);

    const response = await app.graphql(VERIFY_EMAIL, { token });
    expect(response.body).toEqual({ data: { verifyEmail: { id: user.user.id, email: user.email, emailVerified: true } } });
    expect((await app.graphql(ME_VERIFIED, {}, { token: user.accessToken })).body.data?.me).toEqual({ email: user.email, emailVerified: true });
    expect((await eventKinds(user.accessToken)).filter((kind) => kind === 'EMAIL_VERIFIED')).toHaveLength(1);

    const again = await app.graphql(VERIFY_EMAIL, { token });
    expect(again.body.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'token', reason: 'EMAIL_TOKEN_INVALID' });
  });

  it('needs a token to ask for a link', async () => {
    const response = await app.graphql(REQUEST_EMAIL_VERIFICATION);
    expect(response.body.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'TOKEN_MISSING' });
  });

  it('shows emailVerified like email: to the user, and null with FORBIDDEN to another user', async () => {
    const owner = await signUpUser(app);
    const other = await signUpUser(app);
    const postId = await createPost(app, owner.accessToken, { publish: true });
    const query = /* GraphQL */ `query($id: ID!) { post(id: $id) { author { id emailVerified } } }`;
    const own = await app.graphql(query, { id: postId }, { token: owner.accessToken });
    expect(own.body).toEqual({ data: { post: { author: { id: owner.user.id, emailVerified: false } } } });
    const response = await app.graphql(query, { id: postId }, { token: other.accessToken });
    expect(response.body.data).toEqual({ post: { author: { id: owner.user.id, emailVerified: null } } });
    expect(response.body.errors?.[0]).toMatchObject({ path: ['post', 'author', 'emailVerified'], extensions: { code: 'FORBIDDEN' } });
  });
});

describe('changeEmail', () => {
  it('mails a link to the new address, changes the address only when it is used, and tells the old address', async () => {
    const user = await signUpUser(app);
    const newEmail = uniqueEmail('moved');
    const before = smtp.mails.length;
    const response = await app.graphql(CHANGE_EMAIL, { newEmail, currentPassword: PASSWORD }, { token: user.accessToken });
    expect(response.body).toEqual({ data: { changeEmail: true } });
    const mail = await smtp.waitFor((m) => smtp.mails.indexOf(m) >= before && m.to.includes(newEmail));
    expect(mail.subject).toBe('Confirm your new email address');
    expect((await app.graphql(ME_VERIFIED, {}, { token: user.accessToken })).body.data?.me.email).toBe(user.email);
    expect(await eventKinds(user.accessToken)).not.toContain('EMAIL_CHANGED');

    const verified = await app.graphql(VERIFY_EMAIL, { token: tokenIn(mail, 'verify-email') });
    expect(verified.body).toEqual({ data: { verifyEmail: { id: user.user.id, email: newEmail, emailVerified: true } } });
    const notice = await smtp.waitFor((m) => m.to.includes(user.email) && m.subject === 'Your email address was changed');
    expect(notice.body).toContain(newEmail);
    expect(notice.body).not.toMatch(/#token=/);
    // The change is recorded once, as a change (not as a plain verification).
    const kinds = await eventKinds(user.accessToken);
    expect(kinds.filter((kind) => kind === 'EMAIL_CHANGED')).toHaveLength(1);
    expect(kinds).not.toContain('EMAIL_VERIFIED');
    expect((await app.graphql(LOGIN, { email: newEmail, password: PASSWORD })).body.data?.login).toBeTruthy();
    expect((await app.graphql(LOGIN, { email: user.email, password: PASSWORD })).body.errors?.[0]?.extensions).toMatchObject({ reason: 'INVALID_CREDENTIALS' });
  });

  it.each([
    ['an invalid new address', { newEmail: 'not-an-address', currentPassword: PASSWORD }, { code: 'BAD_USER_INPUT', field: 'newEmail' }],
    ['a wrong password', { newEmail: 'fresh@example.com', currentPassword: 'wrong password!' }, { code: 'UNAUTHENTICATED', reason: 'INVALID_CREDENTIALS' }],
  ])('refuses %s', async (_label, variables, extensions) => {
    const user = await signUpUser(app);
    const response = await app.graphql(CHANGE_EMAIL, variables, { token: user.accessToken });
    expect(response.body.errors?.[0]?.extensions).toMatchObject(extensions);
  });

  it('refuses an address another account has (EMAIL_TAKEN on newEmail) and the caller\'s own', async () => {
    const user = await signUpUser(app);
    const other = await signUpUser(app);
    const taken = await app.graphql(CHANGE_EMAIL, { newEmail: other.email.toUpperCase(), currentPassword: PASSWORD }, { token: user.accessToken });
    expect(taken.body.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'newEmail', reason: 'EMAIL_TAKEN' });
    const own = await app.graphql(CHANGE_EMAIL, { newEmail: user.email, currentPassword: PASSWORD }, { token: user.accessToken });
    expect(own.body.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'newEmail' });
  });

  it('refuses the link when another account took the address meanwhile, and leaves the address as it was', async () => {
    const user = await signUpUser(app);
    const newEmail = uniqueEmail('contested');
    const before = smtp.mails.length;
    await app.graphql(CHANGE_EMAIL, { newEmail, currentPassword: PASSWORD }, { token: user.accessToken });
    const mail = await smtp.waitFor((m) => smtp.mails.indexOf(m) >= before && m.to.includes(newEmail));
    await signUpUser(app, newEmail);
    const response = await app.graphql(VERIFY_EMAIL, { token: tokenIn(mail, 'verify-email') });
    expect(response.body.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'token', reason: 'EMAIL_TAKEN' });
    expect((await app.graphql(ME_VERIFIED, {}, { token: user.accessToken })).body.data?.me.email).toBe(user.email);
  });
});
