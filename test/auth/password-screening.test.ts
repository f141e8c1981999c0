import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { logIn } from '../helpers/actors.js';
import { outcome, PASSWORD, SIGN_UP, signUpUser, uniqueEmail, useTestApp } from '../helpers/test-app.js';

const app = useTestApp();

const CHANGE_PASSWORD = /* GraphQL */ `
  mutation ($currentPassword: String!, $newPassword: String!) {
    changePassword(currentPassword: $currentPassword, newPassword: $newPassword) { accessToken }
  }
`;

describe('password screening', () => {
  it.each([
    ['password1', 'password1'],
    ['qwerty123', 'qwerty123'],
    ['iloveyou', 'iloveyou'],
    ['a listed password in another case', 'PassWord1'],
    ['a listed password in full-width letters', 'ｐａｓｓｗｏｒｄ１'],
    ['eight repeated letters', 'aaaaaaaa'],
  ])('refuses %s at sign-up with PASSWORD_TOO_COMMON on "password"', async (_label, password) => {
    const email = uniqueEmail();
    const response = await app.graphql(SIGN_UP, { email, password });
    expect(outcome(response)).toEqual({ code: 'BAD_USER_INPUT', reason: 'PASSWORD_TOO_COMMON', field: 'password' });
    expect(response.body.data).toBeNull();
    // Nothing was created: the address is still free.
    expect(outcome(await app.graphql(SIGN_UP, { email, password: PASSWORD }))).toBe('OK');
  });

  it.each([
    ['the whole address', (email: string) => `my ${email} pw`],
    ['the local part', (email: string) => `${email.split('@')[0]}!2024`],
    ['the local part in capitals', (email: string) => `X${email.split('@')[0]!.toUpperCase()}X`],
  ])('refuses a password holding %s with PASSWORD_CONTAINS_EMAIL', async (_label, passwordFor) => {
    const email = uniqueEmail('screened');
    const response = await app.graphql(SIGN_UP, { email, password: passwordFor(email) });
    expect(outcome(response)).toEqual({ code: 'BAD_USER_INPUT', reason: 'PASSWORD_CONTAINS_EMAIL', field: 'password' });
  });

  it('accepts a password that is neither common nor about the email', async () => {
    const response = await app.graphql(SIGN_UP, { email: uniqueEmail('screened'), password: 'lantern orbit 42 quietly' });
    expect(outcome(response)).toBe('OK');
  });

  it('does not look for a local part shorter than 3 characters, only for the whole address', async () => {
    const email = `al@${randomUUID().slice(0, 8)}.example.com`;
    // "al" is in "totally": looking for it would refuse most passwords.
    expect(outcome(await app.graphql(SIGN_UP, { email, password: 'totally fine secret' }))).toBe('OK');
    const other = `al@${randomUUID().slice(0, 8)}.example.com`;
    const holding = await app.graphql(SIGN_UP, { email: other, password: `${other} secret` });
    expect(outcome(holding)).toEqual({ code: 'BAD_USER_INPUT', reason: 'PASSWORD_CONTAINS_EMAIL', field: 'password' });
  });

  it('refuses a common or email-holding newPassword in changePassword, and keeps the old password', async () => {
    const email = uniqueEmail('changer');
    const { accessToken } = await signUpUser(app, email);
    const common = await app.graphql(CHANGE_PASSWORD, { currentPassword: PASSWORD, newPassword: 'Password123' }, { token: accessToken });
    expect(outcome(common)).toEqual({ code: 'BAD_USER_INPUT', reason: 'PASSWORD_TOO_COMMON', field: 'newPassword' });
    const holding = await app.graphql(
      CHANGE_PASSWORD,
      { currentPassword: PASSWORD, newPassword: `${email.toUpperCase()}-2` },
      { token: accessToken },
    );
    expect(outcome(holding)).toEqual({ code: 'BAD_USER_INPUT', reason: 'PASSWORD_CONTAINS_EMAIL', field: 'newPassword' });
    await expect(logIn(app, email, PASSWORD)).resolves.toMatchObject({ user: { email } });
    const accepted = await app.graphql(CHANGE_PASSWORD, { currentPassword: PASSWORD, newPassword: 'lantern orbit 42 quietly' }, { token: accessToken });
    expect(outcome(accepted)).toBe('OK');
  });
});
