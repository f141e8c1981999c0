import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { ApolloClient, InMemoryCache } from '@apollo/client';
import { parse } from 'graphql';
import {
  ChangePasswordDocument,
  ConfirmMfaEnrollmentDocument,
  DisableMfaDocument,
  LoginDocument,
  MeDocument,
  MyPostsDocument,
  MySessionsDocument,
  ReauthenticateDocument,
  RegenerateRecoveryCodesDocument,
  SignUpDocument,
  StartMfaEnrollmentDocument,
  VerifyMfaDocument,
  createGatehouseLink,
  gatehouseErrorReason,
  memoryTokenStorage,
  type GatehouseTokens,
  type SessionEndReason,
  type StepUpChallenge,
} from '@gatehouse/client';
import { createStepUpClient, signIn } from '../../packages/client/examples/step-up.js';
import { totpCode } from '../helpers/mfa-operations.js';
import { claimsOf } from '../helpers/token-claims.js';
import { LOGIN, outcome, PASSWORD, uniqueEmail, useTestApp } from '../helpers/test-app.js';

// Real @apollo/client against the real server: the kit's step-up handling is what is under test.
// A short step-up window, so that a session can be made stale by waiting (3 s: a loaded machine still enrolls within it).
const MAX_AGE_SECONDS = 3;
const app = useTestApp({ REAUTH_MAX_AGE_SECONDS: String(MAX_AGE_SECONDS) });

const staleness = () => new Promise((resolve) => setTimeout(resolve, MAX_AGE_SECONDS * 1000 + 1000));

type Prompt = (challenge: StepUpChallenge, client: ApolloClient) => Promise<boolean>;

/** An Apollo Client over the kit, counting the requests of each operation and the prompts it opens. */
function kit(tokens: GatehouseTokens | null, prompt?: Prompt, holdAnswer?: (operationName: string, nth: number) => Promise<void> | undefined) {
  const storage = memoryTokenStorage(tokens);
  const counts = new Map<string, number>();
  const challenges: StepUpChallenge[] = [];
  const ended: SessionEndReason[] = [];
  const fetchImpl: typeof fetch = async (input, init) => {
    const name = (JSON.parse(String(init?.body ?? '{}')) as { operationName?: string }).operationName ?? '?';
    const nth = (counts.get(name) ?? 0) + 1;
    counts.set(name, nth);
    const response = await fetch(input, init);
    // A slow network: the server has answered, the client hears it later.
    await holdAnswer?.(name, nth);
    return response;
  };
  const gatehouse = createGatehouseLink({
    uri: `${app.url}/graphql`,
    storage,
    fetch: fetchImpl,
    subscriptions: false,
    onSessionEnded: (reason) => ended.push(reason),
    ...(prompt && {
      onStepUp: (challenge: StepUpChallenge) => {
        challenges.push(challenge);
        return prompt(challenge, client);
      },
    }),
  });
  const client = new ApolloClient({ link: gatehouse.link, cache: new InMemoryCache() });
  return { client, storage, challenges, ended, session: gatehouse.session, count: (name: string) => counts.get(name) ?? 0 };
}

/** Signs up and turns MFA on with the kit's documents; the TOTP step of `at` is spent. */
async function signUpWithMfaThroughKit() {
  const email = uniqueEmail('kit-mfa');
  const { client } = kit(null);
  const signedUp = await client.mutate({ mutation: SignUpDocument, variables: { email, password: PASSWORD } });
  expect(signedUp.data!.signUp).toMatchObject({ mfaRequired: false, user: { mfaEnabled: false } });
  const started = await client.mutate({ mutation: StartMfaEnrollmentDocument });
  const { secret, otpauthUrl, qrCodeSvg } = started.data!.startMfaEnrollment;
  expect(otpauthUrl).toMatch(/^otpauth:\/\/totp\//);
  expect(qrCodeSvg).toMatch(/<svg/);
  const at = Date.now();
  const confirmed = await client.mutate({ mutation: ConfirmMfaEnrollmentDocument, variables: { code: totpCode(secret, at) } });
  const recoveryCodes = confirmed.data!.confirmMfaEnrollment;
  expect(recoveryCodes).toHaveLength(10);
  const me = await client.query({ query: MeDocument, fetchPolicy: 'network-only' });
  expect(me.data?.me?.mfaEnabled).toBe(true);
  return { email, secret, at, recoveryCodes, client };
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('multi-factor sign-in through the kit', () => {
  it('login answers mfaRequired; a protected query refused MFA_REQUIRED prompts once, verifyMfa, and the query succeeds', async () => {
    const user = await signUpWithMfaThroughKit();
    const { client, storage, session, challenges, ended, count } = kit(null, async (_challenge, viaKit) => {
      const verified = await viaKit.mutate({ mutation: VerifyMfaDocument, variables: { code: totpCode(user.secret, user.at, 1) } });
      return verified.data?.verifyMfa.mfaRequired === false;
    });

    const login = await client.mutate({ mutation: LoginDocument, variables: { email: user.email, password: PASSWORD } });
    expect(login.data!.login.mfaRequired).toBe(true);
    expect(claimsOf(login.data!.login.accessToken)).toMatchObject({ aal: 1 });

    const posts = await client.query({ query: MyPostsDocument, variables: { first: 5 }, fetchPolicy: 'network-only' });
    expect(posts.error).toBeUndefined();
    expect(posts.data?.myPosts.totalCount).toBe(0);
    expect(challenges).toEqual([{ reason: 'MFA_REQUIRED', operationName: 'MyPosts' }]);
    expect([count('MyPosts'), count('VerifyMfa')]).toEqual([2, 1]);

    // verifyMfa's tokens replaced the login's: aal 2, and a refresh token that still works.
    const stored = (await storage.get())!;
    expect(claimsOf(stored.accessToken)).toMatchObject({ aal: 2, sid: claimsOf(login.data!.login.accessToken).sid });
    expect(stored.refreshToken).not.toBe(login.data!.login.refreshToken);
    const refreshed = await session.refresh(stored.accessToken);
    expect(refreshed).not.toBeNull();
    expect(refreshed).not.toBe(stored.accessToken);
    expect(ended).toEqual([]);
  });

  it('many operations refused at once share one prompt, and all succeed', async () => {
    const user = await signUpWithMfaThroughKit();
    const { client, challenges, count } = kit(null, async (_challenge, viaKit) => {
      // Long enough that every refusal arrives while the prompt is open.
      await wait(300);
      await viaKit.mutate({ mutation: VerifyMfaDocument, variables: { code: totpCode(user.secret, user.at, 1) } });
      return true;
    });
    await client.mutate({ mutation: LoginDocument, variables: { email: user.email, password: PASSWORD } });

    const [first, second, sessions] = await Promise.all([
      client.query({ query: MyPostsDocument, variables: { first: 1 }, fetchPolicy: 'network-only' }),
      client.query({ query: MyPostsDocument, variables: { first: 2 }, fetchPolicy: 'network-only' }),
      client.query({ query: MySessionsDocument, fetchPolicy: 'network-only' }),
    ]);
    expect([first.error, second.error, sessions.error]).toEqual([undefined, undefined, undefined]);
    expect(sessions.data?.mySessions.some((s) => s.current)).toBe(true);
    expect(challenges).toHaveLength(1);
    expect([count('VerifyMfa'), count('MyPosts'), count('MySessions')]).toEqual([1, 4, 2]);
  });

  it('an operation refused with a token a finished prompt has replaced is sent again without a second prompt', async () => {
    const user = await signUpWithMfaThroughKit();
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const { client, challenges, count } = kit(
      null,
      async (_challenge, viaKit) => {
        // A second prompt would spend the same code again: MFA_CODE_INVALID, and the caller would get the refusal.
        await viaKit.mutate({ mutation: VerifyMfaDocument, variables: { code: totpCode(user.secret, user.at, 1) } });
        return true;
      },
      (name, nth) => (name === 'MySessions' && nth === 1 ? released : undefined),
    );
    await client.mutate({ mutation: LoginDocument, variables: { email: user.email, password: PASSWORD } });

    const slow = client.query({ query: MySessionsDocument, fetchPolicy: 'network-only' });
    const posts = await client.query({ query: MyPostsDocument, fetchPolicy: 'network-only' });
    expect(posts.error).toBeUndefined();
    expect(challenges).toHaveLength(1);
    release();
    const sessions = await slow;
    expect(sessions.error).toBeUndefined();
    expect(challenges).toHaveLength(1);
    expect([count('MySessions'), count('VerifyMfa')]).toEqual([2, 1]);
  });

  it.each([
    ['resolves false', () => Promise.resolve(false)],
    ['rejects', () => Promise.reject(new Error('the user closed the dialog'))],
  ])('passes the original FORBIDDEN answer to the caller when onStepUp %s, and sends nothing again', async (_label, answer) => {
    const user = await signUpWithMfaThroughKit();
    const { client, challenges, count } = kit(null, answer);
    await client.mutate({ mutation: LoginDocument, variables: { email: user.email, password: PASSWORD } });

    const posts = await client.query({ query: MyPostsDocument, fetchPolicy: 'network-only', errorPolicy: 'all' });
    expect(gatehouseErrorReason(posts.error)).toBe('MFA_REQUIRED');
    expect(posts.error).toMatchObject({ errors: [expect.objectContaining({ extensions: { code: 'FORBIDDEN', reason: 'MFA_REQUIRED' } })] });
    expect(challenges).toHaveLength(1);
    expect(count('MyPosts')).toBe(1);
  });

  it('without onStepUp the refusal reaches the caller; the app reads it with gatehouseErrorReason', async () => {
    const user = await signUpWithMfaThroughKit();
    const { client } = kit(null);
    await client.mutate({ mutation: LoginDocument, variables: { email: user.email, password: PASSWORD } });
    const rejected = client.mutate({ mutation: ChangePasswordDocument, variables: { currentPassword: PASSWORD, newPassword: 'another passphrase 9' } });
    const error = await rejected.then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(gatehouseErrorReason(error)).toBe('MFA_REQUIRED');
    // The helper reads one GraphQL error and a plain result too, and knows nothing it was not told.
    expect(gatehouseErrorReason({ message: 'x', extensions: { code: 'FORBIDDEN', reason: 'REAUTH_REQUIRED' } })).toBe('REAUTH_REQUIRED');
    expect(gatehouseErrorReason({ errors: [{ message: 'x', extensions: { code: 'BAD_USER_INPUT', field: 'email' } }, { message: 'y', extensions: { reason: 'EMAIL_TAKEN' } }] })).toBe('EMAIL_TAKEN');
    expect(gatehouseErrorReason({ errors: [{ message: 'x', extensions: { reason: 'SOMETHING_NEW' } }] })).toBeUndefined();
    expect(gatehouseErrorReason(new Error('network'))).toBeUndefined();
    expect(gatehouseErrorReason(undefined)).toBeUndefined();
  });
});

describe('step-up (REAUTH_REQUIRED) through the kit', () => {
  it('a stale session’s changePassword prompts, reauthenticate(password) runs, and the retried mutation succeeds', async () => {
    const email = uniqueEmail('kit-reauth');
    let heldAfterProof: unknown;
    const { client, storage, challenges, count } = kit(null, async (challenge, viaKit) => {
      expect(challenge.reason).toBe('REAUTH_REQUIRED');
      const proved = await viaKit.mutate({ mutation: ReauthenticateDocument, variables: { password: PASSWORD } });
      const { accessToken, refreshToken } = proved.data!.reauthenticate;
      heldAfterProof = [await storage.get(), { accessToken, refreshToken }];
      return true;
    });
    await client.mutate({ mutation: SignUpDocument, variables: { email, password: PASSWORD } });
    await staleness();

    const newPassword = 'another passphrase 9';
    const changed = await client.mutate({ mutation: ChangePasswordDocument, variables: { currentPassword: PASSWORD, newPassword } });
    expect(challenges).toEqual([{ reason: 'REAUTH_REQUIRED', operationName: 'ChangePassword' }]);
    expect([count('ChangePassword'), count('Reauthenticate')]).toEqual([2, 1]);
    // reauthenticate's answer became the session's tokens (its earlier refresh token no longer works).
    const [held, proved] = heldAfterProof as [GatehouseTokens, GatehouseTokens];
    expect(held).toEqual(proved);
    // The retried answer is the caller's, and its tokens are the session's.
    const payload = changed.data!.changePassword;
    expect(await storage.get()).toEqual({ accessToken: payload.accessToken, refreshToken: payload.refreshToken });
    expect(outcome(await app.graphql(LOGIN, { email, password: newPassword }))).toBe('OK');
  });

  it('with MFA on, the prompt reauthenticates with a code (a recovery code) and regenerateRecoveryCodes is retried', async () => {
    const user = await signUpWithMfaThroughKit();
    const [recoveryCode] = user.recoveryCodes;
    const { client, challenges, count } = kit(null, async (challenge, viaKit) => {
      if (challenge.reason === 'MFA_REQUIRED') {
        await viaKit.mutate({ mutation: VerifyMfaDocument, variables: { code: totpCode(user.secret, user.at, 1) } });
      } else {
        await viaKit.mutate({ mutation: ReauthenticateDocument, variables: { code: recoveryCode } });
      }
      return true;
    });
    await client.mutate({ mutation: LoginDocument, variables: { email: user.email, password: PASSWORD } });
    await client.query({ query: MeDocument, fetchPolicy: 'network-only' });
    expect((await client.query({ query: MyPostsDocument, fetchPolicy: 'network-only' })).error).toBeUndefined();
    await staleness();

    const regenerated = await client.mutate({ mutation: RegenerateRecoveryCodesDocument });
    expect(regenerated.data!.regenerateRecoveryCodes).toHaveLength(10);
    expect(regenerated.data!.regenerateRecoveryCodes).not.toContain(recoveryCode);
    expect(challenges.map((challenge) => challenge.reason)).toEqual(['MFA_REQUIRED', 'REAUTH_REQUIRED']);
    expect(count('RegenerateRecoveryCodes')).toBe(2);

    // Recent again: disableMfa passes without a prompt.
    expect((await client.mutate({ mutation: DisableMfaDocument })).data!.disableMfa).toBe(true);
    expect(challenges).toHaveLength(2);
  });

  it('does not resend a mutation one of whose root fields succeeded: the refusal reaches the caller', async () => {
    const email = uniqueEmail('kit-partial');
    const { client, challenges, count } = kit(null, async (_challenge, viaKit) => {
      await viaKit.mutate({ mutation: ReauthenticateDocument, variables: { password: PASSWORD } });
      return true;
    });
    await client.mutate({ mutation: SignUpDocument, variables: { email, password: PASSWORD } });
    await staleness();

    // requestEmailVerification runs first and sends a mail; sending the whole mutation again would send another.
    const both = parse(`mutation MailAndChange { requestEmailVerification changeEmail(newEmail: "${uniqueEmail('moved')}", currentPassword: "${PASSWORD}") }`);
    const result = await client.mutate({ mutation: both, errorPolicy: 'all' });
    expect(gatehouseErrorReason(result.error)).toBe('REAUTH_REQUIRED');
    expect(challenges).toEqual([]);
    expect(count('MailAndChange')).toBe(1);

    // The same refusal alone is resent after the prompt.
    const alone = parse(`mutation ChangeOnly { changeEmail(newEmail: "${uniqueEmail('moved')}", currentPassword: "${PASSWORD}") }`);
    const retried = await client.mutate({ mutation: alone, errorPolicy: 'all' });
    expect(retried.error).toBeUndefined();
    expect(challenges).toHaveLength(1);
    expect(count('ChangeOnly')).toBe(2);
  });
});

it('docs/client.md shows packages/client/examples/step-up.ts as it is, and that code runs', async () => {
  const docs = readFileSync(new URL('../../docs/client.md', import.meta.url), 'utf8');
  const example = readFileSync(new URL('../../packages/client/examples/step-up.ts', import.meta.url), 'utf8');
  expect(docs).toContain(example.trim());

  const user = await signUpWithMfaThroughKit();
  const asked: StepUpChallenge[] = [];
  const client = createStepUpClient(`${app.url}/graphql`, async (challenge) => {
    asked.push(challenge);
    return { code: user.recoveryCodes[0]! };
  });
  const signedIn = await signIn(client, user.email, PASSWORD, async () => totpCode(user.secret, user.at, 1));
  expect(signedIn).toMatchObject({ email: user.email, mfaEnabled: true });
  expect((await client.query({ query: MyPostsDocument, fetchPolicy: 'network-only' })).error).toBeUndefined();
  expect(asked).toEqual([]);

  await staleness();
  const regenerated = await client.mutate({ mutation: RegenerateRecoveryCodesDocument });
  expect(regenerated.data!.regenerateRecoveryCodes).toHaveLength(10);
  expect(asked).toEqual([{ reason: 'REAUTH_REQUIRED', operationName: 'RegenerateRecoveryCodes' }]);
});

it('GatehouseReason lists exactly the reasons of docs/errors.md', () => {
  const documented = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8')
    .split('## Reasons')[1]!
    .split('\n## ')[0]!
    .match(/^\| `[A-Z_]+`/gm)!
    .map((cell) => cell.slice(3, -1));
  const source = readFileSync(new URL('../../packages/client/src/errors.ts', import.meta.url), 'utf8');
  const listed = source.split('const GATEHOUSE_REASONS = [')[1]!.split('] as const')[0]!.match(/'[A-Z_]+'/g)!.map((quoted) => quoted.slice(1, -1));
  expect(documented.length).toBeGreaterThan(10);
  expect([...listed].sort()).toEqual([...documented].sort());
});
