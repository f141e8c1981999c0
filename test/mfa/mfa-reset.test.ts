import { describe, expect, it } from '@jest/globals';
import { REQUEST_PASSWORD_RESET, useMailingApp } from '../helpers/email-operations.js';
import { signUpWithMfa, totpCode, VERIFY_MFA } from '../helpers/mfa-operations.js';
import { tokenIn } from '../helpers/smtp-listener.js';
import { claimsOf } from '../helpers/token-claims.js';
import { outcome } from '../helpers/test-app.js';

const RESET_PASSWORD = /* GraphQL */ `
  mutation ResetPassword($token: String!, $newPassword: String!) {
    resetPassword(token: $token, newPassword: $newPassword) { accessToken refreshToken mfaRequired user { id } }
  }
`;

const { app, smtp } = useMailingApp({}, { tokenLifetimesMs: {} });

describe('resetPassword with MFA on', () => {
  it('sets the password but the new session still owes the second factor', async () => {
    const user = await signUpWithMfa(app);
    const before = smtp.mails.length;
    expect((await app.graphql(REQUEST_PASSWORD_RESET, { email: user.email })).body).toEqual({ data: { requestPasswordReset: true } });
    const mail = await smtp.waitFor((m) => smtp.mails.indexOf(m) >= before && m.to.includes(user.email) && m.subject === 'Reset your password');
    const response = await app.graphql(RESET_PASSWORD, { token: tokenIn(mail, 'reset-password'), newPassword: 'a brand new passphrase' });
    expect(response.body.errors).toBeUndefined();
    const payload = response.body.data!.resetPassword as { accessToken: string; mfaRequired: boolean };
    expect(payload.mfaRequired).toBe(true);
    expect(claimsOf(payload.accessToken)).toMatchObject({ scope: 'mfa', aal: 1 });
    const sessions = await app.graphql('{ mySessions { id } }', {}, { token: payload.accessToken });
    expect(outcome(sessions)).toMatchObject({ code: 'FORBIDDEN', reason: 'MFA_REQUIRED' });

    const verified = await app.graphql(VERIFY_MFA, { code: totpCode(user.secret, user.at, 1) }, { token: payload.accessToken });
    expect(verified.body.errors).toBeUndefined();
    const upgraded = verified.body.data!.verifyMfa as { accessToken: string; mfaRequired: boolean };
    expect(upgraded.mfaRequired).toBe(false);
    expect(claimsOf(upgraded.accessToken)).toMatchObject({ sid: claimsOf(payload.accessToken).sid, aal: 2, amr: ['pwd', 'otp'] });
  });
});
