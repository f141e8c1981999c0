import { describe, expect, it } from '@jest/globals';
import { signUpWithMfa, totpCode, wrongCode } from '../helpers/mfa-operations.js';
import { createPost } from '../helpers/operations.js';
import { claimsOf } from '../helpers/token-claims.js';
import { outcome, PASSWORD, signUpUser, uniqueEmail, useTestApp, type GraphQLTarget } from '../helpers/test-app.js';

const app = useTestApp();

const PAYLOAD = 'accessToken refreshToken mfaRequired user { id email mfaEnabled }';
const LOGIN = `mutation ($email: String!, $password: String!) { login(email: $email, password: $password) { ${PAYLOAD} } }`;
const REFRESH = `mutation ($t: String!) { refreshToken(refreshToken: $t) { ${PAYLOAD} } }`;
const START = 'mutation { startMfaEnrollment { secret otpauthUrl qrCodeSvg } }';
const CONFIRM = 'mutation ($code: String!) { confirmMfaEnrollment(code: $code) }';
const VERIFY = `mutation ($code: String!) { verifyMfa(code: $code) { ${PAYLOAD} } }`;
const REGENERATE = 'mutation { regenerateRecoveryCodes }';
const DISABLE = 'mutation { disableMfa }';
const ME = '{ me { id email mfaEnabled } }';
const MY_EVENTS = '{ mySecurityEvents(first: 50) { edges { node { kind } } } }';

interface Payload {
  accessToken: string;
  refreshToken: string;
  mfaRequired: boolean;
  user: { id: string; email: string; mfaEnabled: boolean | null };
}

async function call(target: GraphQLTarget, query: string, variables: Record<string, unknown>, token?: string) {
  return target.graphql(query, variables, token === undefined ? {} : { token });
}

async function login(email: string): Promise<Payload> {
  const response = await call(app, LOGIN, { email, password: PASSWORD });
  expect(response.body.errors).toBeUndefined();
  return response.body.data!.login as Payload;
}

async function verify(token: string, code: string): Promise<Payload> {
  const response = await call(app, VERIFY, { code }, token);
  expect(response.body.errors).toBeUndefined();
  return response.body.data!.verifyMfa as Payload;
}

const enrolledUser = () => signUpWithMfa(app);

function expectCodeInvalid(response: { status: number; body: { errors?: unknown[] } }) {
  expect(response.status).toBe(200);
  expect(outcome(response as never)).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'MFA_CODE_INVALID' });
}

describe('MFA enrollment', () => {
  it('returns a secret, its otpauth URL and a QR code, and turns MFA on only after a correct code', async () => {
    const user = await signUpUser(app, uniqueEmail('enroll'));
    const started = await call(app, START, {}, user.accessToken);
    expect(started.body.errors).toBeUndefined();
    const enrollment = started.body.data!.startMfaEnrollment as { secret: string; otpauthUrl: string; qrCodeSvg: string };
    expect(enrollment.secret).toMatch(/^[A-Z2-7]{32}$/);
    const url = new URL(enrollment.otpauthUrl);
    expect(url.protocol).toBe('otpauth:');
    expect(url.host).toBe('totp');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      issuer: 'gatehouse',
      secret: enrollment.secret,
      algorithm: 'SHA1',
      digits: '6',
      period: '30',
    });
    expect(decodeURIComponent(url.pathname)).toContain(user.email);
    expect(enrollment.qrCodeSvg).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);

    // Not on yet: neither a pending enrollment nor a wrong code turns it on.
    expect((await call(app, ME, {}, user.accessToken)).body.data!.me).toMatchObject({ mfaEnabled: false });
    const at = Date.now();
    const wrong = wrongCode(totpCode(enrollment.secret, at));
    expectCodeInvalid(await call(app, CONFIRM, { code: wrong }, user.accessToken));
    expectCodeInvalid(await call(app, CONFIRM, { code: 'not a code' }, user.accessToken));
    expect((await call(app, ME, {}, user.accessToken)).body.data!.me).toMatchObject({ mfaEnabled: false });
    expect((await login(user.email)).mfaRequired).toBe(false);

    const confirmed = await call(app, CONFIRM, { code: totpCode(enrollment.secret, at) }, user.accessToken);
    expect(confirmed.body.errors).toBeUndefined();
    const codes = confirmed.body.data!.confirmMfaEnrollment as string[];
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);
    expect((await call(app, ME, {}, user.accessToken)).body.data!.me).toMatchObject({ mfaEnabled: true });
  });

  it('refuses confirmation without a pending enrollment', async () => {
    const user = await signUpUser(app);
    expectCodeInvalid(await call(app, CONFIRM, { code: '123456' }, user.accessToken));
  });

  it('shows mfaEnabled to the user and admins only, as email', async () => {
    const enrolled = await enrolledUser();
    const other = await signUpUser(app);
    const postId = await createPost(app, enrolled.accessToken, { publish: true });
    const query = 'query ($id: ID!) { post(id: $id) { author { id mfaEnabled } } }';
    const asAuthor = await call(app, query, { id: postId }, enrolled.accessToken);
    expect(asAuthor.body).toEqual({ data: { post: { author: { id: enrolled.user.id, mfaEnabled: true } } } });
    const asOther = await call(app, query, { id: postId }, other.accessToken);
    expect(asOther.body.data).toEqual({ post: { author: { id: enrolled.user.id, mfaEnabled: null } } });
    expect(outcome(asOther)).toMatchObject({ code: 'FORBIDDEN' });
  });
});

describe('signing in with MFA on', () => {
  it('login answers mfaRequired with an aal 1 token of scope mfa, good only for verifyMfa, logout and me', async () => {
    const user = await enrolledUser();
    const first = await login(user.email);
    expect(first.mfaRequired).toBe(true);
    expect(claimsOf(first.accessToken)).toMatchObject({ scope: 'mfa', aal: 1, amr: ['pwd'], auth_time: expect.any(Number) });

    const me = await call(app, ME, {}, first.accessToken);
    expect(me.body).toEqual({ data: { me: { id: user.user.id, email: user.email, mfaEnabled: true } } });
    for (const query of [
      '{ mySessions { id } }',
      '{ myPosts { totalCount } }',
      MY_EVENTS,
      'mutation { createPost(title: "t", body: "b") { id } }',
      `mutation { changePassword(currentPassword: "${PASSWORD}", newPassword: "another password 2") { accessToken } }`,
      START,
      DISABLE,
      REGENERATE,
    ]) {
      const response = await call(app, query, {}, first.accessToken);
      expect(response.status).toBe(200);
      expect(outcome(response)).toMatchObject({ code: 'FORBIDDEN', reason: 'MFA_REQUIRED' });
    }

    // A refresh is not an authentication: still owing the second factor.
    const refreshed = (await call(app, REFRESH, { t: first.refreshToken })).body.data!.refreshToken as Payload;
    expect(refreshed.mfaRequired).toBe(true);
    expect(claimsOf(refreshed.accessToken)).toMatchObject({ scope: 'mfa', aal: 1, amr: ['pwd'] });
    expect(outcome(await call(app, '{ mySessions { id } }', {}, refreshed.accessToken))).toMatchObject({ reason: 'MFA_REQUIRED' });

    // Public fields stay public, but nothing the account alone may read: its drafts read as anonymous.
    const draftId = await createPost(app, user.accessToken);
    const draft = await call(app, 'query ($id: ID!) { post(id: $id) { id } }', { id: draftId }, first.accessToken);
    expect(draft.body).toEqual({ data: { post: null } });
    const drafts = await call(app, '{ me { posts { totalCount } } }', {}, first.accessToken);
    expect(drafts.body.data).toEqual({ me: { posts: { totalCount: 0 } } });

    // logout is allowed.
    const second = await login(user.email);
    expect((await call(app, 'mutation { logout }', {}, second.accessToken)).body).toEqual({ data: { logout: true } });
  });

  it('verifyMfa with the next TOTP code returns the same session at aal 2 with amr pwd+otp and a fresh auth_time', async () => {
    const user = await enrolledUser();
    const first = await login(user.email);
    const before = claimsOf(first.accessToken);
    // auth_time is in whole seconds: let one pass so "fresh" is visible.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const verified = await verify(first.accessToken, totpCode(user.secret, user.at, 1));
    expect(verified.mfaRequired).toBe(false);
    const after = claimsOf(verified.accessToken);
    expect(after).toMatchObject({ sid: before.sid, sub: user.user.id, aal: 2, amr: ['pwd', 'otp'], scope: 'read write' });
    expect(after.auth_time as number).toBeGreaterThan(before.auth_time as number);
    expect(verified.user).toEqual({ id: user.user.id, email: user.email, mfaEnabled: true });

    // The upgraded token works everywhere; the mfa token's refresh chain is over.
    expect(outcome(await call(app, '{ mySessions { id } }', {}, verified.accessToken))).toBe('OK');
    expect(outcome(await call(app, REFRESH, { t: first.refreshToken }))).toMatchObject({ code: 'UNAUTHENTICATED' });

    // A refresh keeps aal, amr and auth_time.
    const refreshed = (await call(app, REFRESH, { t: verified.refreshToken })).body.data!.refreshToken as Payload;
    expect(refreshed.mfaRequired).toBe(false);
    expect(claimsOf(refreshed.accessToken)).toMatchObject({ sid: before.sid, aal: 2, amr: ['pwd', 'otp'], auth_time: after.auth_time });
  });

  it('refuses wrong, malformed, expired and replayed codes with MFA_CODE_INVALID (HTTP 200)', async () => {
    const user = await enrolledUser();
    const session = await login(user.email);
    const next = totpCode(user.secret, user.at, 1);
    const wrong = wrongCode(next);
    expectCodeInvalid(await call(app, VERIFY, { code: wrong }, session.accessToken));
    // The code confirmation used: its step is spent.
    expectCodeInvalid(await call(app, VERIFY, { code: totpCode(user.secret, user.at) }, session.accessToken));
    // Two steps ago: outside the window.
    expectCodeInvalid(await call(app, VERIFY, { code: totpCode(user.secret, Date.now(), -2) }, session.accessToken));
    expectCodeInvalid(await call(app, VERIFY, { code: '' }, session.accessToken));
    expect(await verify(session.accessToken, next)).toMatchObject({ mfaRequired: false });
    // The same code again, from another sign-in of the account: a replay.
    const other = await login(user.email);
    expectCodeInvalid(await call(app, VERIFY, { code: next }, other.accessToken));
    expectCodeInvalid(await call(app, VERIFY, { code: 'x'.repeat(10_000) }, other.accessToken));
  });

  it('accepts each recovery code once, in any case and with or without its dash', async () => {
    const user = await enrolledUser();
    const [code] = user.recoveryCodes as [string];
    const first = await login(user.email);
    const verified = await verify(first.accessToken, code.replace('-', '').toUpperCase());
    expect(claimsOf(verified.accessToken)).toMatchObject({ aal: 2, amr: ['pwd', 'otp'] });
    const second = await login(user.email);
    expectCodeInvalid(await call(app, VERIFY, { code }, second.accessToken));
    expect(await verify(second.accessToken, user.recoveryCodes[1]!)).toMatchObject({ mfaRequired: false });
  });

  it('regenerateRecoveryCodes (from a session that proved MFA) voids the earlier set', async () => {
    const user = await enrolledUser();
    const session = await verify((await login(user.email)).accessToken, user.recoveryCodes[0]!);
    const regenerated = await call(app, REGENERATE, {}, session.accessToken);
    const fresh = regenerated.body.data!.regenerateRecoveryCodes as string[];
    expect(fresh).toHaveLength(10);
    expect(fresh.some((code) => user.recoveryCodes.includes(code))).toBe(false);
    const next = await login(user.email);
    expectCodeInvalid(await call(app, VERIFY, { code: user.recoveryCodes[1] }, next.accessToken));
    expect(await verify(next.accessToken, fresh[0]!)).toMatchObject({ mfaRequired: false });
  });

  it('changing MFA needs a session that proved it; disableMfa then turns it off', async () => {
    const user = await enrolledUser();
    // The session that enrolled signed in with the password alone (aal 1).
    for (const query of [DISABLE, REGENERATE, START]) {
      expect(outcome(await call(app, query, {}, user.accessToken))).toMatchObject({ code: 'FORBIDDEN', reason: 'REAUTH_REQUIRED' });
    }
    const proved = await verify(user.accessToken, totpCode(user.secret, user.at, 1));
    expect((await call(app, DISABLE, {}, proved.accessToken)).body).toEqual({ data: { disableMfa: true } });
    expect((await call(app, DISABLE, {}, proved.accessToken)).body).toEqual({ data: { disableMfa: false } });
    const after = await login(user.email);
    expect(after.mfaRequired).toBe(false);
    expect(claimsOf(after.accessToken)).toMatchObject({ aal: 1, amr: ['pwd'], scope: 'read write' });
    const events = (await call(app, MY_EVENTS, {}, after.accessToken)).body.data!.mySecurityEvents as {
      edges: Array<{ node: { kind: string } }>;
    };
    const kinds = events.edges.map((edge) => edge.node.kind);
    expect(kinds).toEqual(expect.arrayContaining(['MFA_ENABLED', 'MFA_DISABLED']));
  });
});

describe('wrong-code limits', () => {
  it('limits wrong codes per session (5) and per account (10), the right code included once limited', async () => {
    const user = await enrolledUser();
    const wrong = wrongCode;
    const right = totpCode(user.secret, user.at, 1);
    const a = await login(user.email);
    for (let i = 0; i < 5; i++) expectCodeInvalid(await call(app, VERIFY, { code: wrong(right) }, a.accessToken));
    const limited = await call(app, VERIFY, { code: right }, a.accessToken);
    expect(outcome(limited)).toMatchObject({ code: 'RATE_LIMITED', retryAfter: expect.any(Number) });

    // Another session: its own count is low, but the account's reaches 10.
    const b = await login(user.email);
    for (let i = 0; i < 4; i++) expectCodeInvalid(await call(app, VERIFY, { code: wrong(right) }, b.accessToken));
    expect(outcome(await call(app, VERIFY, { code: wrong(right) }, b.accessToken))).toMatchObject({ code: 'RATE_LIMITED' });
    const c = await login(user.email);
    expect(outcome(await call(app, VERIFY, { code: right }, c.accessToken))).toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('records MFA_FAILED for a wrong code', async () => {
    const user = await enrolledUser();
    const session = await login(user.email);
    expectCodeInvalid(await call(app, VERIFY, { code: wrongCode(totpCode(user.secret, user.at, 1)) }, session.accessToken));
    const proved = await verify(session.accessToken, totpCode(user.secret, user.at, 1));
    const events = (await call(app, MY_EVENTS, {}, proved.accessToken)).body.data!.mySecurityEvents as {
      edges: Array<{ node: { kind: string } }>;
    };
    expect(events.edges.map((edge) => edge.node.kind)).toEqual(expect.arrayContaining(['MFA_ENABLED', 'MFA_FAILED']));
  });
});
