import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { describeWithPostgres } from '../helpers/describe-with-postgres.js';
import { signUpWithMfa, totpCode, VERIFY_MFA, wrongCode } from '../helpers/mfa-operations.js';
import { outcome, PASSWORD, startTestApp, type TestApp } from '../helpers/test-app.js';

const LOGIN = 'mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken mfaRequired } }';

// Two servers on one database need a real PostgreSQL (the embedded one is one process's).
describeWithPostgres('MFA across two instances on one PostgreSQL', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    a = await startTestApp();
    // The same signing key: the same derived key for TOTP secrets at rest.
    b = await startTestApp({ JWT_SECRET: a.jwtSecret, DATABASE_URL: a.databaseUrl! });
  });
  afterAll(async () => {
    // B first: A's stop drops the database they share (on the PostgreSQL pass).
    await b?.stop();
    await a?.stop();
  });

  async function logIn(app: TestApp, email: string): Promise<string> {
    const response = await app.graphql(LOGIN, { e: email, p: PASSWORD });
    expect(response.body.data?.login).toMatchObject({ mfaRequired: true });
    return (response.body.data!.login as { accessToken: string }).accessToken;
  }

  it('a code accepted on A is a replay on B, and wrong codes count against one account limit', async () => {
    const user = await signUpWithMfa(a);
    const next = totpCode(user.secret, user.at, 1);
    const onA = await a.graphql(VERIFY_MFA, { code: next }, { token: await logIn(a, user.email) });
    expect(onA.body.errors).toBeUndefined();
    expect(outcome(await b.graphql(VERIFY_MFA, { code: next }, { token: await logIn(b, user.email) }))).toMatchObject({ reason: 'MFA_CODE_INVALID' });
    // One wrong code so far (the replay, on B). Five more on A: A's session is limited.
    const sessionA = await logIn(a, user.email);
    for (let i = 0; i < 5; i++) expect(outcome(await a.graphql(VERIFY_MFA, { code: wrongCode(next) }, { token: sessionA }))).toMatchObject({ reason: 'MFA_CODE_INVALID' });
    // Seven counted for the account (the sixth on A refused); B's fresh session gets three more, then the account's limit.
    const sessionB = await logIn(b, user.email);
    expect(outcome(await a.graphql(VERIFY_MFA, { code: wrongCode(next) }, { token: sessionA }))).toMatchObject({ code: 'RATE_LIMITED' });
    for (let i = 0; i < 3; i++) expect(outcome(await b.graphql(VERIFY_MFA, { code: wrongCode(next) }, { token: sessionB }))).toMatchObject({ reason: 'MFA_CODE_INVALID' });
    expect(outcome(await b.graphql(VERIFY_MFA, { code: user.recoveryCodes[0] }, { token: sessionB }))).toMatchObject({ code: 'RATE_LIMITED' });
  });
});
