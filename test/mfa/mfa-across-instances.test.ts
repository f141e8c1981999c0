import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { describeWithPostgres } from '../helpers/describe-with-postgres.js';
import { signUpWithMfa, totpCode, VERIFY_MFA, wrongCode } from '../helpers/mfa-operations.js';
import { outcome, PASSWORD, signUpUser, startTestApp, type GraphQLTarget, type TestApp } from '../helpers/test-app.js';

const LOGIN = 'mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken mfaRequired } }';
const REAUTHENTICATE = 'mutation ($password: String, $code: String) { reauthenticate(password: $password, code: $code) { accessToken } }';
const ME = '{ me { id } }';
const STEP_UP = 'mutation { startMfaEnrollment { secret } }';
// Short, so that sessions can be made stale by waiting.
const MAX_AGE_SECONDS = 3;
const TRIALS = 8;
// B's session cache keeps an entry this long (the longest the kernel allows).
const SESSION_CACHE_TTL_MS = 1_000;

// Two servers on one database need a real PostgreSQL (the embedded one is one process's).
describeWithPostgres('MFA across two instances on one PostgreSQL', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    a = await startTestApp({ REAUTH_MAX_AGE_SECONDS: String(MAX_AGE_SECONDS) });
    // The same signing key: the same derived key for TOTP secrets at rest.
    b = await startTestApp(
      { JWT_SECRET: a.jwtSecret, DATABASE_URL: a.databaseUrl!, REAUTH_MAX_AGE_SECONDS: String(MAX_AGE_SECONDS) },
      { sessionCacheTtlMs: SESSION_CACHE_TTL_MS },
    );
  });
  afterAll(async () => {
    // B first: A's stop drops the database they share (on the PostgreSQL pass).
    await b?.stop();
    await a?.stop();
  });

  async function logIn(app: GraphQLTarget, email: string, mfaRequired = true): Promise<string> {
    const response = await app.graphql(LOGIN, { e: email, p: PASSWORD });
    expect(response.body.data?.login).toMatchObject({ mfaRequired });
    return (response.body.data!.login as { accessToken: string }).accessToken;
  }

  /** The new access token of a mutation that returns an AuthPayload. */
  function tokenOf(response: Awaited<ReturnType<GraphQLTarget['graphql']>>, field: string): string {
    expect(response.body.errors).toBeUndefined();
    return (response.body.data as Record<string, { accessToken: string }>)[field]!.accessToken;
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

  // B has each session cached (its `me` just before) with the old auth_time: without the
  // change reaching it, it would trust that for up to its cache's TTL.
  it('a reauthenticate on A is seen at once on B: a step-up operation sent there right after passes', async () => {
    const user = await signUpUser(a);
    const tokens: string[] = [];
    for (let i = 0; i < TRIALS; i++) tokens.push(await logIn(a, user.email, false));
    await new Promise((resolve) => setTimeout(resolve, MAX_AGE_SECONDS * 1000 + 500));
    const outcomes: Array<ReturnType<typeof outcome>> = [];
    for (const token of tokens) {
      expect(outcome(await b.graphql(ME, {}, { token }))).toBe('OK');
      const fresh = tokenOf(await a.graphql(REAUTHENTICATE, { password: PASSWORD }, { token }), 'reauthenticate');
      outcomes.push(outcome(await b.graphql(STEP_UP, {}, { token: fresh })));
    }
    expect(outcomes).toEqual(tokens.map(() => 'OK'));
  });

  // An older token of the session carries the old auth_time: only the notification from A
  // can make B read the session again before its cache entry lapses.
  it('B drops the session from its cache when told of the change: an older token of it steps up there too, before the entry would lapse', async () => {
    const user = await signUpUser(a);
    const tokens: string[] = [];
    for (let i = 0; i < TRIALS; i++) tokens.push(await logIn(a, user.email, false));
    await new Promise((resolve) => setTimeout(resolve, MAX_AGE_SECONDS * 1000 + 500));
    const beforeLapse: boolean[] = [];
    for (const token of tokens) {
      // Taken before B reads the session: its entry lives at least SESSION_CACHE_TTL_MS past this.
      const cachedAt = Date.now();
      expect(outcome(await b.graphql(ME, {}, { token }))).toBe('OK');
      tokenOf(await a.graphql(REAUTHENTICATE, { password: PASSWORD }, { token }), 'reauthenticate');
      let passed = outcome(await b.graphql(STEP_UP, {}, { token })) === 'OK';
      while (!passed && Date.now() - cachedAt < 2 * SESSION_CACHE_TTL_MS) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        passed = outcome(await b.graphql(STEP_UP, {}, { token })) === 'OK';
      }
      beforeLapse.push(passed && Date.now() - cachedAt < SESSION_CACHE_TTL_MS);
    }
    expect(beforeLapse).toEqual(tokens.map(() => true));
  });

  it('a verifyMfa on A is seen at once on B: the session no longer owes its second factor there', async () => {
    const user = await signUpWithMfa(a);
    const outcomes: Array<ReturnType<typeof outcome>> = [];
    for (const code of user.recoveryCodes.slice(0, TRIALS)) {
      const token = await logIn(a, user.email);
      expect(outcome(await b.graphql(ME, {}, { token }))).toBe('OK');
      const proved = tokenOf(await a.graphql(VERIFY_MFA, { code }, { token }), 'verifyMfa');
      outcomes.push(outcome(await b.graphql('{ mySessions { id } }', {}, { token: proved })));
    }
    expect(outcomes).toEqual(user.recoveryCodes.slice(0, TRIALS).map(() => 'OK'));
  });
});
