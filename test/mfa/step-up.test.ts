import { describe, expect, it } from '@jest/globals';
import { signUpWithMfa, totpCode, VERIFY_MFA } from '../helpers/mfa-operations.js';
import { claimsOf } from '../helpers/token-claims.js';
import { outcome, PASSWORD, signUpUser, uniqueEmail, useTestApp, type GraphQLResponse } from '../helpers/test-app.js';

// Short, so that a session can be made stale by waiting.
const MAX_AGE_SECONDS = 3;
const app = useTestApp({ REAUTH_MAX_AGE_SECONDS: String(MAX_AGE_SECONDS) });

const REAUTHENTICATE = 'mutation ($password: String, $code: String) { reauthenticate(password: $password, code: $code) { accessToken refreshToken mfaRequired } }';

/** Every step-up operation, as a caller would retry it; `id` is a session of the caller's. */
const STEP_UP_OPERATIONS: ReadonlyArray<[name: string, query: string]> = [
  ['changePassword', `mutation { changePassword(currentPassword: "${PASSWORD}", newPassword: "another passphrase 9") { accessToken } }`],
  ['changeEmail', `mutation { changeEmail(newEmail: "${uniqueEmail('moved')}", currentPassword: "${PASSWORD}") }`],
  ['startMfaEnrollment', 'mutation { startMfaEnrollment { secret } }'],
  ['disableMfa', 'mutation { disableMfa }'],
  ['regenerateRecoveryCodes', 'mutation { regenerateRecoveryCodes }'],
  ['revokeSession', 'mutation ($id: ID!) { revokeSession(id: $id) }'],
  ['logout(allSessions: true)', 'mutation { logout(allSessions: true) }'],
  ['deleteAccount', `mutation { deleteAccount(password: "${PASSWORD}") }`],
];

const staleness = () => new Promise((resolve) => setTimeout(resolve, MAX_AGE_SECONDS * 1000 + 500));

function expectReauthRequired(response: GraphQLResponse) {
  expect(response.status).toBe(200);
  expect(outcome(response)).toMatchObject({ code: 'FORBIDDEN', reason: 'REAUTH_REQUIRED' });
}

async function reauthenticate(token: string, variables: { password?: string; code?: string }) {
  const response = await app.graphql(REAUTHENTICATE, variables, { token });
  expect(response.body.errors).toBeUndefined();
  return response.body.data!.reauthenticate as { accessToken: string; refreshToken: string; mfaRequired: boolean };
}

describe('step-up without MFA', () => {
  it('refuses every step-up operation from a stale session, and each succeeds after reauthenticate(password)', async () => {
    const user = await signUpUser(app);
    const other = (await app.graphql('mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }', { e: user.email, p: PASSWORD })).body.data!.login as { accessToken: string };
    const otherSessionId = claimsOf(other.accessToken).sid;
    await staleness();
    for (const [name, query] of STEP_UP_OPERATIONS) {
      const response = await app.graphql(query, { id: otherSessionId }, { token: user.accessToken });
      try {
        expectReauthRequired(response);
      } catch (error) {
        throw new Error(`${name}: ${JSON.stringify(response.body)}`, { cause: error });
      }
    }
    // Ending only this session needs no step-up.
    expect(outcome(await app.graphql('{ me { id } }', {}, { token: user.accessToken }))).toBe('OK');

    expect(outcome(await app.graphql(REAUTHENTICATE, { password: 'wrong password 1' }, { token: user.accessToken }))).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'INVALID_CREDENTIALS' });
    expect(outcome(await app.graphql(REAUTHENTICATE, {}, { token: user.accessToken }))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'password' });

    const before = claimsOf(user.accessToken);
    const fresh = await reauthenticate(user.accessToken, { password: PASSWORD });
    const after = claimsOf(fresh.accessToken);
    expect(after).toMatchObject({ sid: before.sid, aal: 1, amr: ['pwd'] });
    expect(after.auth_time as number).toBeGreaterThan(before.auth_time as number);
    // The retried operations now pass (the ones that end something last).
    const ok = async (query: string, variables: Record<string, unknown> = {}) => {
      const response = await app.graphql(query, variables, { token: fresh.accessToken });
      expect(response.body.errors).toBeUndefined();
      return response.body.data;
    };
    await ok(`mutation { changeEmail(newEmail: "${uniqueEmail('moved')}", currentPassword: "${PASSWORD}") }`);
    await ok('mutation { startMfaEnrollment { secret } }');
    expect(await ok('mutation ($id: ID!) { revokeSession(id: $id) }', { id: otherSessionId })).toEqual({ revokeSession: true });
    await ok(`mutation { changePassword(currentPassword: "${PASSWORD}", newPassword: "another passphrase 9") { accessToken } }`);
    expect(await ok('mutation { logout(allSessions: true) }')).toEqual({ logout: true });
  });
});

describe('step-up with MFA on', () => {
  it('needs aal 2 even when recent: reauthenticate needs a code, and then the operation passes', async () => {
    const user = await signUpWithMfa(app);
    // The session that enrolled is recent but proved the password alone.
    expectReauthRequired(await app.graphql('mutation { regenerateRecoveryCodes }', {}, { token: user.accessToken }));
    expect(outcome(await app.graphql(REAUTHENTICATE, { password: PASSWORD }, { token: user.accessToken }))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'code' });
    expect(outcome(await app.graphql(REAUTHENTICATE, { code: '12345' }, { token: user.accessToken }))).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'MFA_CODE_INVALID' });
    const stepped = await reauthenticate(user.accessToken, { password: PASSWORD, code: totpCode(user.secret, user.at, 1) });
    expect(claimsOf(stepped.accessToken)).toMatchObject({ aal: 2, amr: ['pwd', 'otp'] });
    const regenerated = await app.graphql('mutation { regenerateRecoveryCodes }', {}, { token: stepped.accessToken });
    expect(regenerated.body.errors).toBeUndefined();
    const codes = regenerated.body.data!.regenerateRecoveryCodes as string[];

    // Stale again: aal 2 is not enough; a recovery code steps up too.
    await staleness();
    expectReauthRequired(await app.graphql('mutation { disableMfa }', {}, { token: stepped.accessToken }));
    const again = await reauthenticate(stepped.accessToken, { code: codes[0]! });
    expect((await app.graphql('mutation { disableMfa }', {}, { token: again.accessToken })).body).toEqual({ data: { disableMfa: true } });
  });

  it('a session that owes its second factor is told MFA_REQUIRED, not REAUTH_REQUIRED', async () => {
    const user = await signUpWithMfa(app);
    const login = await app.graphql('mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }', { e: user.email, p: PASSWORD });
    const token = (login.body.data!.login as { accessToken: string }).accessToken;
    expect(outcome(await app.graphql('mutation { disableMfa }', {}, { token }))).toMatchObject({ reason: 'MFA_REQUIRED' });
    expect(outcome(await app.graphql(REAUTHENTICATE, { code: '000000' }, { token }))).toMatchObject({ reason: 'MFA_REQUIRED' });
    const verified = await app.graphql(VERIFY_MFA, { code: totpCode(user.secret, user.at, 1) }, { token });
    const upgraded = (verified.body.data!.verifyMfa as { accessToken: string }).accessToken;
    expect((await app.graphql('mutation { logout(allSessions: true) }', {}, { token: upgraded })).body).toEqual({ data: { logout: true } });
  });
});
